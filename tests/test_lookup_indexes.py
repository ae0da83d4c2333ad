"""The lookups that grow with the deployment read through an index, on both backends.

Each test asks the database itself how it would run the statement the code sends (SQLite's
EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN with sequential scans priced out, as on a large
table): a search of an index, never a scan of the table.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from tortoise import connections
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.tables.organizations import User
from models.tables.outbox import OutboxMessage
from workers.relay import RELAY_AFTER


async def _plan(query: QuerySet[User] | QuerySet[OutboxMessage]) -> str:
    """How the database would run the query, as one text."""
    sql = query.sql(params_inline=True)
    if connections.get("default").capabilities.dialect == "sqlite":
        _, rows = await connections.get("default").execute_query(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(str(row["detail"]) for row in rows)
    async with in_transaction() as connection:
        await connection.execute_script("SET LOCAL enable_seqscan = off")
        _, rows = await connection.execute_query(f"EXPLAIN {sql}")
    return "\n".join(str(row["QUERY PLAN"]) for row in rows)


def _reads_through_an_index(plan: str, table: str) -> bool:
    if "SEARCH" in plan or "SCAN" in plan:  # SQLite
        return f"SEARCH {table} USING" in plan and f"SCAN {table}" not in plan
    return "Index" in plan and "Seq Scan" not in plan  # PostgreSQL


async def test_an_organizations_people_are_found_through_an_index(db: Settings) -> None:
    # Given an organization's id
    organization_id, partner_id = uuid4(), uuid4()

    # Then whom a notification goes to (its own people), the account a partner holds in its
    # tenant (locked inside accept and revoke), and its members page are index searches
    lookups = {
        "recipients": User.filter(organization_id=organization_id, partner_of_id=None),
        "tenant account": User.filter(organization_id=organization_id, partner_of_id=partner_id),
        "members page": User.filter(organization_id=organization_id)
        .order_by("-created_at", "-id")
        .limit(21),
    }
    for name, query in lookups.items():
        plan = await _plan(query)
        assert _reads_through_an_index(plan, "user"), (name, plan)


async def test_the_relay_and_the_purge_read_the_outbox_through_an_index(db: Settings) -> None:
    now = utcnow()

    # Then the relay's scan of the messages not done, and the purge's of those done long ago,
    # are index searches, however many messages are done
    relayed = (
        OutboxMessage.filter(completed_at=None, created_at__lte=now - RELAY_AFTER)
        .order_by("created_at", "id")
        .limit(500)
    )
    purged = (
        OutboxMessage.filter(completed_at__lt=now - timedelta(days=7))
        .order_by("completed_at")
        .limit(1000)
    )
    for name, query in {"relay": relayed, "purge": purged}.items():
        plan = await _plan(query)
        assert _reads_through_an_index(plan, "outbox_message"), (name, plan)
