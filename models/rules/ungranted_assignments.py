"""Access assignments that grants no longer give: dropped when roles are removed, a
relationship ends or grants expire. Who holds which roles is decided in
`models.policy.customer_access`."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from models.operation import Transaction
from models.reference.enums import RoleGrantStatus
from models.rules.access_activity import UNASSIGNED, record_assignments
from models.tables.access import AccessAssignment
from models.tables.relationships import Relationship, RoleGrant


async def drop_ungranted_assignments(
    tx: Transaction, relationship_id: UUID, roles: Iterable[str], reason: str
) -> int:
    """Delete the relationship's assignments of `roles` that no ACTIVE grant gives any more,
    recorded (`access.role_unassigned`, for `reason`, one entry per group) as a change of
    whoever caused it: the customer removing roles, the partner ending the relationship, or
    the system when grants expire.

    Called when grants stop giving access; a repeat finds nothing to delete.
    """
    still_granted = set(
        await RoleGrant.filter(
            relationship_id=relationship_id, status=RoleGrantStatus.ACTIVE
        ).values_list("role", flat=True)
    )
    lost = set(roles) - still_granted
    if not lost:
        return 0
    assignments = AccessAssignment.filter(relationship_id=relationship_id, role__in=sorted(lost))
    dropped = await assignments.values_list("group_id", "group__name", "role")
    if not dropped:
        return 0
    await assignments.delete()
    relationship = (
        await Relationship.filter(id=relationship_id).only("id", "customer_id", "partner_id").get()
    )
    await record_assignments(tx, UNASSIGNED, relationship, dropped, reason)
    return len(dropped)
