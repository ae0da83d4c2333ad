"""What every kind of bulk operation shares: accepting one (the partner's admin agent, at
most MAX_ITEMS items, one operation a key), and doing one item at most once.

An item's effect and its SUCCEEDED mark commit in one transaction, the mark a conditional
update from PENDING: a repeat of the item (a round run again after its worker died, or beside
another run) finds it done and undoes its own attempt. A refusal marks it FAILED the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from models.foundation.errors import DomainError, ErrorCode, PermissionDenied, Refused
from models.identity.actors import Actor
from models.operation import Operation, Transaction
from models.policy.bulk_work import require_bulk_operator, visible_bulk_operations
from models.reference.enums import BulkOperationItemStatus, BulkOperationKind
from models.tables.bulk import BulkOperation, BulkOperationItem
from models.tables.invitations import Invitation
from models.tables.outbox import Task

MAX_ITEMS = 1000
IDEMPOTENCY_KEY_MAX = 200


def check_size(count: int, field: str) -> None:
    """1 to MAX_ITEMS items, or the request is refused whole, naming `field`."""
    if count == 0:
        raise DomainError(ErrorCode.INVALID_INPUT, "Name at least one item.", field)
    if count > MAX_ITEMS:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"A bulk operation has at most {MAX_ITEMS} items; this one has {count}. "
            "Split it into several.",
            field,
        )


async def _already(actor: Actor, key: str | None) -> BulkOperation | None:
    if key is None:
        return None
    return await visible_bulk_operations(actor).get_or_none(idempotency_key=key)


async def started_before(op: Operation, idempotency_key: str | None) -> BulkOperation | None:
    """The checks every bulk request starts with: the partner's admin agent, a key of the
    right length; and the operation the same key started before, if one did."""
    actor = op.require_actor()
    require_bulk_operator(actor)
    key = clean_key(idempotency_key)
    return await _already(actor, key)


def clean_key(idempotency_key: str | None) -> str | None:
    key = (idempotency_key or "").strip() or None
    if key is not None and len(key) > IDEMPOTENCY_KEY_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"An idempotency key has at most {IDEMPOTENCY_KEY_MAX} characters.",
            "idempotencyKey",
        )
    return key


async def accept(
    op: Operation,
    kind: BulkOperationKind,
    items: Sequence[dict[str, Any]],
    idempotency_key: str | None,
    summary: dict[str, Any],
    **operation: Any,
) -> BulkOperation:
    """Record the operation and its items (each the fields of one item, in order) and queue
    its first round; the same key from the same partner, committed meanwhile, wins."""
    actor = op.require_actor()
    key = clean_key(idempotency_key)
    try:
        async with op.atomic() as tx:
            created = await BulkOperation.create(
                partner_id=actor.organization_id,
                kind=kind,
                idempotency_key=key,
                total=len(items),
                created_by_id=actor.user_id,
                **operation,
            )
            await BulkOperationItem.bulk_create(
                [
                    BulkOperationItem(operation_id=created.id, position=position, **fields)
                    for position, fields in enumerate(items)
                ]
            )
            await tx.enqueue(Task.RUN_BULK_OPERATION, bulk_operation_id=str(created.id))
            await tx.record(
                "bulk_operation.started",
                "BulkOperation",
                created.id,
                partner_id=actor.organization_id,
                changes={"kind": created.kind, "total": created.total} | summary,
            )
    except IntegrityError:
        found = await _already(actor, key)
        if found is None:
            raise
        return found
    return created


# --------------------------------------------------------------------------- the workers


class DoneMeanwhile(Exception):
    """Another run recorded the item first: this attempt is undone."""


def sender_refused() -> DomainError:
    return DomainError(
        ErrorCode.SENDER_NOT_ALLOWED,
        "The agent who started the bulk operation may no longer do what it does.",
    )


async def record_failure(op: Operation, item: BulkOperationItem, error: DomainError) -> bool:
    """Mark the item FAILED with the refusal's code, unless a run recorded it meanwhile."""
    async with op.atomic() as tx:
        failed = await BulkOperationItem.filter(
            id=item.id, status=BulkOperationItemStatus.PENDING
        ).update(
            status=BulkOperationItemStatus.FAILED,
            error_code=error.code,
            error_message=error.message[:500],
            finished_at=op.now(),
        )
        if failed:
            await BulkOperation.filter(id=item.operation_id).update(failed=F("failed") + 1)
            tx.touch("BulkOperation", item.operation_id)
    return bool(failed)


async def claim(tx: Transaction, item: BulkOperationItem, **outcome: object) -> None:
    """Record the item SUCCEEDED in the transaction of its effect, or undo both."""
    claimed = await BulkOperationItem.filter(
        id=item.id, status=BulkOperationItemStatus.PENDING
    ).update(status=BulkOperationItemStatus.SUCCEEDED, **outcome)
    if not claimed:
        raise DoneMeanwhile
    await BulkOperation.filter(id=item.operation_id).update(succeeded=F("succeeded") + 1)
    tx.touch("BulkOperation", item.operation_id)


async def do_once(
    op: Operation, item: BulkOperationItem, effect: Callable[[Operation], Awaitable[object]]
) -> bool:
    """Apply a rule's effect to the item, as `op`'s actor, in one transaction with the item's
    SUCCEEDED mark (the rule's own transaction nests inside it); a refusal marks it FAILED.
    True if it succeeded. What the rule committed counts for `op` only if the mark did."""
    attempt = Operation(actor=op.actor, sealer=op.sealer, quotas=op.quotas)
    try:
        async with attempt.atomic() as tx:
            await effect(attempt)
            await claim(tx, item, finished_at=op.now())
    except DoneMeanwhile:
        return False
    except Refused as refused:
        await record_failure(op, item, refused.refusals[0])
        return False
    except PermissionDenied:
        await record_failure(op, item, sender_refused())
        return False
    op.committed.extend(attempt.committed)
    op.changed |= attempt.changed
    return True


def not_found(what: str, field: str) -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, f"No such {what}.", field)


def ids_of(values: Sequence[UUID | None]) -> list[UUID]:
    """The distinct IDs among `values`, in order."""
    return list(dict.fromkeys(v for v in values if v is not None))


async def contact_addresses(partner_id: UUID, customer_ids: Sequence[UUID]) -> dict[UUID, str]:
    """Each customer's contact address as the partner knows it: the address of the latest
    invitation of the partner's that the customer accepted (one query)."""
    rows = (
        await Invitation.filter(
            partner_id=partner_id, customer_id__in=list(customer_ids), accepted_at__isnull=False
        )
        .order_by("accepted_at")
        .values_list("customer_id", "customer_email")
    )
    return {customer_id: email for customer_id, email in rows}
