"""The retention jobs: activity entries older than ACTIVITY_RETENTION_DAYS, and outbox
messages completed more than OUTBOX_RETENTION_DAYS ago, are purged."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from models.foundation.clock import utcnow
from models.rules.activity_retention import purge_before
from models.rules.outbox_retention import purge_completed_before
from workers.runtime import Runtime

log = logging.getLogger(__name__)


async def purge_activity(ctx: dict[str, Any]) -> str:
    """Cron, hourly: purge activity entries past the retention period."""
    runtime: Runtime = ctx["runtime"]
    days = runtime.settings.activity_retention_days
    purged = await purge_before(utcnow() - timedelta(days=days), budget=runtime.batch_budget())
    if purged:
        log.info("retention: purged %d activity entries older than %d days", purged, days)
    return f"purged {purged} activity entries"


async def purge_outbox(ctx: dict[str, Any]) -> str:
    """Cron, hourly: purge outbox messages completed before the retention period."""
    runtime: Runtime = ctx["runtime"]
    days = runtime.settings.outbox_retention_days
    purged = await purge_completed_before(utcnow() - timedelta(days=days), runtime.batch_budget())
    if purged:
        log.info("retention: purged %d outbox messages done over %d days ago", purged, days)
    return f"purged {purged} outbox messages"
