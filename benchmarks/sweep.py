"""How the lifecycle sweep scales: a handful of grants due among a thousand, then a million.

    python -m benchmarks.sweep [--large 1000000] [--small 1000] [--due 5] [--runs 5]
                               [--backend sqlite|postgres|both]

For each backend it builds a throwaway database with the committed migrations, fills it with
active GDAP grants whose next notice lies in the future, makes a few of them due, and times
`sweep_grants` (median of several runs, the due grants made due again before each). It
prints both sizes and their ratio: an indexed, batched sweep costs about the same for both.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from tortoise.backends.base.executor import EXECUTOR_CACHE

from benchmarks.backends import add_backend_argument, run_on_backends
from models.foundation.clock import utcnow
from models.infrastructure.db import database, migrate
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.reference.catalog import AdminRole
from models.reference.enums import OrganizationKind, RelationshipStatus, RelationshipType
from models.rules.lifecycle import sweep_grants
from models.tables.organizations import Organization
from models.tables.relationships import Relationship, RoleGrant

RELATIONSHIPS = 1000
CHUNK = 20_000
COLUMNS = (
    "id",
    "relationship_id",
    "role",
    "type",
    "status",
    "granted_at",
    "expires_at",
    "auto_extend",
    "next_notice_at",
)


def _rows(
    count: int, relationship_ids: list[uuid.UUID], now: datetime
) -> Iterator[tuple[object, ...]]:
    """Active grants spread over the next two years, none due."""
    for n in range(count):
        expires_at = now + timedelta(days=31, minutes=n % (700 * 24 * 60))
        yield (
            uuid.uuid4(),
            relationship_ids[n % len(relationship_ids)],
            AdminRole.USER_ADMINISTRATOR,
            RelationshipType.GDAP_PARTNER,
            "ACTIVE",
            now,
            expires_at,
            False,
            expires_at - timedelta(days=30),
        )


async def _fill(url: str, count: int) -> None:
    """`count` active grants over a thousand relationships, none of them due."""
    now = utcnow()
    customer = await Organization.create(name="Customer", kind=OrganizationKind.CUSTOMER)
    partner = await Organization.create(name="Partner", kind=OrganizationKind.PARTNER)
    relationships = [
        Relationship(customer=customer, partner=partner, status=RelationshipStatus.ACTIVE)
        for _ in range(RELATIONSHIPS)
    ]
    await Relationship.bulk_create(relationships)
    relationship_ids = [r.id for r in await Relationship.all().only("id")]
    rows = _rows(count, relationship_ids, now)
    if url.startswith("sqlite://"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite://")) as connection:
            marks = ", ".join("?" for _ in COLUMNS)
            connection.executemany(
                f"INSERT INTO role_grant ({', '.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608
                (
                    (str(r[0]), str(r[1]), *r[2:5], *(_iso(v) for v in r[5:7]), r[7], _iso(r[8]))
                    for r in rows
                ),
            )
    else:
        import asyncpg  # type: ignore[import-untyped]

        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            await connection.copy_records_to_table(
                "role_grant", records=list(rows), columns=COLUMNS
            )
            await connection.execute("ANALYZE role_grant")
        finally:
            await connection.close()


def _iso(value: object) -> object:
    """Datetimes as Tortoise writes them to SQLite, so that they compare as its own do."""
    return value.isoformat(" ") if isinstance(value, datetime) else value


async def _pick(due: int) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = await RoleGrant.all().limit(due).values_list("id", flat=True)  # type: ignore[assignment]
    return ids


async def _measure(url: str, count: int, due: int, runs: int) -> float:
    EXECUTOR_CACHE.clear()  # Tortoise caches SQL by connection name; we switch dialects
    await migrate(url)
    async with database(url):
        started = time.perf_counter()
        await _fill(url, count)
        print(
            f"    filled {count:>9,} grants in {time.perf_counter() - started:6.1f} s", flush=True
        )
        ids = await _pick(due)
        op = Operation(actor=None, sealer=Sealer("benchmark"))
        timings = []
        for _ in range(runs):
            # The picked grants end in 29 days and were never warned: their 30-day warning is due.
            now = utcnow()
            await RoleGrant.filter(id__in=ids).update(
                next_notice_at=now - timedelta(minutes=1),
                expires_at=now + timedelta(days=29),
                warned_days=None,
            )
            started = time.perf_counter()
            report = await sweep_grants(op)
            timings.append(time.perf_counter() - started)
            assert report.warned == due, report
            op.committed.clear()
    return statistics.median(timings)


async def _backend(
    name: str, url_for: Callable[[str], str], sizes: tuple[int, int], due: int, runs: int
) -> None:
    small, large = sizes
    print(f"{name}: sweep with {due} grants due (median of {runs} runs)", flush=True)
    baseline = await _measure(url_for("small"), small, due, runs)
    print(f"    {small:>9,} grants: {baseline * 1000:8.2f} ms per sweep  (baseline)", flush=True)
    measured = await _measure(url_for("large"), large, due, runs)
    print(
        f"    {large:>9,} grants: {measured * 1000:8.2f} ms per sweep  "
        f"({measured / baseline:.2f}x the baseline)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    add_backend_argument(parser)
    args = parser.parse_args()
    sizes = (args.small, args.large)
    run_on_backends(
        args.backend, lambda name, url_for: _backend(name, url_for, sizes, args.due, args.runs)
    )


if __name__ == "__main__":
    main()
