"""The domain's enums, exposed to GraphQL under the names clients rely on."""

from __future__ import annotations

import strawberry

from models.reference import enums
from models.reference.catalog import AdminRole as _AdminRole

AdminRole = strawberry.enum(
    _AdminRole, name="AdminRole", description="An admin role of the directory's role catalog."
)
OrganizationKind = strawberry.enum(
    enums.OrganizationKind, description="Whether an organization is a customer or a partner."
)
RelationshipType = strawberry.enum(
    enums.RelationshipType, description="A kind of relationship a partner may have with a customer."
)
InvitationStatus = strawberry.enum(
    enums.InvitationStatus, description="Where an invitation stands."
)
EmailStatus = strawberry.enum(
    enums.EmailStatus, description="Where the delivery of an invitation's email stands."
)
RelationshipStatus = strawberry.enum(
    enums.RelationshipStatus, description="Whether a relationship is active or has ended."
)
RoleGrantStatus = strawberry.enum(
    enums.RoleGrantStatus,
    description="Where a role grant stands. Only ACTIVE grants give access; REVOKING gives none.",
)
