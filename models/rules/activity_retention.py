"""How long the activity log keeps its entries: those older than the retention period go.

Entries are otherwise append-only (`models.tables.activity`); this is the one rule that
removes them, by age and in bulk. The hourly job (`workers/retention.py`) gives the cutoff.
"""

from __future__ import annotations

from datetime import datetime

from models.foundation.budget import Budget
from models.tables.activity import ActivityEntry

BATCH_SIZE = 1000


async def purge_before(
    cutoff: datetime, batch_size: int = BATCH_SIZE, budget: Budget | None = None
) -> int:
    """Delete the entries older than `cutoff`, oldest first, a batch at a time (each batch
    its own short statement, so the table is never locked for long), until none is left or
    the budget is spent (the next run goes on); how many went."""
    budget = budget or Budget.unlimited()
    purged = 0
    while True:
        ids = (
            await ActivityEntry.filter(created_at__lt=cutoff)
            .order_by("created_at")
            .limit(batch_size)
            .values_list("id", flat=True)
        )
        if not ids:
            return purged
        purged += await ActivityEntry.filter(id__in=list(ids)).delete()
        if len(ids) < batch_size or budget.spent:
            return purged
