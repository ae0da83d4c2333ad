"""How three lookups that grow with a deployment scale: whom a notification goes to (an
organization's people holding a role), the outbox relay's read of the messages not done, and
the purge's read of a batch of those done long ago; among a thousand rows, then many more.

    python -m benchmarks.outbox_and_people [--large 100000] [--small 1000] [--runs 100]
                                           [--backend sqlite|postgres|both]

For each backend it builds a throwaway database with the committed migrations and fills it
with people (ten to an organization) and outbox messages (all done a month ago but a hundred),
then times each lookup (median of many calls). The people are found through the
`"user"(organization_id, created_at)` index, the messages through the outbox's
`(completed_at, created_at, id)` one: each costs about the same at both sizes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from tortoise.backends.base.executor import EXECUTOR_CACHE

from benchmarks.backends import add_backend_argument, run_on_backends
from models.foundation.clock import utcnow
from models.infrastructure.db import database, migrate
from models.reference.enums import OrganizationKind, PartnerRole
from models.rules.recipients import holders
from models.tables.outbox import OutboxMessage
from workers.relay import RELAY_AFTER

PEOPLE_PER_ORGANIZATION = 10
UNDONE = 100
PURGE_BATCH = 500  # the purge's batch read, as many at both sizes (of the baseline's 900)
TABLES = {
    "organization": ("id", "name", "kind", "created_at"),
    "user": ("id", "organization_id", "email", "roles", "created_at", "must_change_password"),
    "outbox_message": ("id", "task", "payload", "created_at", "enqueued_at", "completed_at"),
}
Rows = dict[str, list[tuple[object, ...]]]


def _rows(count: int, now: datetime) -> Rows:
    """`count` people in organizations of ten, and `count` outbox messages, all but UNDONE
    of them done a month ago."""
    rows: Rows = {table: [] for table in TABLES}
    organization = uuid.uuid4()
    month_ago = now - timedelta(days=30)
    for n in range(count):
        if n % PEOPLE_PER_ORGANIZATION == 0:
            organization = uuid.uuid4()
            rows["organization"].append(
                (organization, f"Partner {n}", OrganizationKind.PARTNER, now)
            )
        roles = json.dumps([PartnerRole.ADMIN_AGENT if n % 3 == 0 else PartnerRole.SALES_AGENT])
        rows["user"].append(
            (uuid.uuid4(), organization, f"agent{n}@example.com", roles, now, False)
        )
        done = n >= UNDONE
        rows["outbox_message"].append(
            (
                uuid.uuid4(),
                "revoke_roles",
                "{}",
                month_ago if done else now - timedelta(minutes=5),
                month_ago if done else None,
                month_ago if done else None,
            )
        )
    return rows


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat(" ")
    return str(value) if isinstance(value, uuid.UUID) else value


async def _fill(url: str, rows: Rows) -> None:
    if url.startswith("sqlite://"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite://")) as connection:
            for table, columns in TABLES.items():
                marks = ", ".join("?" for _ in columns)
                connection.executemany(
                    f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})',  # noqa: S608
                    ([_sqlite_value(v) for v in row] for row in rows[table]),
                )
            connection.execute("ANALYZE")
        return
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        for table, columns in TABLES.items():
            records = [tuple(str(v) if isinstance(v, str) else v for v in r) for r in rows[table]]
            await connection.copy_records_to_table(table, records=records, columns=columns)
            await connection.execute(f'ANALYZE "{table}"')
    finally:
        await connection.close()


async def _median(runs: int, call: Callable[[], Awaitable[object]]) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


async def _measure(url: str, count: int, runs: int) -> tuple[float, float, float]:
    EXECUTOR_CACHE.clear()  # Tortoise caches SQL by connection name; we switch dialects
    await migrate(url)
    now = utcnow()
    rows = _rows(count, now)
    organization = rows["organization"][len(rows["organization"]) // 2][0]
    assert isinstance(organization, uuid.UUID)
    async with database(url):
        started = time.perf_counter()
        await _fill(url, rows)
        print(
            f"    filled {count:>9,} people and messages in {time.perf_counter() - started:6.1f} s"
        )
        assert await holders(organization, PartnerRole.ADMIN_AGENT)
        undone = (
            OutboxMessage.filter(completed_at=None, created_at__lte=now - RELAY_AFTER)
            .order_by("created_at", "id")
            .limit(500)
        )
        assert len(await undone) == min(UNDONE, count)
        done = (
            OutboxMessage.filter(completed_at__lt=now - timedelta(days=7))
            .order_by("completed_at")
            .limit(PURGE_BATCH)
            .values_list("id", flat=True)
        )
        return (
            await _median(runs, lambda: holders(organization, PartnerRole.ADMIN_AGENT)),
            await _median(runs, lambda: undone),
            await _median(runs, lambda: done),
        )


async def _backend(
    name: str, url_for: Callable[[str], str], sizes: tuple[int, int], runs: int
) -> None:
    small, large = sizes
    print(f"{name}: recipients / relay page / purge page (median of {runs} calls)", flush=True)
    base = await _measure(url_for("small"), small, runs)
    print(
        f"    {small:>9,} rows: "
        + " / ".join(f"{t * 1000:6.3f} ms" for t in base)
        + "  (baseline)",
        flush=True,
    )
    got = await _measure(url_for("large"), large, runs)
    ratios = " / ".join(f"{g / b:.2f}x" for g, b in zip(got, base, strict=True))
    print(
        f"    {large:>9,} rows: "
        + " / ".join(f"{t * 1000:6.3f} ms" for t in got)
        + f"  ({ratios} the baseline)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100)
    add_backend_argument(parser)
    args = parser.parse_args()
    sizes = (args.small, args.large)
    run_on_backends(args.backend, lambda name, url_for: _backend(name, url_for, sizes, args.runs))


if __name__ == "__main__":
    main()
