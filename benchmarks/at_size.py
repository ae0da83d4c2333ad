"""The hot lookups of a deployment of 100,000 customers and 10,000 partners, on PostgreSQL,
at growing fractions of that size: each should cost about the same at every size.

    python -m benchmarks.at_size [--fractions 0.01,0.1,1] [--runs 50]

For each fraction it builds a throwaway database with the committed migrations and fills it
in the deployment's proportions: each customer with 5 people and one partner's account in
its tenant (a PARTNER-type relationship), each partner with 20 agents; 10 outbox messages and
10 webhook deliveries per customer (a week of traffic, the outbox's retention), all done but
100 messages and a due delivery at each of 50 endpoints. Then it times (median of `--runs`
calls) the lookups that run on every change or every few seconds, and counts the pages
PostgreSQL reads for each (EXPLAIN's buffers: the same at every size when an index serves it,
whatever the machine's load does to the times):

- recipients: whom a notification goes to, a partner's admin agents (`holders`);
- tenant account: the partner's account in a customer's tenant, locked (`FOR UPDATE`), as
  accept and revoke look it up;
- members: the first page of an organization's people, newest first (`members`);
- relay scan: the outbox relay's page of undone messages;
- purge scan: the outbox purge's batch of messages done before the retention period;
- webhook due scan: the endpoints with a delivery due (`due_endpoints`, every 5 seconds).

At full size (`--fractions 1`) the database holds 800,000 people, a million outbox
messages and a million webhook deliveries: several minutes to fill on a small machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.queryset import QuerySet, ValuesListQuery
from tortoise.transactions import in_transaction

from models.foundation.clock import utcnow
from models.infrastructure.db import database, migrate
from models.infrastructure.tokens import Sealer
from models.reference.catalog import AdminRole
from models.reference.enums import OrganizationKind, PartnerRole
from models.rules.recipients import holders
from models.tables.organizations import Organization, User
from models.tables.outbound_webhooks import WebhookEndpoint, WebhookEvent
from models.tables.outbox import OutboxMessage
from schema.pagination import paginate
from tests.servers import PostgresServer
from workers.outbound_webhooks import due_endpoints
from workers.relay import RELAY_AFTER

CUSTOMERS = 100_000
PARTNERS = 10_000
PEOPLE_PER_CUSTOMER = 5
AGENTS_PER_PARTNER = 20
MESSAGES_PER_CUSTOMER = 10  # outbox messages, and webhook deliveries, per customer
UNDONE = 100
DUE_ENDPOINTS = 50
RETENTION = timedelta(days=7)
PURGE_BATCH = 500
MEMBERS_PAGE = 50
SEALER = Sealer("benchmark")
ACTIVE = (False, "ACTIVE")  # must_change_password, status: people who have signed in

Row = tuple[object, ...]
COLUMNS = {
    "organization": ("id", "name", "kind", "created_at"),
    "user": (
        "id",
        "organization_id",
        "partner_of_id",
        "email",
        "roles",
        "created_at",
        "must_change_password",
        "status",
    ),
    "outbox_message": ("id", "task", "payload", "created_at", "enqueued_at", "completed_at"),
    "webhook_delivery": (
        "id",
        "endpoint_id",
        "event_id",
        "ordering_key",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
    ),
}


@dataclass(frozen=True)
class Deployment:
    """The sizes of one fraction of the full deployment."""

    customers: int
    partners: int

    @classmethod
    def at(cls, fraction: float) -> Deployment:
        return cls(max(1, round(CUSTOMERS * fraction)), max(1, round(PARTNERS * fraction)))

    @property
    def people(self) -> int:
        return self.customers * (PEOPLE_PER_CUSTOMER + 1) + self.partners * AGENTS_PER_PARTNER

    @property
    def messages(self) -> int:
        return self.customers * MESSAGES_PER_CUSTOMER


@dataclass
class Picked:
    """The rows the lookups ask about: in the middle of the tables, not at either end."""

    customer: uuid.UUID
    partner: uuid.UUID


def _rows(size: Deployment, now: datetime) -> tuple[dict[str, list[Row]], Picked]:
    """The organizations, people and outbox messages, and the customer and partner the
    lookups ask about (in the middle of the tables)."""
    rows: dict[str, list[Row]] = {table: [] for table in COLUMNS}
    partners = [uuid.uuid4() for _ in range(size.partners)]
    for n, partner in enumerate(partners):
        rows["organization"].append((partner, f"Partner {n}", OrganizationKind.PARTNER, now))
        for a in range(AGENTS_PER_PARTNER):
            role = json.dumps([PartnerRole.ADMIN_AGENT if a % 4 == 0 else PartnerRole.SALES_AGENT])
            email = f"a{a}@p{n}.example.com"
            rows["user"].append((uuid.uuid4(), partner, None, email, role, now, *ACTIVE))
    customers = [uuid.uuid4() for _ in range(size.customers)]
    admin = json.dumps([AdminRole.GLOBAL_ADMINISTRATOR])
    for n, customer in enumerate(customers):
        rows["organization"].append((customer, f"Customer {n}", OrganizationKind.CUSTOMER, now))
        for p in range(PEOPLE_PER_CUSTOMER):
            rows["user"].append(
                (uuid.uuid4(), customer, None, f"u{p}@c{n}.example.com", admin, now, *ACTIVE)
            )
        partner = partners[n % len(partners)]
        account = f"partner-{partner}@{customer}.tenant.invalid"
        rows["user"].append((uuid.uuid4(), customer, partner, account, admin, now, *ACTIVE))
    for n, created in enumerate(_week(size, now)):
        done = n < size.messages - UNDONE
        rows["outbox_message"].append(
            (
                uuid.uuid4(),
                "revoke_roles",
                "{}",
                created if done else now - timedelta(minutes=5),
                created if done else None,
                created if done else None,
            )
        )
    middle = len(customers) // 2
    return rows, Picked(customers[middle], partners[middle % len(partners)])


def _week(size: Deployment, now: datetime) -> Iterator[datetime]:
    """A moment for each message of two retention periods, oldest first: half to purge."""
    step = RETENTION * 2 / size.messages
    for n in range(size.messages):
        yield now - step * (size.messages - n)


async def _copy(url: str, table: str, records: Sequence[Row]) -> None:
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.copy_records_to_table(table, records=list(records), columns=COLUMNS[table])
        await connection.execute(f'ANALYZE "{table}"')
    finally:
        await connection.close()


async def _fill(url: str, size: Deployment) -> Picked:
    now = utcnow()
    rows, picked = _rows(size, now)
    for table in ("organization", "user", "outbox_message"):
        await _copy(url, table, rows.pop(table))
    # Fifty endpoints of the picked partner, each with a delivery due a minute ago, among
    # the week's delivered ones.
    partner = await Organization.get(id=picked.partner)
    endpoints = [
        await WebhookEndpoint.create(
            organization=partner,
            url="https://8.8.8.8/",
            event_types=[],
            sealed_secret=SEALER.seal("x"),
        )
        for _ in range(DUE_ENDPOINTS)
    ]
    event = await WebhookEvent.create(
        message_id="msg_bench", type="roles.removed", ordering_key="key", occurred_at=now
    )
    due = now - timedelta(minutes=1)
    deliveries: list[Row] = [
        (uuid.uuid4(), endpoints[n % DUE_ENDPOINTS].id, event.id, "key", "DELIVERED", 1, None, t)
        for n, t in enumerate(_week(size, now))
    ]
    deliveries += [(uuid.uuid4(), e.id, event.id, "due", "PENDING", 0, due, due) for e in endpoints]
    await _copy(url, "webhook_delivery", deliveries)
    return picked


async def _median(runs: int, call: Callable[[], Awaitable[object]]) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


async def _tenant_account(picked: Picked) -> User | None:
    async with in_transaction():
        account: User | None = await User.select_for_update().get_or_none(
            organization_id=picked.customer, partner_of_id=picked.partner
        )
        return account


LOOKUPS = ("recipients", "tenant account", "members", "relay scan", "purge scan", "due scan")


async def _pages(query: QuerySet[Any] | ValuesListQuery[Any]) -> int:
    """The pages of tables and indexes PostgreSQL reads to answer `query`: a count that the
    machine's load does not move, and that grows with the table when an index is missing."""
    sql = query.sql(params_inline=True)
    [row] = await connections.get("default").execute_query_dict(
        f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}"
    )
    plan = row["QUERY PLAN"]
    top = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    return int(top.get("Shared Hit Blocks", 0)) + int(top.get("Shared Read Blocks", 0))


async def _measure(url: str, size: Deployment, runs: int) -> tuple[list[float], list[int]]:
    EXECUTOR_CACHE.clear()
    await migrate(url)
    async with database(url):
        started = time.perf_counter()
        picked = await _fill(url, size)
        print(
            f"    {size.customers:>7,} customers x {size.partners:>6,} partners: "
            f"{size.people:>9,} people, {size.messages:>9,} messages and deliveries, filled in "
            f"{time.perf_counter() - started:5.1f} s",
            flush=True,
        )
        now = utcnow()
        undone = (
            OutboxMessage.filter(completed_at=None, created_at__lte=now - RELAY_AFTER)
            .order_by("created_at", "id")
            .limit(500)
            .only("id", "task", "created_at", "enqueued_at")
        )
        purge = (
            OutboxMessage.filter(completed_at__lt=now - RETENTION)
            .order_by("completed_at")
            .limit(PURGE_BATCH)
            .values_list("id", flat=True)
        )
        members = User.filter(organization_id=picked.customer)
        # Each lookup finds what it should, before it is timed.
        assert len(await holders(picked.partner, PartnerRole.ADMIN_AGENT)) == 5
        assert await _tenant_account(picked) is not None
        assert len((await paginate(members, MEMBERS_PAGE, None, lambda u: u)).edges) == 6
        assert len(await undone) == UNDONE
        assert len(await purge) == min(PURGE_BATCH, (size.messages - UNDONE) // 2)
        assert len(await due_endpoints(now)) == DUE_ENDPOINTS
        recipients = User.filter(organization_id=picked.partner, partner_of_id=None).only(
            "email", "roles"
        )  # as `holders` reads them
        tenant = User.filter(
            organization_id=picked.customer, partner_of_id=picked.partner
        ).select_for_update()
        newest = members.order_by("-created_at", "-id").limit(MEMBERS_PAGE + 1)
        pages = [await _pages(q) for q in (recipients, tenant, newest, undone, purge)]
        times = [
            await _median(runs, lambda: holders(picked.partner, PartnerRole.ADMIN_AGENT)),
            await _median(runs, lambda: _tenant_account(picked)),
            await _median(runs, lambda: paginate(members, MEMBERS_PAGE, None, lambda u: u)),
            await _median(runs, lambda: undone),
            await _median(runs, lambda: purge),
            await _median(runs, lambda: due_endpoints(now)),
        ]
        return times, pages


async def _run(server: PostgresServer, fractions: list[float], runs: int) -> None:
    print(f"PostgreSQL: {' / '.join(LOOKUPS)} (median of {runs} calls, ms)", flush=True)
    base: list[float] | None = None
    for n, fraction in enumerate(fractions):
        url = server.create_database(f"size_{n}")
        got, pages = await _measure(url, Deployment.at(fraction), runs)
        base = base or got
        figures = " / ".join(f"{t * 1000:.3f}" for t in got)
        growth = " / ".join(f"{g / b:.2f}x" for g, b in zip(got, base, strict=True))
        print(f"    {fraction:>5g} of the size: {figures}  ({growth} the smallest)", flush=True)
        print(f"      pages read: {' / '.join(map(str, pages))} / -", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--fractions", default="0.01,0.1,1")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    fractions = [float(f) for f in args.fractions.split(",")]
    with PostgresServer() as server:
        asyncio.run(_run(server, fractions, args.runs))


if __name__ == "__main__":
    main()
