"""How many invitation emails may go out: per sending agent, per partner organization, and
per recipient address of a partner. Sending, resending and inviting from a lead all count.

The counters are rows of the database (`models.tables.quotas`), counted inside the
transaction that writes the invitation and its email's outbox message: a refused count undoes
that transaction, so nothing is written or sent, and an undone send uncounts itself. They do
not live in Redis, as Contact me's do, because a limit on a write path must neither vanish
while Redis is down (a relay for spam exactly when nobody watches) nor stop the write (writes
keep working while Redis is down): the database that takes the invitation also counts it.

Each quota is a fixed window aligned on the clock (a window of 3600 s starts on the hour), so
up to twice a limit can pass across a window's boundary. One conditional UPDATE counts a hit,
which concurrent sends cannot both win past the limit.

The recipient quota counts per partner, not across partners: a refusal must not tell one
partner that others have been writing to the same address.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from uuid import UUID

from tortoise.expressions import F

from models.foundation.errors import DomainError, ErrorCode
from models.foundation.settings import InvitationQuotas, Quota
from models.tables.quotas import QuotaCounter


def mailbox(address: str) -> str:
    """The mailbox an address reaches, for counting: case folded, a `+tag` dropped (so
    `ann+1@x.com` and `Ann+2@x.com` count as `ann@x.com`)."""
    local, _, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def window_of(now: datetime, quota: Quota) -> tuple[datetime, datetime]:
    """The start and the end of the quota's window that holds `now`."""
    start = int(now.timestamp()) // quota.window * quota.window
    begins = datetime.fromtimestamp(start, UTC)
    return begins, begins + timedelta(seconds=quota.window)


async def count_hit(scope: str, key: str, quota: Quota, now: datetime) -> datetime | None:
    """Count one hit of `key`: None, or the end of the window when it is used up."""
    begins, ends = window_of(now, quota)
    await QuotaCounter.bulk_create(
        [QuotaCounter(scope=scope, key=key, window_start=begins, expires_at=ends)],
        ignore_conflicts=True,
    )
    counted = await QuotaCounter.filter(
        scope=scope, key=key, window_start=begins, hits__lt=quota.limit
    ).update(hits=F("hits") + 1)
    return None if counted else ends


def _refused(message: str, ends: datetime, field: str | None) -> DomainError:
    when = f"{ends:%Y-%m-%d %H:%M} UTC"
    return DomainError(ErrorCode.RATE_LIMITED, f"{message} Try again after {when}.", field)


async def count_invitation_email(
    quotas: InvitationQuotas,
    now: datetime,
    *,
    agent_id: UUID | None,
    partner_id: UUID,
    address: str,
    field: str | None,
) -> None:
    """Count one invitation email against each quota, inside the caller's transaction; or
    raise RATE_LIMITED, which undoes that transaction. `agent_id` is None when the system
    sends on the partner's behalf; `field` is the input that names the recipient."""
    if agent_id is not None:
        ends = await count_hit("agent", str(agent_id), quotas.agent, now)
        if ends is not None:
            raise _refused(
                f"You have sent {quotas.agent.limit} invitation emails in this period.",
                ends,
                None,
            )
    ends = await count_hit("partner", str(partner_id), quotas.partner, now)
    if ends is not None:
        raise _refused(
            f"Your organization has sent {quotas.partner.limit} invitation emails in this period.",
            ends,
            None,
        )
    recipient = hashlib.sha256(f"{partner_id}:{mailbox(address)}".encode()).hexdigest()
    ends = await count_hit("recipient", recipient, quotas.recipient, now)
    if ends is not None:
        raise _refused(
            f"Your organization has sent {quotas.recipient.limit} invitation emails to this "
            "address in this period.",
            ends,
            field,
        )


async def purge_counters(now: datetime) -> int:
    """Delete the counters of windows that have ended; how many went."""
    return await QuotaCounter.filter(expires_at__lte=now).delete()
