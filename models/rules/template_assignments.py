"""The access assignments an invitation sent from a template brings: made when the customer
accepts, in the acceptance's transaction, by the rule of `access_groups` (a role is assigned
in the delegated admin relationship that grants it: here, the one the acceptance just
started, with the grants it just created)."""

from __future__ import annotations

from uuid import UUID

from models.operation import Transaction
from models.rules.access_activity import ASSIGNED, record_assignments
from models.tables.access import AccessAssignment, SecurityGroup
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.invitations import Invitation
from models.tables.relationships import Relationship

FROM_TEMPLATE = "Assigned by the invitation's template on acceptance"


async def make_template_assignments(
    tx: Transaction, relationship: Relationship, invitation: Invitation
) -> None:
    """Assign the invitation's (group, role) pairs that still make sense: the group is still
    the partner's, and the role is one the invitation granted. They belong to the
    invitation's delegated admin relationship (the relationship itself for a type without
    one). A pair held already changes nothing; the new ones are recorded for both sides, as
    the admin agent's own would be."""
    if not invitation.assignments:
        return
    dar = await DelegatedAdminRelationship.get_or_none(
        invitation_id=invitation.id, relationship_id=relationship.id
    )
    granted = set(invitation.roles)
    wanted = [(UUID(group), role) for group, role in invitation.assignments if role in granted]
    groups = {
        group.id: group
        for group in await SecurityGroup.filter(
            id__in=list({group for group, _ in wanted}), partner_id=relationship.partner_id
        )
    }
    made: list[tuple[UUID, str, str]] = []
    for group_id, role in wanted:
        group = groups.get(group_id)
        if group is None:
            continue  # deleted since the invitation was sent
        _, created = await AccessAssignment.get_or_create(
            group_id=group_id,
            relationship_id=relationship.id,
            delegated_admin_relationship_id=dar.id if dar else None,
            role=role,
            defaults={"assigned_by_id": invitation.sent_by_id},
        )
        if created:
            made.append((group_id, group.name, role))
    if made:
        await record_assignments(
            tx, ASSIGNED, relationship, made, FROM_TEMPLATE, dar.display_name if dar else None
        )
