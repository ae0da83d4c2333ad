"""The Customer Agreement: accepted once per customer organization and version."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from models.foundation.errors import DomainError, ErrorCode
from models.identity.actors import Actor
from models.operation import Operation, Transaction
from models.policy import require_partner_manager
from models.reference.catalog import CURRENT_AGREEMENT_VERSION
from models.tables.activity import sides
from models.tables.relationships import AgreementAcceptance, Relationship


async def current_acceptance(customer_id: UUID) -> AgreementAcceptance | None:
    """The customer's acceptance of the current version, if any."""
    return await AgreementAcceptance.get_or_none(
        customer_id=customer_id, version=CURRENT_AGREEMENT_VERSION
    )


async def record_acceptance(
    tx: Transaction, actor: Actor, now: datetime, relationship: Relationship | None = None
) -> AgreementAcceptance:
    """Record who accepted the current version, when; a repeat keeps the first record.

    Accepted with an invitation, the entry concerns that relationship's partner too.
    """
    existing = await current_acceptance(actor.organization_id)
    if existing is not None:
        return existing
    acceptance = await AgreementAcceptance.create(
        customer_id=actor.organization_id,
        version=CURRENT_AGREEMENT_VERSION,
        accepted_by_id=actor.user_id,
        accepted_at=now,
    )
    await tx.record(
        "agreement.accepted",
        "AgreementAcceptance",
        acceptance.id,
        **(sides(relationship) if relationship else {"customer_id": actor.organization_id}),
        changes={"version": CURRENT_AGREEMENT_VERSION},
    )
    return acceptance


async def accept_agreement(op: Operation, accept: bool) -> AgreementAcceptance:
    """ "Accept": a customer admin accepts the current Customer Agreement on its own."""
    actor = op.require_actor()
    require_partner_manager(actor)
    if not accept:
        raise DomainError(
            ErrorCode.AGREEMENT_NOT_ACCEPTED,
            "Tick the box to accept the Customer Agreement.",
            "acceptAgreement",
        )
    async with op.atomic() as tx:
        return await record_acceptance(tx, actor, op.now())
