"""How long the outbox keeps what it has done: completed messages older than
OUTBOX_RETENTION_DAYS go, with their notifications' per-recipient emails.

A message not yet done is never purged, however old: the relay still owes it a run. The
hourly job (`workers/retention.py`) gives the cutoff and a time budget.
"""

from __future__ import annotations

from datetime import datetime

from models.foundation.budget import Budget
from models.tables.outbox import NotificationEmail, OutboxMessage

BATCH_SIZE = 1000


async def purge_completed_before(
    cutoff: datetime, budget: Budget, batch_size: int = BATCH_SIZE
) -> int:
    """Delete the messages completed before `cutoff`, oldest first, a batch at a time (each
    its own short statements, read through the `(completed_at, created_at, id)` index), until
    none is left or the budget is spent; how many went."""
    purged = 0
    while True:
        ids = list(
            await OutboxMessage.filter(completed_at__lt=cutoff)
            .order_by("completed_at")
            .limit(batch_size)
            .values_list("id", flat=True)
        )
        if not ids:
            return purged
        await NotificationEmail.filter(outbox_id__in=ids).delete()
        purged += await OutboxMessage.filter(id__in=ids).delete()
        if len(ids) < batch_size or budget.spent:
            return purged
