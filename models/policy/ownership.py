"""Whether an object belongs to the viewer's organization, whatever the viewer's own roles.

What a refusal may say depends on it: to a viewer of the object's own organization (one side
of it) who may not read it, FORBIDDEN; to anyone else the object is as good as absent
(NOT_FOUND), as by-id queries answer null and mutations NOT_FOUND for another organization's
objects, so that no one learns whether another organization's object exists.
"""

from __future__ import annotations

from uuid import UUID

from tortoise.expressions import Q

from models.identity.actors import Actor
from models.tables.bulk import BulkOperation
from models.tables.invitations import Invitation
from models.tables.relationships import Relationship


async def own_invitation(actor: Actor, invitation_id: UUID) -> bool:
    """Sent by the viewer's partner organization, or addressed to its customer one."""
    organization = actor.organization_id
    return await Invitation.filter(
        Q(partner_id=organization) | Q(customer_id=organization), id=invitation_id
    ).exists()


async def own_relationship(actor: Actor, relationship_id: UUID) -> bool:
    """The viewer's organization is one of its sides."""
    organization = actor.organization_id
    return await Relationship.filter(
        Q(partner_id=organization) | Q(customer_id=organization), id=relationship_id
    ).exists()


async def own_bulk_operation(actor: Actor, operation_id: UUID) -> bool:
    """Started by the viewer's partner organization."""
    return await BulkOperation.filter(partner_id=actor.organization_id, id=operation_id).exists()
