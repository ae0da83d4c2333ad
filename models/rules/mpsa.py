"""MPSA partners and the customer setting that lets them see each other's purchases.

An MPSA partner always sees the purchases its own organization made for the customer; those
made by the customer's other MPSA partners only while the customer shares them; never any
other purchase (the customer's own, or another kind of partner's).
"""

from __future__ import annotations

from uuid import UUID

from tortoise.queryset import QuerySet

from models.identity.actors import Actor
from models.operation import Operation
from models.policy import require_mpsa_partner, require_partner_manager
from models.reference.enums import RelationshipStatus, RelationshipType
from models.tables.relationships import RelationshipTypeRecord
from models.tables.tenant import CustomerSettings, Purchase


async def shares_mpsa_purchases(customer_id: UUID) -> bool:
    return await CustomerSettings.exists(customer_id=customer_id, share_mpsa_purchases=True)


async def customer_settings(actor: Actor) -> CustomerSettings:
    """The settings of the viewer's own organization (the defaults until it changed one)."""
    require_partner_manager(actor)
    found = await CustomerSettings.get_or_none(customer_id=actor.organization_id)
    return found or CustomerSettings(customer_id=actor.organization_id)


async def update_customer_settings(op: Operation, share_mpsa_purchases: bool) -> CustomerSettings:
    """A customer's Global or Billing Administrator turns sharing among MPSA partners on or off."""
    actor = op.require_actor()
    require_partner_manager(actor)
    async with op.atomic() as tx:
        settings, _ = await CustomerSettings.get_or_create(customer_id=actor.organization_id)
        if settings.share_mpsa_purchases != share_mpsa_purchases:
            await tx.record(
                "customer_settings.updated",
                "Organization",
                actor.organization_id,
                customer_id=actor.organization_id,
                changes={"shareMpsaPurchases": share_mpsa_purchases},
            )
        settings.share_mpsa_purchases = share_mpsa_purchases
        await settings.save(update_fields=["share_mpsa_purchases", "updated_at"])
    return settings


async def mpsa_purchases(actor: Actor, customer_id: UUID) -> QuerySet[Purchase]:
    """The customer's purchases the actor's MPSA partner may list."""
    await require_mpsa_partner(actor, customer_id)
    partners: list[UUID] = [actor.organization_id]
    if await shares_mpsa_purchases(customer_id):
        others = await RelationshipTypeRecord.filter(
            relationship__customer_id=customer_id,
            relationship__status=RelationshipStatus.ACTIVE,
            type=RelationshipType.MPSA_PARTNER,
            ended_at=None,
        ).values_list("relationship__partner_id", flat=True)
        partners += [UUID(str(partner_id)) for partner_id in others]
    return Purchase.filter(customer_id=customer_id, partner_id__in=partners)
