"""Who is acting: a signed-in person with their organization and roles, or an API client
acting for its organization within its scopes."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from models.foundation.errors import PermissionDenied
from models.reference.api_scopes import ApiScope
from models.reference.catalog import AdminRole
from models.reference.enums import OrganizationKind, PartnerRole
from models.tables.organizations import User


@dataclass(frozen=True, slots=True)
class Actor:
    """`person_id` is the acting person; None for an API client (`api_client_id`), which
    holds no roles: its `scopes` say what it may open, and the policy intersects them with
    what its organization may do. `scopes` is None for a person (not narrowed by scopes).
    `scim_token_id` is a customer's identity provider provisioning its directory through that
    SCIM token: it acts for the customer (its `organization_id`), holding no role or scope.
    `limited` marks a person who must change a temporary password or enrol a second factor
    first: such an actor holds no role (`models/policy/limited_sessions.py`)."""

    person_id: UUID | None
    email: str
    organization_id: UUID
    organization_kind: OrganizationKind
    roles: frozenset[str]
    api_client_id: UUID | None = None
    scopes: frozenset[ApiScope] | None = None
    limited: bool = False
    scim_token_id: UUID | None = None

    @classmethod
    def of(cls, user: User, kind: OrganizationKind) -> Actor:
        return cls(
            person_id=user.id,
            email=user.email,
            organization_id=user.organization_id,
            organization_kind=kind,
            roles=frozenset(user.roles),
        )

    @classmethod
    def client(
        cls,
        client_id: UUID,
        organization_id: UUID,
        kind: OrganizationKind,
        scopes: frozenset[ApiScope],
    ) -> Actor:
        """An API client acting for its organization within `scopes`."""
        return cls(
            person_id=None,
            email="",
            organization_id=organization_id,
            organization_kind=kind,
            roles=frozenset(),
            api_client_id=client_id,
            scopes=scopes,
        )

    @classmethod
    def provisioning(cls, token_id: UUID, organization_id: UUID) -> Actor:
        """A customer's identity provider, through its SCIM token `token_id`."""
        return cls(
            person_id=None,
            email="",
            organization_id=organization_id,
            organization_kind=OrganizationKind.CUSTOMER,
            roles=frozenset(),
            scopes=frozenset(),
            scim_token_id=token_id,
        )

    @property
    def user_id(self) -> UUID:
        """The acting person; an API client is refused what only a person may do."""
        if self.person_id is None:
            raise PermissionDenied(
                "An API client acts for its organization, never as a person: this needs a "
                "signed-in person."
            )
        return self.person_id

    @property
    def acting_id(self) -> UUID:
        """The person, the API client or the SCIM token that acts: what per-sender counters
        count by."""
        acting = self.person_id or self.api_client_id or self.scim_token_id
        assert acting is not None  # an actor is one or the other
        return acting

    @property
    def is_api_client(self) -> bool:
        return self.api_client_id is not None

    @property
    def is_customer(self) -> bool:
        return self.organization_kind is OrganizationKind.CUSTOMER

    @property
    def is_partner(self) -> bool:
        return self.organization_kind is OrganizationKind.PARTNER

    def holds(self, *roles: AdminRole | PartnerRole) -> bool:
        """True when the actor holds at least one of `roles`."""
        return any(role in self.roles for role in roles)

    def granted(self, scope: ApiScope) -> bool:
        """True when an API client holds `scope`; False for a person (roles decide for them)."""
        return self.scopes is not None and scope in self.scopes
