"""The retention job: activity entries older than ACTIVITY_RETENTION_DAYS are purged."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from models.foundation.clock import utcnow
from models.rules.activity_retention import purge_before
from workers.runtime import Runtime

log = logging.getLogger(__name__)


async def purge_activity(ctx: dict[str, Any]) -> str:
    """Cron, daily: purge activity entries past the retention period."""
    runtime: Runtime = ctx["runtime"]
    days = runtime.settings.activity_retention_days
    purged = await purge_before(utcnow() - timedelta(days=days))
    if purged:
        log.info("retention: purged %d activity entries older than %d days", purged, days)
    return f"purged {purged} activity entries"
