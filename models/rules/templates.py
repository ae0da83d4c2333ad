"""A partner's invitation templates: saved invitation settings, and the security groups and
roles to assign once a customer accepts an invitation sent from one.

The partner's admin agents manage them; its admin and sales agents send single invitations
from them (`with_template`), and its admin agents bulk sends (`models/rules/bulk_sends.py`).
A template's settings are checked as an invitation's (`check_request`); an assignment names
a group of the partner and a role the template grants.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError

from models.foundation.errors import DomainError, ErrorCode, Refused, ValidationErrors
from models.identity.actors import Actor
from models.operation import Operation, Transaction
from models.policy.bulk_work import require_template_manager, visible_templates
from models.reference.catalog import RELATIONSHIP_TYPES
from models.reference.enums import RelationshipType
from models.rules.invitation_request import InvitationRequest, InvitationTerms, check_request
from models.tables.access import SecurityGroup
from models.tables.templates import InvitationTemplate, TemplateAssignment

NAME_MAX = 100
DISPLAY_NAME_MAX = 50


@dataclass(frozen=True, slots=True)
class GroupRoles:
    """A security group of the partner, and the roles to assign to it on acceptance."""

    group_id: UUID
    roles: list[str]


@dataclass(frozen=True, slots=True)
class TemplateRequest:
    """A template as the partner's admin agent asks for it."""

    name: str
    type: RelationshipType
    roles: list[str] | None = None
    duration_days: int | None = None
    auto_extend: bool | None = None
    message: str | None = None
    display_name: str | None = None
    assignments: list[GroupRoles] = dataclasses.field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Checked:
    name: str
    terms: InvitationTerms
    display_name: str | None
    assignments: list[tuple[UUID, str]]


async def _check(actor: Actor, request: TemplateRequest) -> _Checked:
    errors: list[DomainError] = []
    name = request.name.strip()
    if not 1 <= len(name) <= NAME_MAX:
        errors.append(
            DomainError(
                ErrorCode.INVALID_INPUT, f"A template name has 1 to {NAME_MAX} characters.", "name"
            )
        )
    display_name = (request.display_name or "").strip() or None
    if display_name is not None and len(display_name) > DISPLAY_NAME_MAX:
        errors.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                f"A display name has at most {DISPLAY_NAME_MAX} characters.",
                "displayName",
            )
        )
    terms: InvitationTerms | None = None
    try:
        terms = check_request(
            InvitationRequest(
                customer_email="",
                type=request.type,
                roles=request.roles,
                duration_days=request.duration_days,
                auto_extend=request.auto_extend,
                message=request.message,
            ),
            template=True,
        )
    except Refused as refused:
        errors.extend(refused.refusals)
    granted = {str(role) for role in terms.roles} if terms else set(request.roles or [])
    assignments = await _check_assignments(actor, request.assignments, granted, errors)
    if errors:
        raise ValidationErrors(errors)
    assert terms is not None
    return _Checked(name, terms, display_name, assignments)


async def _check_assignments(
    actor: Actor,
    wanted: list[GroupRoles],
    granted: set[str],
    errors: list[DomainError],
) -> list[tuple[UUID, str]]:
    group_ids = {assignment.group_id for assignment in wanted}
    own = set(
        await SecurityGroup.filter(
            id__in=list(group_ids), partner_id=actor.organization_id
        ).values_list("id", flat=True)
    )
    if group_ids - own:
        errors.append(DomainError(ErrorCode.NOT_FOUND, "No such security group.", "assignments"))
    pairs: dict[tuple[UUID, str], None] = {}
    for assignment in wanted:
        for role in assignment.roles:
            if role not in granted:
                errors.append(
                    DomainError(
                        ErrorCode.ROLE_NOT_GRANTED,
                        f"{role} is not among the roles the template asks for.",
                        "assignments",
                    )
                )
            pairs[(assignment.group_id, role)] = None
    return list(pairs)


def _fields(checked: _Checked) -> dict[str, Any]:
    terms = checked.terms
    return {
        "name": checked.name,
        "type": terms.type,
        "roles": [str(role) for role in terms.roles],
        "duration_days": terms.duration_days,
        "auto_extend": terms.auto_extend,
        "message": terms.message,
        "display_name": checked.display_name,
    }


def _taken(name: str) -> DomainError:
    return DomainError(ErrorCode.NAME_TAKEN, f"A template named {name!r} exists already.", "name")


async def _record(tx: Transaction, action: str, template: InvitationTemplate) -> None:
    await tx.record(
        action,
        "InvitationTemplate",
        template.id,
        partner_id=template.partner_id,
        changes={"name": template.name, "type": template.type, "roles": template.roles},
    )


async def _replace_assignments(
    template: InvitationTemplate, assignments: list[tuple[UUID, str]]
) -> None:
    await TemplateAssignment.filter(template_id=template.id).delete()
    await TemplateAssignment.bulk_create(
        [
            TemplateAssignment(template_id=template.id, group_id=group_id, role=role)
            for group_id, role in assignments
        ]
    )


async def create_template(op: Operation, request: TemplateRequest) -> InvitationTemplate:
    actor = op.require_actor()
    require_template_manager(actor)
    checked = await _check(actor, request)
    try:
        async with op.atomic() as tx:
            template = await InvitationTemplate.create(
                partner_id=actor.organization_id, created_by_id=actor.user_id, **_fields(checked)
            )
            await _replace_assignments(template, checked.assignments)
            await _record(tx, "invitation_template.created", template)
    except IntegrityError as exc:
        raise _taken(checked.name) from exc
    return template


async def _own_template(actor: Actor, template_id: UUID, field: str = "id") -> InvitationTemplate:
    template = await visible_templates(actor).get_or_none(id=template_id)
    if template is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such invitation template.", field)
    return template


async def update_template(
    op: Operation, template_id: UUID, request: TemplateRequest
) -> InvitationTemplate:
    """Replace the template's settings and assignments with those asked for. Invitations sent
    from it keep the settings they were sent with."""
    actor = op.require_actor()
    require_template_manager(actor)
    template = await _own_template(actor, template_id)
    checked = await _check(actor, request)
    try:
        async with op.atomic() as tx:
            await template.update_from_dict(_fields(checked)).save()
            await _replace_assignments(template, checked.assignments)
            await _record(tx, "invitation_template.updated", template)
    except IntegrityError as exc:
        raise _taken(checked.name) from exc
    return template


async def delete_template(op: Operation, template_id: UUID) -> InvitationTemplate:
    """Delete the template; invitations and bulk operations sent from it keep their settings."""
    actor = op.require_actor()
    require_template_manager(actor)
    template = await _own_template(actor, template_id)
    async with op.atomic() as tx:
        await template.delete()
        await _record(tx, "invitation_template.deleted", template)
    return template


# ------------------------------------------------------------------- sending from a template


@dataclass(frozen=True, slots=True)
class TemplateSettings:
    """What a template gives every invitation sent from it, fixed at the time of sending."""

    template_id: UUID
    name: str
    type: RelationshipType
    roles: list[str]
    duration_days: int | None
    auto_extend: bool
    message: str | None
    display_name: str | None
    assignments: list[tuple[str, str]]  # (security group id, role)

    @property
    def relationship_name(self) -> str:
        """The delegated admin relationship's name an accepted invitation from it gets: its
        display name, or else the template's name."""
        return self.display_name or self.name

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"template_id": str(self.template_id)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TemplateSettings:
        return cls(
            **(
                data
                | {
                    "template_id": UUID(data["template_id"]),
                    "type": RelationshipType(data["type"]),
                    "assignments": [(group, role) for group, role in data["assignments"]],
                }
            )
        )


async def usable_template(actor: Actor, template_id: UUID, field: str) -> TemplateSettings:
    """The settings of a template the actor may send from, or NOT_FOUND naming `field`."""
    template = await _own_template(actor, template_id, field)
    assignments = await TemplateAssignment.filter(template_id=template.id).values_list(
        "group_id", "role"
    )
    return TemplateSettings(
        template_id=template.id,
        name=template.name,
        type=template.type,
        roles=list(template.roles),
        duration_days=template.duration_days,
        auto_extend=template.auto_extend,
        message=template.message,
        display_name=template.display_name,
        assignments=sorted((str(group), str(role)) for group, role in assignments),
    )


def apply_template(request: InvitationRequest, settings: TemplateSettings) -> InvitationRequest:
    """The request, with the template's settings wherever it left a field out.

    A GDAP invitation from it names its delegated admin relationship after the template
    (`settings.relationship_name`, cut to the name's length) unless the request names it.
    """
    type_ = request.type if request.type is not None else settings.type
    display_name = request.display_name
    if display_name is None and RELATIONSHIP_TYPES[type_].terms is not None:
        display_name = settings.relationship_name[:DISPLAY_NAME_MAX].strip()
    return dataclasses.replace(
        request,
        type=type_,
        display_name=display_name,
        roles=request.roles if request.roles is not None else settings.roles,
        duration_days=(
            request.duration_days if request.duration_days is not None else settings.duration_days
        ),
        auto_extend=(
            request.auto_extend if request.auto_extend is not None else settings.auto_extend
        ),
        message=request.message if request.message is not None else settings.message,
        template_id=settings.template_id,
    )


def assignments_for(settings: TemplateSettings, terms: InvitationTerms) -> list[list[str]]:
    """The template's (group, role) assignments that the invitation's roles allow."""
    granted = {str(role) for role in terms.roles}
    return [[group, role] for group, role in settings.assignments if role in granted]
