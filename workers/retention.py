"""The retention jobs: activity entries older than ACTIVITY_RETENTION_DAYS, and outbox
messages completed more than OUTBOX_RETENTION_DAYS ago, are purged; so is what signs
nobody in any more (ended sessions, expired links, stale throttle counters, single sign-ons
that never came back), and the invitation quotas' counters of windows that have ended."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from models.foundation.clock import utcnow
from models.rules.activity_retention import purge_before
from models.rules.invitation_quotas import purge_counters
from models.rules.outbox_retention import purge_completed_before
from models.rules.sign_in import purge_ended
from models.rules.single_sign_on import purge_requests_before
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


async def purge_sign_in(ctx: dict[str, Any]) -> str:
    """Cron, daily: delete ended sessions, expired set-password links and stale throttle
    counters (a guesser's made-up addresses leave nothing behind for long)."""
    now = utcnow()
    purged = await purge_ended(now)
    sso = await purge_requests_before(now)
    report = f"purged {purged.sessions} sessions, {purged.links} links, {purged.counters} counters"
    if sso:  # (said only when there were some: most days, none)
        report += f", {sso} single sign-on requests"
    if purged.sessions or purged.links or purged.counters or sso:
        log.info("retention: %s", report)
    return report


async def purge_quota_counters(ctx: dict[str, Any]) -> str:
    """Cron, hourly: delete the invitation quotas' counters of windows that have ended."""
    purged = await purge_counters(utcnow())
    return f"purged {purged} quota counters"


async def purge_outbox(ctx: dict[str, Any]) -> str:
    """Cron, hourly: purge outbox messages completed before the retention period."""
    runtime: Runtime = ctx["runtime"]
    days = runtime.settings.outbox_retention_days
    purged = await purge_completed_before(utcnow() - timedelta(days=days), runtime.batch_budget())
    if purged:
        log.info("retention: purged %d outbox messages done over %d days ago", purged, days)
    return f"purged {purged} outbox messages"
