"""The activity entries of security groups and access assignments.

A group's own changes (created, renamed, deleted, members) concern its partner only. Roles
assigned to it or taken from it for a relationship concern the customer too: its data is
being opened to, or closed to, the group's agents. Their object is the group either way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from uuid import UUID

from models.operation import Transaction
from models.tables.access import SecurityGroup
from models.tables.activity import sides
from models.tables.relationships import Relationship

ASSIGNED = "access.role_assigned"
UNASSIGNED = "access.role_unassigned"


async def record_group(
    tx: Transaction, action: str, group: SecurityGroup, **changes: object
) -> None:
    """A change to the group itself (`security_group.*`), for its partner's log only."""
    await tx.record(
        action,
        "SecurityGroup",
        group.id,
        partner_id=group.partner_id,
        changes={"group": group.name, **changes},
    )


async def record_assignments(
    tx: Transaction,
    action: str,
    relationship: Relationship,
    assignments: Iterable[tuple[UUID, str, str]],
    reason: str | None = None,
    delegated_admin_relationship: str | None = None,
) -> None:
    """One entry per group for `assignments` of the relationship, given as (group id, group
    name, role), assigned or taken away at once; in the delegated admin relationship named
    (its display name), when they belong to one."""
    by_group: dict[tuple[UUID, str], set[str]] = defaultdict(set)
    for group_id, name, role in assignments:
        by_group[(group_id, name)].add(role)
    for (group_id, name), roles in sorted(by_group.items(), key=lambda item: item[0][1]):
        changes: dict[str, object] = {"group": name, "roles": sorted(roles)}
        if delegated_admin_relationship is not None:
            changes["delegatedAdminRelationship"] = delegated_admin_relationship
        if reason is not None:
            changes["reason"] = reason
        await tx.record(action, "SecurityGroup", group_id, **sides(relationship), changes=changes)


async def record_group_unassigned(
    tx: Transaction, group: SecurityGroup, assignments: Iterable[tuple[UUID, str]], reason: str
) -> None:
    """The group's roles, given as (relationship id, role), all taken away: one entry per
    relationship, for both of its sides."""
    by_relationship: dict[UUID, list[tuple[UUID, str, str]]] = defaultdict(list)
    for relationship_id, role in assignments:
        by_relationship[relationship_id].append((group.id, group.name, role))
    if not by_relationship:
        return
    relationships = await Relationship.filter(id__in=list(by_relationship)).only(
        "id", "customer_id", "partner_id"
    )
    for relationship in sorted(relationships, key=lambda r: str(r.id)):
        await record_assignments(
            tx, UNASSIGNED, relationship, by_relationship[relationship.id], reason
        )
