"""Relationships, their role grants and the Customer Agreement, as GraphQL types."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.policy import visible_relationship_activity
from models.reference.catalog import CURRENT_AGREEMENT_VERSION, GDAP_TERMS, AdminRole
from models.reference.enums import (
    DelegatedAdminRelationshipStatus,
    RelationshipStatus,
    RelationshipType,
    RoleGrantStatus,
)
from models.rules.delegated_admin import effective_status
from models.tables import delegated_admin as d
from models.tables import relationships as m
from models.tables.organizations import Organization as OrganizationRow
from models.tables.organizations import User as UserRow
from schema.activity.types import ActivityEntry
from schema.batches import loaded
from schema.context import Info
from schema.errors import UserError
from schema.global_ids import GlobalId, OptionalGlobalId
from schema.organizations.types import Organization, User
from schema.pagination import After, Connection, First
from schema.relay import Node

if TYPE_CHECKING:
    from schema.access.types import AccessAssignment


def _organization(row: OrganizationRow | None) -> Organization:
    assert row is not None  # a relationship's sides are never deleted
    return Organization.of(row)


def _user(row: UserRow | None) -> User | None:
    return User.of(row) if row else None


@strawberry.type(description="An admin role a customer granted a partner.")
class RoleGrant:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    role: AdminRole = strawberry.field(description="The role granted.")
    type: RelationshipType = strawberry.field(description="The relationship type it came with.")
    status: RoleGrantStatus = strawberry.field(description="Only ACTIVE grants give access.")
    granted_at: datetime = strawberry.field(description="When the customer granted it.")
    expires_at: datetime | None = strawberry.field(description="When it ends (GDAP only).")
    auto_extend: bool = strawberry.field(
        description=f"Whether it extends by {GDAP_TERMS.extension_days} days at its end."
    )
    revoked_at: datetime | None = strawberry.field(description="When access through it ended.")
    end_reason: str | None = strawberry.field(description="Why it was ended, when it was.")

    @classmethod
    def of(cls, grant: m.RoleGrant) -> RoleGrant:
        return cls(
            id=encode_id("RoleGrant", grant.id),
            role=AdminRole(grant.role),
            type=grant.type,
            status=grant.status,
            granted_at=grant.granted_at,
            expires_at=grant.expires_at,
            auto_extend=grant.auto_extend,
            revoked_at=grant.revoked_at,
            end_reason=grant.end_reason,
        )


@strawberry.type(
    description="One GDAP agreement between a partner and a customer, inside their "
    "relationship: its own name, roles, duration and end date, ended on its own."
)
class DelegatedAdminRelationship(Node):
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    display_name: str = strawberry.field(
        description="The partner's name for it, unique among its relationships in force with "
        "the customer."
    )
    status: DelegatedAdminRelationshipStatus = strawberry.field(
        description=f"APPROVAL_PENDING while its invitation waits, then ACTIVE (EXPIRING in "
        f"its last {GDAP_TERMS.expiring_days} days), EXPIRED or TERMINATED."
    )
    roles: list[AdminRole] = strawberry.field(description="The roles it grants.")
    duration_days: int = strawberry.field(description="How long it lasts from its start, in days.")
    auto_extend: bool = strawberry.field(
        description=f"Whether it extends by {GDAP_TERMS.extension_days} days at its end date."
    )
    created_at: datetime = strawberry.field(description="When the partner offered it.")
    starts_at: datetime | None = strawberry.field(
        description="When the customer approved it; null while it awaits approval."
    )
    ends_at: datetime | None = strawberry.field(
        description="When it ends (its start plus its duration and each automatic extension)."
    )
    ended_at: datetime | None = strawberry.field(
        description="When it ended (terminated, expired, or its invitation closed), if it did."
    )
    end_reason: str | None = strawberry.field(description="Why it ended, when it did.")
    _id: strawberry.Private[Any]

    @classmethod
    def of(cls, dar: d.DelegatedAdminRelationship) -> DelegatedAdminRelationship:
        return cls(
            id=encode_id("DelegatedAdminRelationship", dar.id),
            display_name=dar.display_name,
            status=effective_status(dar, utcnow()),
            roles=[AdminRole(role) for role in dar.roles],
            duration_days=dar.duration_days,
            auto_extend=dar.auto_extend,
            created_at=dar.created_at,
            starts_at=dar.starts_at,
            ends_at=dar.ends_at,
            ended_at=dar.ended_at,
            end_reason=dar.end_reason,
            _id=dar.id,
        )

    # Shaped from loaders (not coroutines): a request cut short leaves nothing un-awaited.
    @strawberry.field(description="Its role grants, oldest first.", graphql_type=list[RoleGrant])
    def role_grants(self, info: Info) -> list[RoleGrant] | Awaitable[list[RoleGrant]]:
        return loaded(
            info.context.loaders.delegated_admin_grants,
            self._id,
            lambda grants: [RoleGrant.of(g) for g in grants],
        )

    @strawberry.field(
        description="Its access assignments, oldest first: the partner's security groups "
        "and the roles of this one assigned to each (none once it has ended).",
        graphql_type=list[Annotated["AccessAssignment", strawberry.lazy("schema.access.types")]],
    )
    def access_assignments(
        self, info: Info
    ) -> list[AccessAssignment] | Awaitable[list[AccessAssignment]]:
        from schema.access.types import AccessAssignment  # the two types name each other

        return loaded(
            info.context.loaders.delegated_admin_assignments,
            self._id,
            lambda rows: [AccessAssignment.of(row) for row in rows],
        )


@strawberry.type(description="A customer's acceptance of the current Customer Agreement.")
class Agreement:
    accepted: bool = strawberry.field(description="Whether the current version is accepted.")
    version: str | None = strawberry.field(description="The version accepted.")
    accepted_at: datetime | None = strawberry.field(description="When it was accepted.")
    current_version: str = strawberry.field(description="The version customers accept today.")
    _accepted_by_id: strawberry.Private[Any]

    @classmethod
    def of(cls, acceptance: m.AgreementAcceptance | None) -> Agreement:
        return cls(
            accepted=acceptance is not None,
            version=acceptance.version if acceptance else None,
            accepted_at=acceptance.accepted_at if acceptance else None,
            current_version=CURRENT_AGREEMENT_VERSION,
            _accepted_by_id=acceptance.accepted_by_id if acceptance else None,
        )

    @strawberry.field(description="The admin who accepted it.", graphql_type=User | None)
    def accepted_by(self, info: Info) -> User | Awaitable[User | None] | None:
        if self._accepted_by_id is None:
            return None
        return loaded(info.context.loaders.user, self._accepted_by_id, _user)


@strawberry.type(description="A type accepted into a relationship, with when it started and ended.")
class RelationshipTypeRecord:
    type: RelationshipType = strawberry.field(description="The type.")
    added_at: datetime = strawberry.field(description="When the customer accepted it.")
    ended_at: datetime | None = strawberry.field(description="When it ended, if it did.")


@strawberry.type(description="The relationship of a customer and a partner.")
class Relationship(Node):
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    status: RelationshipStatus = strawberry.field(description="ACTIVE or ENDED.")
    created_at: datetime = strawberry.field(description="When the first type was accepted.")
    ended_at: datetime | None = strawberry.field(description="When the partner ended it.")
    _id: strawberry.Private[Any]
    _customer_id: strawberry.Private[Any]
    _partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, relationship: m.Relationship) -> Relationship:
        return cls(
            id=encode_id("Relationship", relationship.id),
            status=relationship.status,
            created_at=relationship.created_at,
            ended_at=relationship.ended_at,
            _id=relationship.id,
            _customer_id=relationship.customer_id,
            _partner_id=relationship.partner_id,
        )

    @strawberry.field(description="The customer organization.", graphql_type=Organization)
    def customer(self, info: Info) -> Organization | Awaitable[Organization]:
        return loaded(info.context.loaders.organization, self._customer_id, _organization)

    @strawberry.field(description="The partner organization.", graphql_type=Organization)
    def partner(self, info: Info) -> Organization | Awaitable[Organization]:
        return loaded(info.context.loaders.organization, self._partner_id, _organization)

    @strawberry.field(
        description="The types in force (all of them once ENDED, as they were).",
        graphql_type=list[RelationshipType],
    )
    def types(self, info: Info) -> list[RelationshipType] | Awaitable[list[RelationshipType]]:
        return loaded(info.context.loaders.relationship_types, self._id, self._types_in_force)

    def _types_in_force(self, records: list[m.RelationshipTypeRecord]) -> list[RelationshipType]:
        if self.status is RelationshipStatus.ACTIVE:
            records = [r for r in records if r.ended_at is None]
        return list(dict.fromkeys(RelationshipType(r.type) for r in records))

    @strawberry.field(description="Every type the relationship has had, with its dates.")
    async def type_history(self, info: Info) -> list[RelationshipTypeRecord]:
        records = await info.context.loaders.relationship_types.load(self._id)
        return [
            RelationshipTypeRecord(type=r.type, added_at=r.added_at, ended_at=r.ended_at)
            for r in records
        ]

    @strawberry.field(
        description="The customer's acceptance of the Customer Agreement.", graphql_type=Agreement
    )
    def agreement(self, info: Info) -> Agreement | Awaitable[Agreement]:
        return loaded(info.context.loaders.agreement, self._customer_id, Agreement.of)

    @strawberry.field(
        description="The admin roles granted through this relationship, oldest first.",
        graphql_type=list[RoleGrant],
    )
    def role_grants(
        self,
        info: Info,
        status: Annotated[
            RoleGrantStatus | None, strawberry.argument(description="Only grants in this status.")
        ] = None,
    ) -> list[RoleGrant] | Awaitable[list[RoleGrant]]:
        return loaded(
            info.context.loaders.role_grants,
            self._id,
            lambda grants: [
                RoleGrant.of(g) for g in grants if status is None or g.status is status
            ],
        )

    @strawberry.field(
        description="Its delegated admin relationships (GDAP), each with its own roles and "
        "end date, oldest first: those in force and those that ended.",
        graphql_type=list[DelegatedAdminRelationship],
    )
    def delegated_admin_relationships(
        self, info: Info
    ) -> list[DelegatedAdminRelationship] | Awaitable[list[DelegatedAdminRelationship]]:
        return loaded(
            info.context.loaders.delegated_admin_relationships,
            self._id,
            lambda found: [DelegatedAdminRelationship.of(dar) for dar in found],
        )

    @strawberry.field(
        description="The relationship's history, newest first: every change that belongs to "
        "it, made by either side or by the system. For those who read their organization's "
        "`activity` (a customer's Global, Billing and Global Reader admins, a partner's admin "
        "agents); empty for anyone else."
    )
    async def activity(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[ActivityEntry]:
        actor = info.context.actor()
        entries = visible_relationship_activity(
            actor, self._id, self._customer_id, self._partner_id
        )
        lists = info.context.loaders.relationship_activity
        page = await lists.page(entries, first, after)
        return lists.connection(
            entries, page, lambda entry: ActivityEntry.of(entry, actor.organization_id)
        )


@strawberry.input(description="Remove a partner's admin roles: the chosen ones, or all.")
class RemoveRolesInput:
    relationship_id: strawberry.ID = strawberry.field(description="The relationship.")
    roles: list[AdminRole] | None = strawberry.field(
        default=None, description="The roles to remove; omit to remove them all."
    )
    delegated_admin_relationship_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Act on this delegated admin relationship only; omit to act on all. "
        "One left with no role is TERMINATED.",
    )
    types: list[RelationshipType] | None = strawberry.field(
        default=None,
        description="Act only on the grants that came with these relationship types (the "
        "roles of an ADVISOR or PARTNER grant, and not the same roles a delegated admin "
        "relationship grants, which are GDAP_PARTNER's); omit to act on every type.",
    )
    relationship = GlobalId("Relationship", "relationship_id")
    delegated_admin_relationship = OptionalGlobalId(
        "DelegatedAdminRelationship", "delegated_admin_relationship_id"
    )


@strawberry.input(description="Names a relationship.")
class RelationshipIdInput:
    relationship_id: strawberry.ID = strawberry.field(description="The relationship.")
    relationship = GlobalId("Relationship", "relationship_id")


@strawberry.input(description='Accept the current Customer Agreement ("Accept").')
class AcceptAgreementInput:
    accept_agreement: bool = strawberry.field(description="Must be true.")


@strawberry.type(description="The result of a relationship mutation.")
class RelationshipPayload:
    relationship: Relationship | None = strawberry.field(description="The relationship changed.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")


@strawberry.type(description="The result of a delegated admin relationship mutation.")
class DelegatedAdminRelationshipPayload:
    delegated_admin_relationship: DelegatedAdminRelationship | None = strawberry.field(
        description="The delegated admin relationship changed."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")


@strawberry.type(description="The result of accepting the Customer Agreement.")
class AgreementPayload:
    agreement: Agreement | None = strawberry.field(description="The customer's acceptance.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
