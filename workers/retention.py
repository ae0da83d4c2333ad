"""The retention jobs: activity entries older than ACTIVITY_RETENTION_DAYS are purged, and
the counters of quota windows that have ended."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from models.foundation.clock import utcnow
from models.rules.activity_retention import purge_before
from models.rules.invitation_quotas import purge_counters
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


async def purge_quota_counters(ctx: dict[str, Any]) -> str:
    """Cron, hourly: delete the invitation quotas' counters of windows that have ended."""
    purged = await purge_counters(utcnow())
    return f"purged {purged} quota counters"
