"""How the activity page and the webhook retry scan scale: one organization's rows among a
thousand of other organizations' rows, then among a million.

    python -m benchmarks.activity [--large 1000000] [--small 1000] [--runs 20]
                                  [--backend sqlite|postgres|both]

For each backend it builds a throwaway database with the committed migrations, fills it with
activity entries of many other organizations and with delivered webhook deliveries, adds 30
entries of one customer and one due delivery, and times (median of several runs) the first
page of that customer's `activity` (the query the API sends, through the
(customer_id, created_at) index) and the cron job's scan for due deliveries (through the
(status, next_attempt_at) index). It prints both sizes and their ratio: indexed reads cost
about the same for both.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta

from tortoise.backends.base.executor import EXECUTOR_CACHE

from benchmarks.backends import add_backend_argument, run_on_backends
from models.foundation.clock import utcnow
from models.foundation.standard_webhooks import new_secret
from models.infrastructure.db import database, migrate
from models.infrastructure.tokens import Sealer
from models.reference.enums import OrganizationKind
from models.tables.activity import ActivityEntry
from models.tables.organizations import Organization
from models.tables.outbound_webhooks import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from workers.outbound_webhooks import due_endpoints

SEALER = Sealer("benchmark")
ORGANIZATIONS = 1000
PAGE = 20
OWN_ENTRIES = 30
ENTRY_COLUMNS = (
    "id",
    "created_at",
    "action",
    "object_type",
    "object_id",
    "customer_id",
    "partner_id",
    "changes",
)
DELIVERY_COLUMNS = (
    "id",
    "endpoint_id",
    "event_id",
    "ordering_key",
    "status",
    "attempts",
    "created_at",
)


def _entries(count: int, now: datetime) -> Iterator[tuple[object, ...]]:
    """Entries of a thousand other customer-partner pairs, over the last year."""
    pairs = [(uuid.uuid4(), uuid.uuid4()) for _ in range(ORGANIZATIONS)]
    for n in range(count):
        customer, partner = pairs[n % ORGANIZATIONS]
        yield (
            uuid.uuid4(),
            now - timedelta(minutes=n % (365 * 24 * 60)),
            "roles.removed",
            "Relationship",
            uuid.uuid4(),
            customer,
            partner,
            '{"roles":["USER_ADMINISTRATOR"]}',
        )


def _deliveries(
    count: int, endpoint_id: uuid.UUID, event_id: int, now: datetime
) -> Iterator[tuple[object, ...]]:
    """Deliveries done long ago, as most are."""
    for n in range(count):
        created_at = now - timedelta(minutes=n % (30 * 24 * 60))
        yield (
            uuid.uuid4(),
            endpoint_id,
            event_id,
            "key",
            DeliveryStatus.DELIVERED.value,
            1,
            created_at,
        )


async def _fill(url: str, count: int) -> tuple[uuid.UUID, WebhookEndpoint]:
    now = utcnow()
    customer = await Organization.create(name="Customer", kind=OrganizationKind.CUSTOMER)
    endpoint = await WebhookEndpoint.create(
        organization=customer,
        url="https://8.8.8.8/",
        event_types=[],
        sealed_secret=SEALER.seal(new_secret()),
    )
    event = await WebhookEvent.create(
        message_id="msg_bench", type="roles.removed", ordering_key="key", occurred_at=now
    )
    tables = [
        ("activity_entry", ENTRY_COLUMNS, _entries(count, now)),
        ("webhook_delivery", DELIVERY_COLUMNS, _deliveries(count, endpoint.id, event.id, now)),
    ]
    if url.startswith("sqlite://"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite://")) as connection:
            for table, columns, rows in tables:
                marks = ", ".join("?" for _ in columns)
                connection.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                    (tuple(_sqlite(v) for v in row) for row in rows),
                )
            connection.execute("ANALYZE")
    else:
        import asyncpg  # type: ignore[import-untyped]

        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            # COPY is binary: jsonb's binary form is a version byte, then the text.
            await connection.set_type_codec(
                "jsonb",
                encoder=lambda text: b"\x01" + text.encode(),
                decoder=lambda data: json.loads(data[1:]),
                schema="pg_catalog",
                format="binary",
            )
            for table, columns, rows in tables:
                await connection.copy_records_to_table(table, records=list(rows), columns=columns)
                await connection.execute(f"ANALYZE {table}")
        finally:
            await connection.close()
    # The customer's own entries, and one delivery due.
    for n in range(OWN_ENTRIES):
        await ActivityEntry.create(
            created_at=now - timedelta(hours=n),
            action="invitation.sent",
            object_type="Invitation",
            object_id=uuid.uuid4(),
            customer_id=customer.id,
        )
    await WebhookDelivery.create(
        endpoint=endpoint, event=event, ordering_key="due", next_attempt_at=now
    )
    return customer.id, endpoint


def _sqlite(value: object) -> object:
    """Values as Tortoise writes them to SQLite, so that they compare as its own do."""
    if isinstance(value, datetime):
        return value.isoformat(" ")
    return str(value) if isinstance(value, uuid.UUID) else value


async def _median(runs: int, action: Callable[[], Awaitable[object]]) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


async def _measure(url: str, count: int, runs: int) -> tuple[float, float]:
    EXECUTOR_CACHE.clear()  # Tortoise caches SQL by connection name; we switch dialects
    await migrate(url)
    async with database(url):
        started = time.perf_counter()
        customer_id, endpoint = await _fill(url, count)
        print(
            f"    filled {count:>9,} entries and deliveries in "
            f"{time.perf_counter() - started:6.1f} s",
            flush=True,
        )

        async def page() -> None:
            rows = (
                await ActivityEntry.filter(customer_id=customer_id)
                .order_by("-created_at", "-id")
                .limit(PAGE + 1)
            )
            assert len(rows) == PAGE + 1

        async def scan() -> None:
            assert await due_endpoints(utcnow()) == [endpoint.id]

        return await _median(runs, page), await _median(runs, scan)


async def _backend(
    name: str, url_for: Callable[[str], str], sizes: tuple[int, int], runs: int
) -> None:
    small, large = sizes
    print(f"{name}: activity page and due-delivery scan (median of {runs} runs)", flush=True)
    base_page, base_scan = await _measure(url_for("small"), small, runs)
    print(
        f"    {small:>9,} rows: page {base_page * 1000:7.2f} ms, scan {base_scan * 1000:7.2f} ms"
        "  (baseline)",
        flush=True,
    )
    page, scan = await _measure(url_for("large"), large, runs)
    print(
        f"    {large:>9,} rows: page {page * 1000:7.2f} ms ({page / base_page:.2f}x), "
        f"scan {scan * 1000:7.2f} ms ({scan / base_scan:.2f}x)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    add_backend_argument(parser)
    args = parser.parse_args()
    sizes = (args.small, args.large)
    run_on_backends(args.backend, lambda name, url_for: _backend(name, url_for, sizes, args.runs))


if __name__ == "__main__":
    main()
