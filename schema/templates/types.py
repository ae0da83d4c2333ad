"""Invitation templates as GraphQL types, and the inputs of their mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.foundation.ids import encode_id
from models.reference.catalog import GDAP_TERMS, AdminRole
from models.reference.enums import RelationshipType
from models.rules.templates import DISPLAY_NAME_MAX, NAME_MAX, GroupRoles, TemplateRequest
from models.tables import templates as m
from schema.access.loaders import AccessLoaders
from schema.access.types import SecurityGroup
from schema.errors import UserError
from schema.global_ids import GlobalId


@strawberry.type(
    description="Roles assigned to one of the partner's security groups when a customer "
    "accepts an invitation sent from the template."
)
class TemplateAssignment:
    security_group: SecurityGroup = strawberry.field(description="The group.")
    roles: list[AdminRole] = strawberry.field(description="The roles its agents are given.")


@strawberry.type(
    description="A partner's saved invitation settings, with the security groups and roles to "
    "assign once a customer accepts an invitation sent from it."
)
class InvitationTemplate:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    name: str = strawberry.field(description="Its name, unique in the partner.")
    type: RelationshipType = strawberry.field(description="The relationship type offered.")
    roles: list[AdminRole] = strawberry.field(description="The admin roles asked for.")
    duration_days: int | None = strawberry.field(
        description="How long GDAP roles last after acceptance, in days (GDAP_PARTNER only)."
    )
    auto_extend: bool = strawberry.field(
        description=f"Whether GDAP roles extend by {GDAP_TERMS.extension_days} days at their "
        "end date."
    )
    message: str | None = strawberry.field(description="The message shown in the email.")
    display_name: str | None = strawberry.field(
        description="The name of the delegated admin relationship an accepted GDAP invitation "
        "creates; a bulk send uses the template's name when it has none."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it was last changed.")
    assignments: list[TemplateAssignment] = strawberry.field(
        description="The security groups and roles assigned automatically when a customer "
        "accepts an invitation sent from it."
    )

    @classmethod
    def of(
        cls,
        row: m.InvitationTemplate,
        assignments: list[m.TemplateAssignment],
        loaders: AccessLoaders | None = None,
    ) -> InvitationTemplate:
        """The template; `loaders` are shared by a list's templates, so that their groups'
        members are read in one batch."""
        loaders = loaders or AccessLoaders()
        by_group: dict[object, TemplateAssignment] = {}
        for assignment in assignments:
            found = by_group.get(assignment.group_id)
            if found is None:
                found = by_group[assignment.group_id] = TemplateAssignment(
                    security_group=SecurityGroup.of(assignment.group, loaders), roles=[]
                )
            found.roles.append(AdminRole(assignment.role))
        return cls(
            id=encode_id("InvitationTemplate", row.id),
            name=row.name,
            type=row.type,
            roles=[AdminRole(role) for role in row.roles],
            duration_days=row.duration_days,
            auto_extend=row.auto_extend,
            message=row.message,
            display_name=row.display_name,
            created_at=row.created_at,
            updated_at=row.updated_at,
            assignments=list(by_group.values()),
        )


async def templates_of(rows: list[m.InvitationTemplate]) -> list[InvitationTemplate]:
    """The templates as GraphQL types, their assignments read in one query."""
    assignments = (
        await m.TemplateAssignment.filter(template_id__in=[row.id for row in rows])
        .select_related("group")
        .order_by("group__name", "role")
    )
    by_template: dict[object, list[m.TemplateAssignment]] = {row.id: [] for row in rows}
    for assignment in assignments:
        by_template[assignment.template_id].append(assignment)
    loaders = AccessLoaders()
    return [InvitationTemplate.of(row, by_template[row.id], loaders) for row in rows]


@strawberry.input(description="A security group, and the roles to assign to it on acceptance.")
class TemplateAssignmentInput:
    security_group_id: strawberry.ID = strawberry.field(
        description="A security group of the partner."
    )
    roles: list[AdminRole] = strawberry.field(
        description="Roles among those the template asks for."
    )
    security_group = GlobalId("SecurityGroup", "security_group_id")


def _assignments(given: list[TemplateAssignmentInput] | None) -> list[GroupRoles]:
    return [
        GroupRoles(group_id=a.security_group, roles=[str(role) for role in a.roles])
        for a in given or []
    ]


@strawberry.input(description="A new invitation template.")
class CreateInvitationTemplateInput:
    name: str = strawberry.field(
        description=f"Its name: 1 to {NAME_MAX} characters, unique in the partner."
    )
    type: RelationshipType = strawberry.field(description="The relationship type offered.")
    roles: list[AdminRole] | None = strawberry.field(
        default=None,
        description="Admin roles to ask for, by the type's rule (as in sendInvitation).",
    )
    duration_days: int | None = strawberry.field(
        default=None, description=f"GDAP_PARTNER only: {GDAP_TERMS.duration_field_words}."
    )
    auto_extend: bool | None = strawberry.field(
        default=None, description=f"GDAP_PARTNER only: {GDAP_TERMS.auto_extend_field_words}"
    )
    message: str | None = strawberry.field(
        default=None, description="A message shown in the email, up to 2000 characters."
    )
    display_name: str | None = strawberry.field(
        default=None,
        description="The delegated admin relationship's name for accepted GDAP invitations, "
        f"up to {DISPLAY_NAME_MAX} characters.",
    )
    assignments: list[TemplateAssignmentInput] | None = strawberry.field(
        default=None,
        description="Security groups and roles to assign when a customer accepts.",
    )

    def request(self) -> TemplateRequest:
        return TemplateRequest(
            name=self.name,
            type=self.type,
            roles=[str(role) for role in self.roles] if self.roles is not None else None,
            duration_days=self.duration_days,
            auto_extend=self.auto_extend,
            message=self.message,
            display_name=self.display_name,
            assignments=_assignments(self.assignments),
        )


@strawberry.input(
    description="An invitation template's new settings: every field replaces the old one."
)
class UpdateInvitationTemplateInput(CreateInvitationTemplateInput):
    id: strawberry.ID = strawberry.field(description="The template's ID.")
    template = GlobalId("InvitationTemplate", "id")


@strawberry.type(description="The result of an invitation template mutation.")
class InvitationTemplatePayload:
    invitation_template: InvitationTemplate | None = strawberry.field(
        description="The template changed."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
