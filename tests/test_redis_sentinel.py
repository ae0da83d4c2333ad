"""REDIS_URL in Sentinel form, for the web and the workers, through a real failover.

A real primary and replica (`redis-server`) and a real Sentinel (`redis-server --sentinel`)
watching them; the web app and a real `partnerhub worker` process find the primary through
the Sentinel. `SENTINEL FAILOVER` swaps the two while invitations are being sent: every
send still commits and answers, and every invitation is emailed once, by the same worker.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from models.foundation.budget import Budget
from models.foundation.clock import utcnow
from models.foundation.redis_urls import NotASentinelUrl, SentinelUrl
from models.foundation.settings import Settings, SettingsError
from models.reference.enums import EmailStatus, PartnerRole
from models.tables.invitations import Invitation
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.servers import HOST, RedisServer, SentinelServer, SmtpServer
from tests.worker_processes import WorkerProcess, environment, eventually
from workers.queue import queue_client
from workers.relay import RELAY_AFTER, relay


def _role(server: RedisServer) -> str:
    """What the server says it is now: `master` or `slave`."""
    with redis.Redis(host=HOST, port=server.port, socket_timeout=2.0) as client:
        return str(client.role()[0].decode())


SHORT = {"JOB_TIMEOUT": "4", "SMTP_TIMEOUT": "2", "REDIS_TIMEOUT": "1"}
MOST_SENT_DURING = 20  # invitations sent while the failover is under way, at most


def test_a_sentinel_url_names_the_sentinels_the_service_and_the_database() -> None:
    url = "redis+sentinel://:s3cret@10.0.0.1:26379,[::1],sentinel-c:26380/partnerhub/2"
    assert SentinelUrl.parse(url) == SentinelUrl(
        sentinels=(("10.0.0.1", 26379), ("::1", 26379), ("sentinel-c", 26380)),
        service="partnerhub",
        db=2,
        password="s3cret",
    )
    assert SentinelUrl.parse("rediss+sentinel://h:1/svc") == SentinelUrl(
        sentinels=(("h", 1),), service="svc", tls=True
    )
    assert SentinelUrl.parse("redis://127.0.0.1:6379/0") is None
    for broken in (
        "redis+sentinel://h:26379",
        "redis+sentinel://h:x/svc",
        "redis+sentinel://h/s/x",
    ):
        with pytest.raises(NotASentinelUrl):
            SentinelUrl.parse(broken)


def test_settings_take_a_sentinel_url_and_refuse_a_broken_one_without_its_password() -> None:
    Settings(redis_url="redis+sentinel://h1:26379,h2:26379/mymaster/0").check()
    with pytest.raises(SettingsError) as refused:
        Settings(redis_url="redis+sentinel://:s3cret@h1:26379,h2:99999/mymaster/0").check()
    assert "REDIS_URL" in str(refused.value)
    assert "s3cret" not in str(refused.value)


@pytest.fixture(scope="module")
def redis_pair() -> Iterator[tuple[RedisServer, RedisServer]]:
    """A primary and its replica; which is which changes with each failover."""
    with RedisServer() as primary, RedisServer(replica_of=primary) as replica:
        yield primary, replica


@pytest.fixture(scope="module")
def sentinel(redis_pair: tuple[RedisServer, RedisServer]) -> Iterator[SentinelServer]:
    with SentinelServer(redis_pair[0]) as server:
        yield server


@pytest.fixture
def settings(database_url: str, sentinel: SentinelServer, smtp_server: SmtpServer) -> Settings:
    """The suite's settings, with Redis found through the Sentinel."""
    return Settings(
        database_url=database_url,
        redis_url=sentinel.url(),
        smtp_url=smtp_server.url,
        mail_from="Partnerhub <no-reply@partnerhub.test>",
        public_url="http://partnerhub.test",
        environment="test",
        redis_timeout=1.0,
    )


async def test_through_a_sentinel_failover_sends_still_commit_and_each_is_emailed_once(
    api: GraphQLClient,
    db: Settings,
    redis_pair: tuple[RedisServer, RedisServer],
    sentinel: SentinelServer,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    # Given a primary with a replica in sync, the Sentinel watching both, an empty queue
    await eventually(lambda: sentinel.replicas_in_sync() == 1, "the replica is in sync")
    [primary] = [r for r in redis_pair if r.port == sentinel.primary_port()]
    [replica] = [r for r in redis_pair if r is not primary]
    primary.flushall()
    # And a worker process that found the primary through the Sentinel
    agents = itertools.cycle(
        [await f.person(await f.partner(f"Partner {n}"), PartnerRole.ADMIN_AGENT) for n in (1, 2)]
    )
    worker = WorkerProcess(environment(db, **SHORT), tmp_path / "worker.log")
    try:
        await worker.becomes(200, "the worker is ready")
        addresses = iter(f"admin{n}@customer.example.com" for n in itertools.count())

        async def send() -> None:
            sent = await f.send(api, next(agents), customerEmail=next(addresses))
            assert sent["errors"] == [], sent

        await send()
        await smtp_server.await_for(1, timeout=30)

        # When the Sentinel fails the primary over to its replica, while invitations go out
        sentinel.failover()
        during = 0
        while sentinel.primary_port() != replica.port and during < MOST_SENT_DURING:
            await send()
            during += 1
        await eventually(lambda: sentinel.primary_port() == replica.port, "the failover")
        # And more once the replica is the primary
        for _ in range(3):
            await send()
        total = 1 + during + 3

        # Then every send committed, and each invitation is emailed once; a dispatch that
        # met the failover waited in the outbox for the relay (run here as its cron would)
        queue = queue_client(db)
        try:

            async def all_emailed() -> bool:
                await relay(queue, utcnow() + RELAY_AFTER, Budget.of(2))
                sent = await Invitation.filter(email_status=EmailStatus.SENT).count()
                return sent == total

            await eventually(all_emailed, f"{total} invitation emails recorded sent")
        finally:
            await queue.aclose()
        assert during >= 1, "the failover was over before a second send"
        recipients = [mail.rcpt_tos[0] for mail in smtp_server.messages]
        assert len(recipients) == len(set(recipients)) == total

        # And the worker rode the failover out: it is up, and took its jobs from the new
        # primary, which now holds arq's queue
        assert worker.alive
        await worker.becomes(200, "the worker is ready")
        assert _role(replica) == "master"
        # (the Sentinel then turns the old primary into the new one's replica)
        await eventually(lambda: _role(primary) == "slave", "the old primary is a replica")
    finally:
        worker.stop()
