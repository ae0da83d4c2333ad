"""Who is acting: a signed-in user with their organization and roles."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from models.reference.catalog import AdminRole
from models.reference.enums import OrganizationKind, PartnerRole
from models.tables.organizations import User


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: UUID
    email: str
    organization_id: UUID
    organization_kind: OrganizationKind
    roles: frozenset[str]

    @classmethod
    def of(cls, user: User, kind: OrganizationKind) -> Actor:
        return cls(
            user_id=user.id,
            email=user.email,
            organization_id=user.organization_id,
            organization_kind=kind,
            roles=frozenset(user.roles),
        )

    @property
    def is_customer(self) -> bool:
        return self.organization_kind is OrganizationKind.CUSTOMER

    @property
    def is_partner(self) -> bool:
        return self.organization_kind is OrganizationKind.PARTNER

    def holds(self, *roles: AdminRole | PartnerRole) -> bool:
        """True when the actor holds at least one of `roles`."""
        return any(role in self.roles for role in roles)
