"""A bulk operation that ends many delegated admin relationships: each item is what
`endDelegatedAdminRelationship` does (`delegated_admin_ending`)."""

from __future__ import annotations

from uuid import UUID

from models.foundation.ids import decode_id
from models.operation import Operation
from models.policy import visible_delegated_admin_relationships
from models.reference.enums import BulkOperationKind
from models.rules.bulk_items import (
    accept,
    check_size,
    do_once,
    ids_of,
    not_found,
    record_failure,
    started_before,
)
from models.rules.delegated_admin_ending import end_delegated_admin_relationship
from models.tables.bulk import BulkOperation, BulkOperationItem


async def start_bulk_ending(
    op: Operation, ids: list[str], idempotency_key: str | None = None
) -> BulkOperation:
    """Accept the ending of many delegated admin relationships, for the workers to do. One
    that is not the partner's becomes a FAILED item at its turn."""
    found = await started_before(op, idempotency_key)
    if found is not None:
        return found
    actor = op.require_actor()
    check_size(len(ids), "ids")
    decoded = [decode_id("DelegatedAdminRelationship", ref) for ref in ids]
    rows = (
        await visible_delegated_admin_relationships(actor)
        .filter(id__in=ids_of(decoded))
        .values_list("id", "customer_id", "invitation__customer_email")
    )
    known: dict[UUID, tuple[UUID | None, str | None]] = {
        dar_id: (customer_id, email) for dar_id, customer_id, email in rows
    }
    items = []
    for dar_id in decoded:
        customer_id, email = known.get(dar_id, (None, None)) if dar_id else (None, None)
        items.append(
            {
                "delegated_admin_relationship_id": dar_id if dar_id in known else None,
                "customer_id": customer_id,
                "customer_email": email or "",
            }
        )
    return await accept(op, BulkOperationKind.END_DELEGATED_ADMIN, items, idempotency_key, {})


async def end_one(op: Operation, item: BulkOperationItem) -> bool:
    """End the item's delegated admin relationship; True if it succeeded."""
    dar_id = item.delegated_admin_relationship_id
    if dar_id is None:
        await record_failure(op, item, not_found("delegated admin relationship", "ids"))
        return False
    return await do_once(
        op, item, lambda attempt: end_delegated_admin_relationship(attempt, dar_id)
    )
