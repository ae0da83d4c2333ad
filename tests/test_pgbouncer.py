"""Partnerhub through a real PgBouncer in transaction mode, as `docs/DEPLOYMENT.md` sets it up.

The app, the worker and the test itself reach PostgreSQL only through PgBouncer, whose two
server connections serve every client's transactions in turn; asyncpg's statement cache is
off (`?statement_cache_size=0` in DATABASE_URL). Migrations run against PostgreSQL directly.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

from models.foundation.settings import InvitationQuotas, Quota, Settings
from models.reference.catalog import AdminRole
from models.reference.enums import EmailStatus, PartnerRole
from models.tables.invitations import Invitation
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link, run_jobs
from tests.servers import PgBouncerServer, PostgresServer, RedisServer, SmtpServer

SERVER_CONNECTIONS = 2  # PgBouncer's connections to PostgreSQL, for every client
INVITATIONS = 30  # sent at once: 20 pool connections of the app's, over PgBouncer's 2
RIVALS = 4  # customers' admins accepting one invitation at once


@pytest.fixture(scope="module")
def bouncer(postgres_server: PostgresServer) -> Iterator[PgBouncerServer]:
    with PgBouncerServer(postgres_server, server_connections=SERVER_CONNECTIONS) as server:
        yield server


@pytest.fixture(scope="module")
async def database_url(postgres_server: PostgresServer, bouncer: PgBouncerServer) -> str:
    """A database migrated directly, then reached through PgBouncer only."""
    name = f"bounced_{os.getpid()}"
    await postgres_server.migrated_database(name)
    return bouncer.database_url(name)


@pytest.fixture
def settings(database_url: str, redis_server: RedisServer, smtp_server: SmtpServer) -> Settings:
    """The suite's settings on the database behind PgBouncer; quotas out of the way."""
    many = Quota(1000, 3600)
    return Settings(
        database_url=database_url,
        redis_url=redis_server.url,
        smtp_url=smtp_server.url,
        mail_from="Partnerhub <no-reply@partnerhub.test>",
        public_url="http://partnerhub.test",
        environment="test",
        invitation_quotas=InvitationQuotas(agent=many, partner=many, recipient=many),
    )


async def test_through_pgbouncer_in_transaction_mode_concurrent_work_commits_once_each(
    api: GraphQLClient, db: Settings, bouncer: PgBouncerServer, smtp_server: SmtpServer
) -> None:
    # Given a partner's agent, and customers' admins
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    admins = [
        await f.person(await f.customer(f"Customer {n}"), AdminRole.GLOBAL_ADMINISTRATOR)
        for n in range(RIVALS)
    ]
    before = _transactions(bouncer, db)

    # When the agent sends many invitations at once, each a transaction of its own on
    # whichever of PgBouncer's two server connections is free
    sent = await asyncio.gather(
        *(
            f.send(api, agent, customerEmail=f"admin{n}@customer.example.com")
            for n in range(INVITATIONS)
        )
    )

    # Then each committed, and a worker emails each once
    assert [s["errors"] for s in sent] == [[]] * INVITATIONS
    await run_jobs(db)
    assert await Invitation.filter(email_status=EmailStatus.SENT).count() == INVITATIONS
    assert len({m.rcpt_tos[0] for m in smtp_server.messages}) == len(smtp_server.messages)
    assert len(smtp_server.messages) == INVITATIONS

    # When several customers' admins accept one of them at once (rows locked FOR UPDATE
    # inside their transactions)
    _, token = invitation_link(smtp_server.messages[0])
    accepted = await asyncio.gather(*(f.accept(api, admin, token) for admin in admins))

    # Then one of them wins
    assert sum(1 for a in accepted if not a["errors"]) == 1, accepted

    # And all of it went through PgBouncer in transaction mode, on its two connections
    [pool] = [p for p in bouncer.show("POOLS") if p["database"] == _database(db)]
    assert pool["pool_mode"] == "transaction"
    servers = [s for s in bouncer.show("SERVERS") if s["database"] == _database(db)]
    assert 1 <= len(servers) <= SERVER_CONNECTIONS
    assert _transactions(bouncer, db) - before > INVITATIONS


def _database(settings: Settings) -> str:
    return settings.database_url.rsplit("/", 1)[1].split("?", 1)[0]


def _transactions(bouncer: PgBouncerServer, settings: Settings) -> int:
    """Transactions PgBouncer has passed to the database of `settings`."""
    [stats] = [s for s in bouncer.show("STATS") if s["database"] == _database(settings)]
    return int(stats["total_xact_count"])
