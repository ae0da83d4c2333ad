"""How `relationship.activity` scales when the customer's other relationships have a long
history: one relationship's 30 entries among a thousand of the customer's other entries,
then among a million.

    python -m benchmarks.relationship_activity [--large 1000000] [--small 1000] [--runs 20]
                                               [--backend sqlite|postgres|both]

The page is the query the API sends (`policy.visible_relationship_activity`), for the
customer's admin and for the partner's admin agent. Every other entry concerns the same
customer (and, for half of them, the same partner) and is newer, so a plan through the
organization's (customer_id or partner_id, created_at) index would walk through them;
`--sides` times that plan, `visible_activity(viewer)` narrowed to the relationship, which
the planners chose (SQLite 372 ms, PostgreSQL 45 ms for the partner at a million). It prints
both sizes and their ratio.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta

from tortoise.backends.base.executor import EXECUTOR_CACHE

from benchmarks.activity import _median, _sqlite
from benchmarks.backends import add_backend_argument, run_on_backends
from models.foundation.clock import utcnow
from models.identity.actors import Actor
from models.infrastructure.db import database, migrate
from models.policy import visible_activity, visible_relationship_activity
from models.reference.catalog import AdminRole
from models.reference.enums import OrganizationKind, PartnerRole
from models.tables.activity import ActivityEntry

PAGE = 20
OWN_ENTRIES = 30
OTHER_RELATIONSHIPS = 1000
COLUMNS = (
    "id",
    "created_at",
    "action",
    "object_type",
    "object_id",
    "relationship_id",
    "customer_id",
    "partner_id",
    "changes",
)


def _others(
    count: int, customer: uuid.UUID, partner: uuid.UUID, now: datetime
) -> Iterator[tuple[object, ...]]:
    """The customer's entries in its other relationships; half of them with the partner's
    earlier relationships, newer than the measured relationship's own entries."""
    relationships = [uuid.uuid4() for _ in range(OTHER_RELATIONSHIPS)]
    for n in range(count):
        yield (
            uuid.uuid4(),
            now - timedelta(seconds=n % (365 * 24 * 3600)),
            "license.assigned",
            "Subscription",
            uuid.uuid4(),
            relationships[n % OTHER_RELATIONSHIPS],
            customer,
            partner if n % 2 else uuid.uuid4(),
            '{"sku":"O365"}',
        )


async def _fill(url: str, count: int) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    now = utcnow()
    customer, partner, relationship = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    rows = _others(count, customer, partner, now)
    if url.startswith("sqlite://"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite://")) as connection:
            marks = ", ".join("?" for _ in COLUMNS)
            connection.executemany(
                f"INSERT INTO activity_entry ({', '.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608
                (tuple(_sqlite(v) for v in row) for row in rows),
            )
            connection.execute("ANALYZE")
    else:
        import asyncpg  # type: ignore[import-untyped]

        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            await connection.set_type_codec(
                "jsonb",
                encoder=lambda text: b"\x01" + text.encode(),
                decoder=lambda data: json.loads(data[1:]),
                schema="pg_catalog",
                format="binary",
            )
            await connection.copy_records_to_table(
                "activity_entry", records=list(rows), columns=COLUMNS
            )
            await connection.execute("ANALYZE activity_entry")
        finally:
            await connection.close()
    # The measured relationship's history, older than everything else.
    for n in range(OWN_ENTRIES):
        await ActivityEntry.create(
            created_at=now - timedelta(days=400, hours=n),
            action="roles.granted",
            object_type="Relationship",
            object_id=relationship,
            relationship_id=relationship,
            customer_id=customer,
            partner_id=partner,
        )
    return customer, partner, relationship


def _viewer(organization: uuid.UUID, kind: OrganizationKind, role: str) -> Actor:
    return Actor(uuid.uuid4(), "viewer@example.com", organization, kind, frozenset({role}))


async def _measure(url: str, count: int, runs: int, sides: bool) -> tuple[float, float]:
    EXECUTOR_CACHE.clear()  # Tortoise caches SQL by connection name; we switch dialects
    await migrate(url)
    async with database(url):
        started = time.perf_counter()
        customer, partner, relationship = await _fill(url, count)
        print(
            f"    filled {count:>9,} entries in {time.perf_counter() - started:6.1f} s",
            flush=True,
        )

        def page(viewer: Actor) -> Callable[[], Awaitable[None]]:
            queryset = (
                visible_activity(viewer).filter(relationship_id=relationship)
                if sides
                else visible_relationship_activity(viewer, relationship, customer, partner)
            )

            async def run() -> None:
                rows = await queryset.order_by("-created_at", "-id").limit(PAGE + 1)
                assert len(rows) == PAGE + 1

            return run

        admin = _viewer(customer, OrganizationKind.CUSTOMER, AdminRole.GLOBAL_ADMINISTRATOR)
        agent = _viewer(partner, OrganizationKind.PARTNER, PartnerRole.ADMIN_AGENT)
        return (
            await _median(runs, page(admin)),
            await _median(runs, page(agent)),
        )


async def _backend(
    name: str, url_for: Callable[[str], str], sizes: tuple[int, int], runs: int, sides: bool
) -> None:
    small, large = sizes
    print(f"{name}: a relationship's history page (median of {runs} runs)", flush=True)
    base_customer, base_partner = await _measure(url_for("small"), small, runs, sides)
    print(
        f"    {small:>9,} other entries: customer {base_customer * 1000:7.2f} ms, "
        f"partner {base_partner * 1000:7.2f} ms  (baseline)",
        flush=True,
    )
    customer, partner = await _measure(url_for("large"), large, runs, sides)
    print(
        f"    {large:>9,} other entries: customer {customer * 1000:7.2f} ms "
        f"({customer / base_customer:.2f}x), partner {partner * 1000:7.2f} ms "
        f"({partner / base_partner:.2f}x)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    add_backend_argument(parser)
    parser.add_argument(
        "--sides", action="store_true", help="time the plan through the organization's index"
    )
    args = parser.parse_args()
    sizes = (args.small, args.large)
    run_on_backends(
        args.backend, lambda name, url_for: _backend(name, url_for, sizes, args.runs, args.sides)
    )


if __name__ == "__main__":
    main()
