"""How the check every partner action makes scales: "does this partner hold type T with this
customer, in force?" among a thousand relationships, then a hundred thousand.

    python -m benchmarks.partner_types [--large 100000] [--small 1000] [--runs 200]
                                       [--backend sqlite|postgres|both]

For each backend it builds a throwaway database with the committed migrations, fills it with
relationships between distinct customers and a hundred partners, each with one type in
force, and times `holds_type` for a pair that holds the type and a pair that does not (median
of many calls). It prints both sizes and their ratio: the check reads one relationship by its
key and that relationship's types by index, so both cost about the same.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime

from tortoise.backends.base.executor import EXECUTOR_CACHE

from benchmarks.backends import add_backend_argument, run_on_backends
from models.foundation.clock import utcnow
from models.infrastructure.db import database, migrate
from models.policy import holds_type
from models.reference.enums import OrganizationKind, RelationshipType

PARTNERS = 100
TYPES = list(RelationshipType)
TABLES = {
    "organization": ("id", "name", "kind", "created_at"),
    "relationship": ("id", "customer_id", "partner_id", "status", "active_key", "created_at"),
    "relationship_type": ("id", "relationship_id", "type", "added_at"),
}


def _rows(count: int, now: datetime) -> dict[str, list[tuple[object, ...]]]:
    """`count` customers, each related to one of the partners by one type in force."""
    partners = [uuid.uuid4() for _ in range(PARTNERS)]
    rows: dict[str, list[tuple[object, ...]]] = {table: [] for table in TABLES}
    for n, partner in enumerate(partners):
        rows["organization"].append((partner, f"Partner {n}", OrganizationKind.PARTNER, now))
    for n in range(count):
        customer, relationship, partner = uuid.uuid4(), uuid.uuid4(), partners[n % PARTNERS]
        rows["organization"].append((customer, f"Customer {n}", OrganizationKind.CUSTOMER, now))
        rows["relationship"].append(
            (relationship, customer, partner, "ACTIVE", f"{customer}:{partner}", now)
        )
        rows["relationship_type"].append((uuid.uuid4(), relationship, TYPES[n % len(TYPES)], now))
    return rows


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat(" ")
    return str(value) if isinstance(value, uuid.UUID) else value


async def _fill(url: str, rows: dict[str, list[tuple[object, ...]]]) -> None:
    if url.startswith("sqlite://"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite://")) as connection:
            for table, columns in TABLES.items():
                marks = ", ".join("?" for _ in columns)
                connection.executemany(
                    f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})',  # noqa: S608
                    ([_sqlite_value(v) for v in row] for row in rows[table]),
                )
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


def _pairs(rows: dict[str, list[tuple[object, ...]]]) -> Iterator[tuple[uuid.UUID, uuid.UUID]]:
    """(partner, customer) of relationships that hold RESELLER, then of ones that do not."""
    types = {r[1]: r[2] for r in rows["relationship_type"]}
    for relationship in rows["relationship"][::97]:
        if types[relationship[0]] is RelationshipType.RESELLER:
            yield relationship[2], relationship[1]  # type: ignore[misc]


async def _measure(url: str, count: int, runs: int) -> tuple[float, float]:
    EXECUTOR_CACHE.clear()  # Tortoise caches SQL by connection name; we switch dialects
    await migrate(url)
    rows = _rows(count, utcnow())
    async with database(url):
        started = time.perf_counter()
        await _fill(url, rows)
        print(f"    filled {count:>9,} relationships in {time.perf_counter() - started:6.1f} s")
        partner, customer = next(_pairs(rows))
        assert await holds_type(partner, customer, RelationshipType.RESELLER)
        assert not await holds_type(partner, customer, RelationshipType.OEM)
        timings: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(runs):
            for type_, held in ((RelationshipType.RESELLER, True), (RelationshipType.OEM, False)):
                started = time.perf_counter()
                await holds_type(partner, customer, type_)
                timings[held].append(time.perf_counter() - started)
    return statistics.median(timings[True]), statistics.median(timings[False])


async def _backend(
    name: str, url_for: Callable[[str], str], sizes: tuple[int, int], runs: int
) -> None:
    small, large = sizes
    print(f"{name}: holds_type (median of {runs} calls), held / not held", flush=True)
    base = await _measure(url_for("small"), small, runs)
    print(
        f"    {small:>9,} relationships: {base[0] * 1000:6.3f} / {base[1] * 1000:6.3f} ms"
        "  (baseline)",
        flush=True,
    )
    got = await _measure(url_for("large"), large, runs)
    print(
        f"    {large:>9,} relationships: {got[0] * 1000:6.3f} / {got[1] * 1000:6.3f} ms"
        f"  ({got[0] / base[0]:.2f}x / {got[1] / base[1]:.2f}x the baseline)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    add_backend_argument(parser)
    args = parser.parse_args()
    sizes = (args.small, args.large)
    run_on_backends(args.backend, lambda name, url_for: _backend(name, url_for, sizes, args.runs))


if __name__ == "__main__":
    main()
