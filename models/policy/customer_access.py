"""What one viewer may do with one customer's data: the decision every action and every list on
a customer's data starts from.

`effective_roles` is the one computation of a partner agent's roles for a customer: the roles
assigned to the agent's security groups in each delegated admin relationship, that the same
delegated admin relationship still gives as an ACTIVE, unexpired grant (for an assignment of
another type's role, ADVISOR or PARTNER: the relationship's grants outside any delegated admin
relationship). `customer_access` uses it for partner agents and the
viewer's own roles for the customer's admins.

An API client holds no roles of its own: its organization's decide (a partner's: every role
the customer's active grants give; a customer's: all of them, its data being its own), and
its scopes narrow the capabilities they open (`models/reference/api_scopes.py`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from models.foundation.errors import PermissionDenied
from models.identity.actors import Actor
from models.policy.roles import is_partner_agent
from models.reference.api_scopes import ApiScope, capabilities_opened
from models.reference.capabilities import Capability, capabilities_of
from models.reference.catalog import AdminRole
from models.reference.enums import OrganizationKind, RelationshipStatus, RoleGrantStatus
from models.tables.access import AccessAssignment, SecurityGroup
from models.tables.relationships import Relationship, RoleGrant

_ADMIN_ROLES: frozenset[str] = frozenset(AdminRole)
_ALL_ROLES: frozenset[AdminRole] = frozenset(AdminRole)


@dataclass(frozen=True, slots=True)
class CustomerAccess:
    """What one viewer may do with one customer's data.

    `partner_id` is set when the viewer is a partner agent acting on behalf of the customer.
    `within` narrows the capabilities for an API client, by its scopes; None for a person.
    """

    customer_id: UUID
    roles: frozenset[AdminRole]
    partner_id: UUID | None = None
    within: frozenset[Capability] | None = None

    @property
    def on_behalf(self) -> bool:
        return self.partner_id is not None

    @property
    def capabilities(self) -> frozenset[Capability]:
        found = capabilities_of(self.roles, on_behalf=self.on_behalf)
        return found if self.within is None else found & self.within

    def allows(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def require(self, capability: Capability) -> None:
        """Refuse, by the capability table, what the viewer's roles for this customer do not
        allow: the one wording of that refusal, for actions and lists alike."""
        if not self.allows(capability):
            raise PermissionDenied(f"Your roles for this customer do not allow {capability}.")


async def _granted(relationship_ids: Iterable[UUID], now: datetime) -> dict[UUID, set[str]]:
    """The roles each relationship's ACTIVE, unexpired grants give."""
    rows = await RoleGrant.filter(
        relationship_id__in=list(relationship_ids), status=RoleGrantStatus.ACTIVE
    ).values_list("relationship_id", "role", "expires_at")
    granted: dict[UUID, set[str]] = defaultdict(set)
    for relationship_id, role, expires_at in rows:
        if expires_at is None or expires_at > now:
            granted[relationship_id].add(role)
    return granted


async def effective_roles_by_relationship(
    user_id: UUID, relationship_ids: Iterable[UUID], now: datetime
) -> dict[UUID, frozenset[AdminRole]]:
    """For each relationship: the roles assigned to the user's groups that an active grant
    of the same delegated admin relationship still gives. Two queries, however many
    relationships."""
    ids = list(relationship_ids)
    if not ids:
        return {}
    assigned = set(
        await AccessAssignment.filter(
            relationship_id__in=ids,
            relationship__status=RelationshipStatus.ACTIVE,
            group__members__user_id=user_id,
        ).values_list("relationship_id", "delegated_admin_relationship_id", "role")
    )
    given: set[tuple[UUID, UUID | None, str]] = set()
    if assigned:
        for relationship_id, dar_id, role, expires_at in await RoleGrant.filter(
            relationship_id__in=list({row[0] for row in assigned}),
            status=RoleGrantStatus.ACTIVE,
        ).values_list("relationship_id", "delegated_admin_relationship_id", "role", "expires_at"):
            if expires_at is None or expires_at > now:
                given.add((relationship_id, dar_id, role))
    held: dict[UUID, set[str]] = defaultdict(set)
    for relationship_id, _, role in assigned & given:
        held[relationship_id].add(role)
    return {rid: frozenset(AdminRole(r) for r in held.get(rid, set())) for rid in ids}


async def effective_roles(
    user_id: UUID, relationship_id: UUID, now: datetime
) -> frozenset[AdminRole]:
    """A partner agent's roles over the relationship's customer, at this instant."""
    found = await effective_roles_by_relationship(user_id, [relationship_id], now)
    return found[relationship_id]


def _own_roles(actor: Actor) -> frozenset[AdminRole]:
    return frozenset(AdminRole(r) for r in actor.roles & _ADMIN_ROLES)


async def customer_access(actor: Actor, customer_id: UUID, now: datetime) -> CustomerAccess | None:
    """The viewer's access to a customer's data, or None when the customer is not theirs to see:
    its own admins, and the agents of a partner in an ACTIVE relationship with it."""
    found = await customers_access(actor, [customer_id], now)
    return found.get(customer_id)


async def readable_directory_group(
    actor: Actor, group_id: UUID, now: datetime
) -> SecurityGroup | None:
    """A group of a customer's directory (its identity provider's SCIM Group), for those who
    read that customer's users (READ_USERS: its own admins by their roles, a partner's agents
    within the roles the customer granted, either's API clients within their scopes); None
    for anyone else, and for a partner's security group (`visible_security_groups` reads
    those)."""
    group = await SecurityGroup.get_or_none(id=group_id).select_related("partner")
    if group is None or group.partner.kind is not OrganizationKind.CUSTOMER:
        return None
    access = await customer_access(actor, group.partner_id, now)
    if access is None or not access.allows(Capability.READ_USERS):
        return None
    return group


async def customers_access(
    actor: Actor, customer_ids: Iterable[UUID], now: datetime
) -> dict[UUID, CustomerAccess]:
    """`customer_access` for many customers at once, in a fixed number of queries."""
    ids = list(customer_ids)
    if actor.scopes is not None:
        return await _clients_access(actor, actor.scopes, ids, now)
    if actor.is_customer:
        roles = _own_roles(actor)
        if roles and actor.organization_id in ids:
            return {actor.organization_id: CustomerAccess(actor.organization_id, roles)}
        return {}
    if not is_partner_agent(actor) or not ids:
        return {}
    relationships = await Relationship.filter(
        customer_id__in=ids, partner_id=actor.organization_id, status=RelationshipStatus.ACTIVE
    ).values_list("id", "customer_id")
    roles_by_relationship = await effective_roles_by_relationship(
        actor.user_id, [rid for rid, _ in relationships], now
    )
    return {
        customer_id: CustomerAccess(
            customer_id, roles_by_relationship[relationship_id], actor.organization_id
        )
        for relationship_id, customer_id in relationships
    }


async def _clients_access(
    actor: Actor, scopes: frozenset[ApiScope], ids: list[UUID], now: datetime
) -> dict[UUID, CustomerAccess]:
    """An API client's access: its organization's roles for each customer (a customer's own
    data: every role), its scopes narrowing what they open."""
    within = capabilities_opened(scopes)
    if actor.is_customer:
        if actor.organization_id not in ids:
            return {}
        own = CustomerAccess(actor.organization_id, _ALL_ROLES, within=within)
        return {actor.organization_id: own}
    if not ids:
        return {}
    relationships = await Relationship.filter(
        customer_id__in=ids, partner_id=actor.organization_id, status=RelationshipStatus.ACTIVE
    ).values_list("id", "customer_id")
    granted = await _granted([rid for rid, _ in relationships], now)
    return {
        customer_id: CustomerAccess(
            customer_id,
            frozenset(AdminRole(r) for r in granted.get(relationship_id, set())),
            actor.organization_id,
            within,
        )
        for relationship_id, customer_id in relationships
    }
