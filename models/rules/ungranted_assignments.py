"""Access assignments that grants no longer give: dropped when roles are removed, a
delegated admin relationship or the relationship ends, or grants expire. Who holds which
roles is decided in `models.policy.customer_access`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from uuid import UUID

from models.operation import Transaction
from models.reference.enums import RoleGrantStatus
from models.rules.access_activity import UNASSIGNED, record_assignments
from models.tables.access import AccessAssignment
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.relationships import Relationship, RoleGrant


async def drop_ungranted_assignments(
    tx: Transaction,
    relationship_id: UUID,
    grants: Iterable[RoleGrant],
    reason: str,
    *,
    delegated_admin_relationship_ids: Iterable[UUID] = (),
) -> int:
    """Trim the assignments of the delegated admin relationships these grants belonged to
    (and, for grants of other types, the relationship's own) to the roles that their ACTIVE
    grants still give: each one's own, never another's. Recorded (`access.role_unassigned`,
    for `reason`, one entry per group and delegated admin relationship) as a change of
    whoever caused it: the customer removing roles, either side ending a delegated admin
    relationship, the partner ending the relationship, or the system when grants expire.

    `delegated_admin_relationship_ids` names more to trim: one that ended with no grant left.
    Called when grants stop giving access; a repeat finds nothing to delete.
    """
    scopes: set[UUID | None] = {grant.delegated_admin_relationship_id for grant in grants}
    scopes |= set(delegated_admin_relationship_ids)
    if not scopes:
        return 0
    still: dict[UUID | None, set[str]] = defaultdict(set)
    for dar_id, role in await RoleGrant.filter(
        relationship_id=relationship_id, status=RoleGrantStatus.ACTIVE
    ).values_list("delegated_admin_relationship_id", "role"):
        still[dar_id].add(role)
    held = await AccessAssignment.filter(relationship_id=relationship_id).values_list(
        "id", "delegated_admin_relationship_id", "group_id", "group__name", "role"
    )
    lost = [row for row in held if row[1] in scopes and row[4] not in still[row[1]]]
    if not lost:
        return 0
    await AccessAssignment.filter(id__in=[row[0] for row in lost]).delete()
    relationship = (
        await Relationship.filter(id=relationship_id).only("id", "customer_id", "partner_id").get()
    )
    dar_ids = {row[1] for row in lost if row[1] is not None}
    names: dict[UUID, str] = dict(
        await DelegatedAdminRelationship.filter(id__in=list(dar_ids)).values_list(
            "id", "display_name"
        )
        if dar_ids
        else []
    )
    by_dar: dict[UUID | None, list[tuple[UUID, str, str]]] = defaultdict(list)
    for _, dar_id, group_id, group_name, role in lost:
        by_dar[dar_id].append((group_id, group_name, role))
    for dar_id, rows in by_dar.items():
        name = names.get(dar_id) if dar_id is not None else None
        await record_assignments(tx, UNASSIGNED, relationship, rows, reason, name)
    return len(lost)
