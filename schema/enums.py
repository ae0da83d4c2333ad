"""The domain's enums, exposed to GraphQL under the names clients rely on, each value
described from the domain's own data (the role catalog, the relationship types' rules, the
meanings kept beside each enum)."""

from __future__ import annotations

from models.reference import enums
from models.reference.catalog import (
    RELATIONSHIP_TYPES,
    ROLE_CATALOG,
    ROLE_RULE_MEANINGS,
    role_name,
)
from models.reference.catalog import AdminRole as _AdminRole
from schema.enum_values import described_enum


def _role(key: _AdminRole) -> str:
    role = ROLE_CATALOG[key]
    privileged = " Privileged." if role.privileged else ""
    return f"{role.name}. {role.description}{privileged}"


def _type(type_: enums.RelationshipType) -> str:
    rule = RELATIONSHIP_TYPES[type_]
    fixed = " Its roles: " + ", ".join(map(role_name, rule.fixed_roles)) + "."
    return f"{rule.name}. {rule.description} {ROLE_RULE_MEANINGS[rule.role_rule]}" + (
        fixed if rule.fixed_roles else ""
    )


AdminRole = described_enum(
    _AdminRole,
    "An admin role of the directory's role catalog.",
    {key: _role(key) for key in _AdminRole},
    name="AdminRole",
)
OrganizationKind = described_enum(
    enums.OrganizationKind,
    "Whether an organization is a customer or a partner.",
    enums.ORGANIZATION_KIND_MEANINGS,
)
RelationshipType = described_enum(
    enums.RelationshipType,
    "A kind of relationship a partner may have with a customer.",
    {type_: _type(type_) for type_ in enums.RelationshipType},
)
InvitationStatus = described_enum(
    enums.InvitationStatus, "Where an invitation stands.", enums.INVITATION_STATUS_MEANINGS
)
EmailStatus = described_enum(
    enums.EmailStatus,
    "Where the delivery of an invitation's email stands.",
    enums.EMAIL_STATUS_MEANINGS,
)
RelationshipStatus = described_enum(
    enums.RelationshipStatus,
    "Whether a relationship is active or has ended.",
    enums.RELATIONSHIP_STATUS_MEANINGS,
)
RoleGrantStatus = described_enum(
    enums.RoleGrantStatus,
    "Where a role grant stands. Only ACTIVE grants give access; REVOKING gives none.",
    enums.ROLE_GRANT_STATUS_MEANINGS,
)
DelegatedAdminRelationshipStatus = described_enum(
    enums.DelegatedAdminRelationshipStatus,
    "Where a delegated admin relationship (GDAP) stands.",
    enums.DELEGATED_ADMIN_RELATIONSHIP_STATUS_MEANINGS,
)
UserStatus = described_enum(
    enums.UserStatus,
    "Where a person's account stands: whether they may sign in.",
    enums.USER_STATUS_MEANINGS,
)
ApiClientStatus = described_enum(
    enums.ApiClientStatus,
    "Whether an API client still takes tokens.",
    enums.API_CLIENT_STATUS_MEANINGS,
)
BulkOperationKind = described_enum(
    enums.BulkOperationKind,
    "What a bulk operation does to each of its items.",
    enums.BULK_OPERATION_KIND_MEANINGS,
)
BulkOperationStatus = described_enum(
    enums.BulkOperationStatus,
    "Where a bulk operation stands as a whole.",
    enums.BULK_OPERATION_STATUS_MEANINGS,
)
BulkOperationItemStatus = described_enum(
    enums.BulkOperationItemStatus,
    "Where one item of a bulk operation stands.",
    enums.BULK_OPERATION_ITEM_STATUS_MEANINGS,
)
