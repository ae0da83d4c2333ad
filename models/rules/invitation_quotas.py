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
which concurrent sends cannot both win past the limit. An invitation email counts against its
three quotas in one statement (`count_hits`: an upsert that adds one to each counter and
returns the counts), inside its transaction: a count past a limit refuses the email, and the
refusal undoes the transaction, the counts with it. Concurrent sends take the counters' row
locks in one order (agent, partner, recipient), and each sees the counts of those that
committed before it.

The recipient quota counts per partner, not across partners: a refusal must not tell one
partner that others have been writing to the same address.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

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


@dataclass(frozen=True, slots=True)
class Hit:
    """One hit of `key` to count against `quota`, in the scope that names the quota."""

    scope: str
    key: str
    quota: Quota


async def count_hits(hits: Sequence[Hit], now: datetime) -> list[datetime | None]:
    """Count one hit of each key (each of another scope) in one statement, inside the
    caller's transaction: for each, None, or the end of its window when the hit went past its
    limit. Every hit is counted, so the caller undoes its transaction when one went past (a
    refusal does)."""
    db = QuotaCounter._meta.db
    postgres = db.capabilities.dialect == "postgres"
    rows: list[str] = []
    values: list[object] = []
    ends_of: dict[str, datetime] = {}
    for hit in hits:
        begins, ends = window_of(now, hit.quota)
        ends_of[hit.scope] = ends
        marks = [f"${len(values) + n}" if postgres else "?" for n in range(1, 6)]
        rows.append(f"({', '.join(marks)}, 1)")
        values += [str(uuid4()), hit.scope, hit.key, begins, ends]
    table = QuotaCounter._meta.db_table
    # Only the table's name and the parameters' markers go into the text; values travel apart.
    sql = (
        f'INSERT INTO "{table}" ("id", "scope", "key", "window_start", "expires_at", "hits") '  # noqa: S608
        f"VALUES {', '.join(rows)} "
        'ON CONFLICT ("scope", "key", "window_start") '
        f'DO UPDATE SET "hits" = "{table}"."hits" + 1 RETURNING "scope", "hits"'
    )
    counted = await db.execute_query_dict(sql, values)
    counts = {str(row["scope"]): int(row["hits"]) for row in counted}
    return [None if counts[hit.scope] <= hit.quota.limit else ends_of[hit.scope] for hit in hits]


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
    sends on the partner's behalf; `field` is the input that names the recipient. The three
    count in one statement; the first used up, in this order, is the one refused."""
    recipient = hashlib.sha256(f"{partner_id}:{mailbox(address)}".encode()).hexdigest()
    refusals = [
        (
            Hit("partner", str(partner_id), quotas.partner),
            f"Your organization has sent {quotas.partner.limit} invitation emails in this period.",
            None,
        ),
        (
            Hit("recipient", recipient, quotas.recipient),
            f"Your organization has sent {quotas.recipient.limit} invitation emails to this "
            "address in this period.",
            field,
        ),
    ]
    if agent_id is not None:
        agent = f"You have sent {quotas.agent.limit} invitation emails in this period."
        refusals.insert(0, (Hit("agent", str(agent_id), quotas.agent), agent, None))
    ended = await count_hits([hit for hit, _, _ in refusals], now)
    for (_, message, refused_field), ends in zip(refusals, ended, strict=True):
        if ends is not None:
            raise _refused(message, ends, refused_field)


async def purge_counters(now: datetime) -> int:
    """Delete the counters of windows that have ended; how many went."""
    return await QuotaCounter.filter(expires_at__lte=now).delete()
