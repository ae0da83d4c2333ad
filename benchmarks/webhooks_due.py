"""How the cron job's scan for endpoints with a webhook delivery due scales with one
endpoint's backlog: a thousand due deliveries of one endpoint, then a hundred thousand, with
fifty other endpoints each with one delivery due later, among many delivered deliveries.

    python -m benchmarks.webhooks_due [--small 1000] [--large 100000] [--history 200000]
                                      [--runs 20] [--backend sqlite|postgres|both]

For each backend it builds a throwaway database with the committed migrations, fills it, and
times (median of several runs) `due_endpoints`, which groups the due rows by endpoint over the
(status, next_attempt_at) index, beside the previous scan (the 1,000 oldest due rows), and
counts the endpoints each finds: the previous scan finds the backlog's endpoint only, so the
fifty others wait; the grouped scan finds all 51, at a cost that grows with the due rows.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta

from tortoise.backends.base.executor import EXECUTOR_CACHE

from benchmarks.backends import add_backend_argument, run_on_backends
from models.foundation.clock import utcnow
from models.infrastructure.db import database, migrate
from models.infrastructure.tokens import Sealer
from models.reference.enums import OrganizationKind
from models.tables.organizations import Organization
from models.tables.outbound_webhooks import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from workers.outbound_webhooks import due_endpoints

SEALER = Sealer("benchmark")
OTHERS = 50
PREVIOUS_SCAN = 1000
COLUMNS = (
    "id",
    "endpoint_id",
    "event_id",
    "ordering_key",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
)


def _rows(
    history: int, backlog: int, endpoint_id: uuid.UUID, event_id: int, now: datetime
) -> Iterator[tuple[object, ...]]:
    """Deliveries done long ago, then the backlog: due for an hour, each its own key."""
    for n in range(history):
        created_at = now - timedelta(minutes=n % (30 * 24 * 60))
        yield (uuid.uuid4(), endpoint_id, event_id, "key", "DELIVERED", 1, None, created_at)
    due = now - timedelta(hours=1)
    for n in range(backlog):
        yield (uuid.uuid4(), endpoint_id, event_id, f"k{n}", "PENDING", 0, due, due)


def _sqlite(value: object) -> object:
    """Values as Tortoise writes them to SQLite, so that they compare as its own do."""
    if isinstance(value, datetime):
        return value.isoformat(" ")
    return str(value) if isinstance(value, uuid.UUID) else value


async def _endpoint(org: Organization) -> WebhookEndpoint:
    return await WebhookEndpoint.create(
        organization=org, url="https://8.8.8.8/", event_types=[], sealed_secret=SEALER.seal("x")
    )


async def _fill(url: str, history: int, backlog: int) -> None:
    now = utcnow()
    org = await Organization.create(name="Partner", kind=OrganizationKind.PARTNER)
    crowded = await _endpoint(org)
    event = await WebhookEvent.create(
        message_id="msg_bench", type="roles.removed", ordering_key="key", occurred_at=now
    )
    rows = _rows(history, backlog, crowded.id, event.id, now)
    if url.startswith("sqlite://"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite://")) as connection:
            marks = ", ".join("?" for _ in COLUMNS)
            connection.executemany(
                f"INSERT INTO webhook_delivery ({', '.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608
                (tuple(_sqlite(v) for v in row) for row in rows),
            )
            connection.execute("ANALYZE")
    else:
        import asyncpg  # type: ignore[import-untyped]

        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            await connection.copy_records_to_table(
                "webhook_delivery", records=list(rows), columns=COLUMNS
            )
            await connection.execute("ANALYZE webhook_delivery")
        finally:
            await connection.close()
    # Fifty other endpoints, each with one delivery due a minute ago.
    for _ in range(OTHERS):
        await WebhookDelivery.create(
            endpoint=await _endpoint(org),
            event=event,
            ordering_key="other",
            next_attempt_at=now - timedelta(minutes=1),
        )


async def _previous_scan() -> int:
    """The endpoints the previous scan found: those of the 1,000 oldest due rows."""
    rows = (
        await WebhookDelivery.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=utcnow())
        .order_by("next_attempt_at")
        .limit(PREVIOUS_SCAN)
        .values_list("endpoint_id", flat=True)
    )
    return len(set(rows))


async def _median(runs: int, action: Callable[[], Awaitable[int]]) -> tuple[float, int]:
    timings = []
    found = 0
    for _ in range(runs):
        started = time.perf_counter()
        found = await action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), found


async def _measure(url: str, history: int, backlog: int, runs: int) -> str:
    EXECUTOR_CACHE.clear()  # Tortoise caches SQL by connection name; we switch dialects
    await migrate(url)
    async with database(url):
        await _fill(url, history, backlog)

        async def grouped() -> int:
            return len(await due_endpoints(utcnow()))

        now_time, now_found = await _median(runs, grouped)
        before_time, before_found = await _median(runs, _previous_scan)
    return (
        f"    backlog {backlog:>7,}: grouped scan {now_time * 1000:8.2f} ms, finds "
        f"{now_found:>2} endpoints; previous scan {before_time * 1000:8.2f} ms, finds "
        f"{before_found:>2}"
    )


async def _backend(
    name: str, url_for: Callable[[str], str], history: int, sizes: tuple[int, int], runs: int
) -> None:
    print(
        f"{name}: due-endpoint scan, {history:,} delivered rows, {OTHERS} other endpoints due "
        f"(median of {runs} runs)",
        flush=True,
    )
    small, large = sizes
    print(await _measure(url_for("small"), history, small, runs) + "  (baseline)", flush=True)
    print(await _measure(url_for("large"), history, large, runs), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=20)
    add_backend_argument(parser)
    args = parser.parse_args()
    sizes = (args.small, args.large)
    run_on_backends(
        args.backend, lambda name, url_for: _backend(name, url_for, args.history, sizes, args.runs)
    )


if __name__ == "__main__":
    main()
