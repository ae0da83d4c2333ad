"""The retention job: activity entries older than ACTIVITY_RETENTION_DAYS are purged."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from models.foundation.clock import utcnow
from models.tables.activity import ActivityEntry
from workers.runtime import Runtime

log = logging.getLogger(__name__)

BATCH_SIZE = 1000


async def purge_before(cutoff: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Delete the entries older than `cutoff`, oldest first, a batch at a time (each batch
    its own short statement, so the table is never locked for long); how many went."""
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
        if len(ids) < batch_size:
            return purged


async def purge_activity(ctx: dict[str, Any]) -> str:
    """Cron, daily: purge activity entries past the retention period."""
    runtime: Runtime = ctx["runtime"]
    days = runtime.settings.activity_retention_days
    purged = await purge_before(utcnow() - timedelta(days=days))
    if purged:
        log.info("retention: purged %d activity entries older than %d days", purged, days)
    return f"purged {purged} activity entries"
