"""Bulk operations: one action applied to many customers by the workers, in rounds.

Accepting one (`start_bulk_send` here, `bulk_access.start_bulk_access`,
`bulk_endings.start_bulk_ending`) checks the request as a whole: the partner's admin agent,
at most MAX_ITEMS items, a template (or security group) the agent may use; each item's own
checks wait for its turn, where a bad item becomes a FAILED item with its error code. The
same idempotency key from the same partner gives back the operation it started, and starts
nothing.

The workers do an operation in rounds (`run_round`): each takes up to ROUND_ITEMS pending
items, within a time budget, then the operation waits behind every other operation's round
queued meanwhile, so that no partner's large operation starves another's. Each item is done
at most once: its outcome is recorded by a conditional update from PENDING in the same
transaction as its effect, and a repeat (a round run again after its worker died, or beside
another run) finds the item done and undoes its own attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

from tortoise.expressions import F

from models.foundation.budget import Budget
from models.foundation.errors import DomainError, ErrorCode, PermissionDenied, Refused
from models.foundation.ids import decode_id
from models.identity.actors import Actor
from models.infrastructure.change_feed import Change
from models.operation import Operation
from models.reference.enums import (
    BulkOperationItemStatus,
    BulkOperationKind,
    BulkOperationStatus,
    OrganizationKind,
)
from models.rules.bulk_access import AccessSettings, assign_one
from models.rules.bulk_endings import end_one
from models.rules.bulk_items import (
    MAX_ITEMS,
    DoneMeanwhile,
    accept,
    check_size,
    claim,
    record_failure,
    sender_refused,
    started_before,
)
from models.rules.invitation_request import InvitationRequest
from models.rules.invitations import prepare_invitation, record_invitation
from models.rules.templates import TemplateSettings, usable_template
from models.tables.bulk import BulkOperation, BulkOperationItem
from models.tables.organizations import User

log = logging.getLogger(__name__)

ROUND_ITEMS = 25

__all__ = ["MAX_ITEMS", "ROUND_ITEMS", "BulkCustomer", "run_round", "start_bulk_send"]


@dataclass(frozen=True, slots=True)
class BulkCustomer:
    """One customer of a bulk send, as given: an address, and optionally its organization's
    ID (checked when its turn comes)."""

    customer_email: str
    customer_id: str | None = None


async def start_bulk_send(
    op: Operation,
    template_id: UUID,
    customers: list[BulkCustomer],
    idempotency_key: str | None = None,
) -> BulkOperation:
    """Accept a bulk send of one template to many customers, for the workers to do."""
    found = await started_before(op, idempotency_key)
    if found is not None:
        return found
    check_size(len(customers), "customers")
    template = await usable_template(op.require_actor(), template_id, "templateId")
    items = [
        {
            "customer_email": customer.customer_email.strip()[:320],
            "customer_ref": customer.customer_id,
        }
        for customer in customers
    ]
    return await accept(
        op,
        BulkOperationKind.SEND_INVITATIONS,
        items,
        idempotency_key,
        {"template": template.name},
        template_id=template.template_id,
        settings=template.as_json(),
    )


# --------------------------------------------------------------------------- the workers


@dataclass(frozen=True, slots=True)
class RoundReport:
    """What a round did, and whether the operation is complete."""

    succeeded: int
    failed: int
    complete: bool


async def _sender(operation: BulkOperation) -> Actor | None:
    """The agent who started the operation, as they are now (None if they left)."""
    if operation.created_by_id is None:
        return None
    user = await User.get_or_none(id=operation.created_by_id, organization_id=operation.partner_id)
    return Actor.of(user, OrganizationKind.PARTNER) if user is not None else None


async def _send_one(op: Operation, item: BulkOperationItem, settings: TemplateSettings) -> bool:
    """Send the template to the item's customer; True if it succeeded."""
    customer_id: UUID | None = None
    if item.customer_ref:
        customer_id = decode_id("Organization", item.customer_ref)
        if customer_id is None:
            refusal = DomainError(
                ErrorCode.NOT_FOUND, "No such customer organization.", "customerId"
            )
            await record_failure(op, item, refusal)
            return False
    request = InvitationRequest(
        customer_email=item.customer_email, type=None, customer_id=customer_id
    )
    try:
        prepared = await prepare_invitation(op, request, settings)
        async with op.atomic() as tx:
            invitation = await record_invitation(tx, op, prepared, agent_quota=False)
            await claim(tx, item, invitation_id=invitation.id, finished_at=op.now())
    except DoneMeanwhile:
        return False
    except Refused as refused:
        await record_failure(op, item, refused.refusals[0])
        return False
    except PermissionDenied:
        await record_failure(op, item, sender_refused())
        return False
    return True


ItemDoer = Callable[[Operation, BulkOperationItem], Awaitable[bool]]


def _doer(operation: BulkOperation) -> ItemDoer:
    """What each item of the operation does, by its kind, with the settings fixed when it was
    accepted; True if the item succeeded."""
    if operation.kind is BulkOperationKind.ASSIGN_ACCESS:
        access = AccessSettings.from_json(operation.settings)
        return lambda op, item: assign_one(op, item, access)
    if operation.kind is BulkOperationKind.END_DELEGATED_ADMIN:
        return end_one
    template = TemplateSettings.from_json(operation.settings)
    return lambda op, item: _send_one(op, item, template)


async def run_round(
    system: Operation, operation_id: UUID, budget: Budget, limit: int = ROUND_ITEMS
) -> RoundReport:
    """Do up to `limit` of the operation's pending items, while `budget` lasts (one at
    least), and complete the operation once none is left. Runs again harmlessly."""
    operation = await BulkOperation.get_or_none(id=operation_id)
    if operation is None or operation.status is BulkOperationStatus.COMPLETED:
        return RoundReport(0, 0, complete=True)
    now = system.now()
    async with system.atomic() as tx:
        started = await BulkOperation.filter(
            id=operation.id, status=BulkOperationStatus.QUEUED
        ).update(status=BulkOperationStatus.RUNNING, started_at=now)
        if started:
            tx.touch("BulkOperation", operation.id)
    await BulkOperation.filter(id=operation.id).update(rounds=F("rounds") + 1)
    items = (
        await BulkOperationItem.filter(
            operation_id=operation.id, status=BulkOperationItemStatus.PENDING
        )
        .order_by("position")
        .limit(limit)
    )
    sender = await _sender(operation)
    op = Operation(actor=sender, sealer=system.sealer, quotas=system.quotas)
    do_item = _doer(operation)
    succeeded = failed = 0
    for item in items:
        if sender is None:
            await record_failure(op, item, sender_refused())
            done = False
        else:
            done = await do_item(op, item)
        if done:
            succeeded += 1
        else:
            failed += 1
        if budget.spent:
            break
    system.committed.extend(op.committed)
    # What the round changed, and the operation's counts, for live subscribers.
    system.changed |= op.changed | {Change("BulkOperation", operation.id)}
    complete = await _complete_if_done(system, operation)
    return RoundReport(succeeded, failed, complete)


async def _complete_if_done(system: Operation, operation: BulkOperation) -> bool:
    if await BulkOperationItem.exists(
        operation_id=operation.id, status=BulkOperationItemStatus.PENDING
    ):
        return False
    async with system.atomic() as tx:
        completed = await BulkOperation.filter(
            id=operation.id, status__not=BulkOperationStatus.COMPLETED
        ).update(status=BulkOperationStatus.COMPLETED, finished_at=system.now())
        if completed:
            await operation.refresh_from_db()
            await tx.record(
                "bulk_operation.completed",
                "BulkOperation",
                operation.id,
                partner_id=operation.partner_id,
                changes={
                    "total": operation.total,
                    "succeeded": operation.succeeded,
                    "failed": operation.failed,
                },
            )
    return True


async def rounds_run(operation_id: UUID) -> int:
    """How many rounds the operation has had: the next round's job is named by it."""
    operation = await BulkOperation.get(id=operation_id).only("id", "rounds")
    return operation.rounds
