"""What a partner may ask for in an invitation: the checks that need no database."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from models.foundation.errors import DomainError, ErrorCode, ValidationErrors
from models.reference.catalog import (
    INVITATION_DEFAULT_DAYS,
    INVITATION_MAX_DAYS,
    INVITATION_MIN_DAYS,
    RELATIONSHIP_TYPES,
    AdminRole,
    RoleRule,
    role_name,
)
from models.reference.enums import RelationshipType
from models.rules import directory_fields as check

MESSAGE_MAX_LENGTH = 2000
DISPLAY_NAME_MAX_LENGTH = 50  # a delegated admin relationship's name


@dataclass(frozen=True, slots=True)
class InvitationRequest:
    """The partner's request, as received."""

    customer_email: str
    type: RelationshipType | None
    customer_id: UUID | None = None
    roles: list[str] | None = None
    duration_days: int | None = None
    auto_extend: bool | None = None
    message: str | None = None
    expires_in_days: int | None = None
    display_name: str | None = None  # GDAP_PARTNER: the delegated admin relationship's name
    # A template of the partner: its settings fill what the request leaves out
    # (`models/rules/templates.py`, `with_template`).
    template_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class InvitationTerms:
    """A request that passed every check, normalized: what the invitation will say."""

    customer_email: str
    type: RelationshipType
    roles: list[AdminRole]
    duration_days: int | None
    auto_extend: bool
    message: str | None
    open_days: int
    display_name: str | None = None  # None: a default name is given


def check_request(request: InvitationRequest, *, template: bool = False) -> InvitationTerms:
    """Every refusal at once, each naming its field; or the terms of the invitation.

    A `template`'s settings are checked as an invitation's, but for the address, which each
    invitation sent from it brings (its terms then hold an empty address).
    """
    errors: list[DomainError] = []
    if request.type is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "Choose a relationship type.", "type")
    rule = RELATIONSHIP_TYPES[request.type]

    email = "" if template else check.email(errors, request.customer_email, "customerEmail")

    roles: list[AdminRole] = []
    for key in dict.fromkeys(request.roles or []):
        try:
            roles.append(AdminRole(key))
        except ValueError:
            errors.append(
                DomainError(ErrorCode.UNKNOWN_ROLE, f"{key} is not a known role.", "roles")
            )
    if rule.role_rule is not RoleRule.REQUESTED and roles:
        errors.append(
            DomainError(
                ErrorCode.ROLES_NOT_ALLOWED,
                f"{rule.indefinite_article.capitalize()} {rule.name} relationship takes no "
                "requested roles.",
                "roles",
            )
        )
    if rule.role_rule is RoleRule.REQUESTED and not roles and not request.roles:
        errors.append(
            DomainError(
                ErrorCode.ROLES_REQUIRED,
                f"{rule.indefinite_article.capitalize()} {rule.name} relationship needs at least "
                "one role.",
                "roles",
            )
        )
    granted = list(rule.fixed_roles) if rule.role_rule is RoleRule.FIXED else roles

    duration = request.duration_days
    terms = rule.terms
    if terms is not None:
        duration = terms.default_days if duration is None else duration
        if not terms.allows_duration(duration):
            errors.append(
                DomainError(
                    ErrorCode.INVALID_DURATION,
                    f"The duration must be from {terms.range_words}.",
                    "durationDays",
                )
            )
    elif duration is not None:
        errors.append(
            DomainError(
                ErrorCode.INVALID_DURATION,
                "Only GDAP_PARTNER relationships have a duration.",
                "durationDays",
            )
        )

    auto_extend = bool(request.auto_extend)
    if auto_extend and terms is None:
        errors.append(
            DomainError(
                ErrorCode.AUTO_EXTEND_NOT_ALLOWED,
                "Only GDAP_PARTNER relationships can extend automatically.",
                "autoExtend",
            )
        )
    elif auto_extend and terms is not None and not terms.may_auto_extend(granted):
        never = " or ".join(role_name(role) for role in terms.never_auto_extend)
        errors.append(
            DomainError(
                ErrorCode.AUTO_EXTEND_NOT_ALLOWED,
                f"Roles including {never} cannot extend automatically.",
                "autoExtend",
            )
        )

    message = (request.message or "").strip() or None
    if message and len(message) > MESSAGE_MAX_LENGTH:
        errors.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                f"The message can be at most {MESSAGE_MAX_LENGTH} characters.",
                "message",
            )
        )

    display_name = (request.display_name or "").strip() or None
    if display_name is not None and terms is None:
        errors.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                "Only GDAP_PARTNER relationships have a display name.",
                "displayName",
            )
        )
    elif display_name is not None and len(display_name) > DISPLAY_NAME_MAX_LENGTH:
        errors.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                f"The display name can be at most {DISPLAY_NAME_MAX_LENGTH} characters.",
                "displayName",
            )
        )

    open_days = (
        INVITATION_DEFAULT_DAYS if request.expires_in_days is None else request.expires_in_days
    )
    if not INVITATION_MIN_DAYS <= open_days <= INVITATION_MAX_DAYS:
        errors.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                f"An invitation stays open {INVITATION_MIN_DAYS} to {INVITATION_MAX_DAYS} days.",
                "expiresInDays",
            )
        )

    if errors:
        raise ValidationErrors(errors)
    assert email is not None  # a blank address was refused above
    return InvitationTerms(
        customer_email=email,
        type=request.type,
        roles=granted,
        duration_days=duration if terms is not None else None,
        auto_extend=auto_extend,
        message=message,
        open_days=open_days,
        display_name=display_name,
    )
