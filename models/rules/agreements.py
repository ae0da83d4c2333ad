"""The Customer Agreement: accepted once per customer organization and version."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from models.actors import Actor
from models.catalog import CURRENT_AGREEMENT_VERSION
from models.errors import DomainError, ErrorCode
from models.operation import Operation
from models.policy import require_partner_manager
from models.relationships import AgreementAcceptance


async def current_acceptance(customer_id: UUID) -> AgreementAcceptance | None:
    """The customer's acceptance of the current version, if any."""
    return await AgreementAcceptance.get_or_none(
        customer_id=customer_id, version=CURRENT_AGREEMENT_VERSION
    )


async def record_acceptance(actor: Actor, now: datetime) -> AgreementAcceptance:
    """Record who accepted the current version, when; a repeat keeps the first record."""
    existing = await current_acceptance(actor.organization_id)
    if existing is not None:
        return existing
    return await AgreementAcceptance.create(
        customer_id=actor.organization_id,
        version=CURRENT_AGREEMENT_VERSION,
        accepted_by_id=actor.user_id,
        accepted_at=now,
    )


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
    async with op.atomic():
        return await record_acceptance(actor, op.now())
