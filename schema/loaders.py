"""Data loaders, one per relation, created for each request: one query per batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from uuid import UUID

from strawberry.dataloader import DataLoader

from models.reference.catalog import CURRENT_AGREEMENT_VERSION
from models.rules.people import removed_people
from models.tables.access import AccessAssignment
from models.tables.activity import ActivityEntry
from models.tables.api_clients import ApiClient
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.invitations import Invitation
from models.tables.mfa import TotpFactor
from models.tables.organizations import Organization, User
from models.tables.outbound_webhooks import WebhookDelivery, WebhookEvent
from models.tables.relationships import AgreementAcceptance, RelationshipTypeRecord, RoleGrant
from schema.batches import by_key, grouped_by
from schema.customers.loaders import CustomerDataLoaders
from schema.nested_lists import NestedList


async def _agreements(keys: list[UUID]) -> list[AgreementAcceptance | None]:
    rows = await AgreementAcceptance.filter(customer_id__in=keys, version=CURRENT_AGREEMENT_VERSION)
    found = {row.customer_id: row for row in rows}
    return [found.get(key) for key in keys]


async def _removals(keys: list[UUID]) -> list[ActivityEntry | None]:
    found = await removed_people(keys)
    return [found.get(key) for key in keys]


@dataclass
class Loaders:
    """A fresh set for every request, so that nothing cached crosses between viewers."""

    organization: DataLoader[UUID, Organization | None] = field(
        default_factory=lambda: by_key(Organization)
    )
    user: DataLoader[UUID, User | None] = field(default_factory=lambda: by_key(User))
    # By id, unchecked: only for the API client named by an activity entry the viewer sees.
    api_client: DataLoader[UUID, ApiClient | None] = field(
        default_factory=lambda: by_key(ApiClient)
    )
    # The entry of each removed person's removal, by their id: what names them afterwards.
    removal: DataLoader[UUID, ActivityEntry | None] = field(
        default_factory=lambda: DataLoader(_removals)
    )
    # A person's authenticator, by the person's id: only for people the viewer may see.
    totp_factor: DataLoader[UUID, TotpFactor | None] = field(
        default_factory=lambda: by_key(TotpFactor, "user_id")
    )
    agreement: DataLoader[UUID, AgreementAcceptance | None] = field(
        default_factory=lambda: DataLoader(_agreements)
    )
    role_grants: DataLoader[UUID, list[RoleGrant]] = field(
        default_factory=lambda: grouped_by(RoleGrant, "relationship_id", "granted_at", "role")
    )
    delegated_admin_relationships: DataLoader[UUID, list[DelegatedAdminRelationship]] = field(
        default_factory=lambda: grouped_by(
            DelegatedAdminRelationship, "relationship_id", "created_at", "id"
        )
    )
    delegated_admin_grants: DataLoader[UUID, list[RoleGrant]] = field(
        default_factory=lambda: grouped_by(
            RoleGrant, "delegated_admin_relationship_id", "granted_at", "role"
        )
    )
    delegated_admin_assignments: DataLoader[UUID, list[AccessAssignment]] = field(
        default_factory=lambda: grouped_by(
            AccessAssignment,
            "delegated_admin_relationship_id",
            "created_at",
            "role",
            related=("relationship", "group", "delegated_admin_relationship"),
        )
    )
    relationship_types: DataLoader[UUID, list[RelationshipTypeRecord]] = field(
        default_factory=lambda: grouped_by(RelationshipTypeRecord, "relationship_id", "added_at")
    )
    # By id, unchecked: only for fields whose parent the viewer may see, such as a lead's.
    invitation: DataLoader[UUID, Invitation | None] = field(
        default_factory=lambda: by_key(Invitation)
    )
    # Nested lists, each parent's as the resolver's viewer checks built it.
    relationship_activity: NestedList[ActivityEntry] = field(default_factory=NestedList)
    webhook_deliveries: NestedList[WebhookDelivery] = field(default_factory=NestedList)
    # By id, unchecked: only for the deliveries of an endpoint the viewer may see.
    webhook_event: DataLoader[int, WebhookEvent | None] = field(
        default_factory=lambda: by_key(WebhookEvent)
    )

    @cached_property
    def customer_data(self) -> CustomerDataLoaders:
        """Customers' data, keyed by customer: only for a `Customer` the viewer's access
        opened. Made when first read: its thirty-odd loaders are most of the set's cost."""
        return CustomerDataLoaders()
