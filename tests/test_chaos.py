"""The deployment through each fault of issue 13, with real processes and servers.

N web and M worker processes (`tests/chaos.py`; 2 and 2 unless CHAOS_WEB and CHAOS_WORKERS
say otherwise) run in production mode on PostgreSQL and a Redis that persists to its
append-only file, as `docs/DEPLOYMENT.md` sets it up. The workload runs while all is well,
then again while one fault lasts: a worker SIGKILLed mid-job, Redis stopped, Redis restarted
empty, Redis hung (SIGSTOP), the SMTP server refusing (451) or down, PostgreSQL restarted.
Once the fault has passed, every acknowledged operation's effects must land exactly once:
invitation emails and reminders (per Message-ID at the SMTP server), notifications (per
Message-ID, each recorded sent), webhook deliveries (per webhook-id at the receiver, by event
type), revocations (in the database), one winner of a token accepted by several customers at
once. The only repeats allowed are the documented in-flight case: a job whose worker died (or
whose Redis lost its mark) before it recorded its send runs again, and its one message goes
out again under the same Message-ID or webhook-id. The time to drain is printed (`-s`).

`make chaos` runs it at length (more processes, more work, longer faults, the real cron);
the suite's own run is the short form.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from enum import StrEnum
from pathlib import Path

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from models.foundation.clock import utcnow
from models.foundation.ids import decode_id
from models.foundation.settings import Settings
from models.infrastructure.db import database
from models.reference.enums import EmailStatus, RoleGrantStatus
from models.tables.invitations import Invitation
from models.tables.outbound_webhooks import DeliveryStatus, WebhookDelivery
from models.tables.outbox import NotificationEmail, RecipientStatus
from models.tables.relationships import RoleGrant
from tests.chaos import (
    WORKER_MAX_JOBS,
    Cluster,
    Landed,
    Shape,
    Traffic,
    Workload,
    drain,
)
from tests.receivers import Receiver, TrustedCA
from tests.servers import PostgresServer, RedisServer, SmtpServer
from tests.worker_processes import WorkerProcess, eventually
from workers.outbound_webhooks import ENDPOINTS_AT_ONCE
from workers.webhook_lanes import LANES


class Outage(StrEnum):
    WORKER_KILLED = "a worker SIGKILLed mid-job"
    REDIS_STOPPED = "Redis stopped"
    REDIS_EMPTY = "Redis restarted empty"
    REDIS_HUNG = "Redis hung"
    SMTP_REFUSING = "SMTP refusing (451)"
    SMTP_DOWN = "SMTP down"
    POSTGRES_RESTARTED = "PostgreSQL restarted"


def repeats_allowed(outage: Outage, workers: int) -> int:
    """The documented in-flight case: how many messages may go out twice after each fault.

    A killed worker's jobs under way (at most its max_jobs) each repeat its one unrecorded
    send; Redis restarted empty forgets every worker's in-progress marks, so each job under
    way may. PostgreSQL going away leaves unrecorded each send that was under way: an email
    job's one message, and a webhook lane's delivery to each endpoint it was at.
    """
    if outage is Outage.WORKER_KILLED:
        return WORKER_MAX_JOBS
    if outage is Outage.REDIS_EMPTY:
        return WORKER_MAX_JOBS * workers
    if outage is Outage.POSTGRES_RESTARTED:
        return WORKER_MAX_JOBS * workers + LANES * ENDPOINTS_AT_ONCE
    return 0


SHAPE = Shape.from_env()
# The suite's short form keeps `make test` within its time: one fault of each part (a
# worker, Redis, SMTP); `make chaos` runs every fault.
SHORT_FORM = {Outage.WORKER_KILLED, Outage.REDIS_EMPTY, Outage.SMTP_REFUSING}
OUTAGES = list(Outage) if SHAPE.long_form else [o for o in Outage if o in SHORT_FORM]
_databases = itertools.count()


@pytest.fixture(scope="module")
def chaos_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL of the module's own: restarting it leaves the rest of the suite alone.
    Its commits are durable, as in production: the suite's fast server forgets, when it
    crashes, commits it had acknowledged (`tests/servers.py`)."""
    with PostgresServer(durable=True) as server:
        yield server


@pytest.fixture(scope="module")
def chaos_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This run's directory of logs, kept after it: under CHAOS_LOG_DIR, or pytest's base
    temporary directory (`tests/chaos.py`)."""
    root = SHAPE.log_root(tmp_path_factory.getbasetemp() / "chaos-logs")
    run = root / f"run-{utcnow():%Y%m%dT%H%M%SZ}"
    run.mkdir(exist_ok=True)
    return run


@pytest.fixture(scope="module")
def chaos_redis(chaos_logs: Path) -> Iterator[RedisServer]:
    with RedisServer(persistent=True, log=chaos_logs / "redis.log") as server:
        yield server


@pytest.fixture(scope="module")
def chaos_smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def chaos_ca(tmp_path_factory: pytest.TempPathFactory) -> TrustedCA:
    return TrustedCA(str(tmp_path_factory.mktemp("chaos-ca")))


@pytest.fixture
def chaos_receiver(chaos_ca: TrustedCA) -> Iterator[Receiver]:
    with Receiver(chaos_ca) as running:
        yield running


@pytest.fixture
async def deployment(
    chaos_postgres: PostgresServer, chaos_redis: RedisServer, chaos_smtp: SmtpServer
) -> AsyncIterator[Settings]:
    """A new migrated database, an empty Redis and mailbox; the ORM open on them."""
    chaos_postgres.start()
    chaos_redis.start()
    chaos_smtp.start()
    chaos_redis.flushall()
    chaos_smtp.clear()
    url = await chaos_postgres.migrated_database(f"chaos_{next(_databases)}")
    EXECUTOR_CACHE.clear()
    settings = Settings(
        database_url=url,
        redis_url=chaos_redis.url,
        smtp_url=chaos_smtp.url,
        mail_from="Partnerhub <no-reply@partnerhub.example.com>",
        public_url="https://partnerhub.example.com",
        public_url_set=True,
        environment="production",
    )
    async with database(url):
        yield settings


# arq's lines as a job starts and ends (JSON-escaped in production's logs): its id and name.
_JOB = re.compile(r"(?:→|\\u2192) ([\w:-]+):(\w+)\(")
_DONE = re.compile(r"(?:←|\\u2190) ([\w:-]+):(\w+) ")


def _jobs_under_way(worker: WorkerProcess) -> set[str]:
    """The jobs the worker logged as started and not as ended."""
    output = worker.output
    return {m.group(1) for m in _JOB.finditer(output)} - {
        m.group(1) for m in _DONE.finditer(output)
    }


async def _kill_a_worker_mid_job(cluster: Cluster) -> None:
    """SIGKILL a worker as soon as its log shows a job started and not ended; a supervisor
    starts another in its place."""

    def busy() -> list[WorkerProcess]:
        return [w for w in cluster.workers if w.alive and _jobs_under_way(w)]

    await eventually(lambda: bool(busy()), "a worker is under way with a job")
    busy()[0].kill()
    await cluster.add_worker()


async def _after(seconds: float, action: Callable[[], None]) -> None:
    """`action` (a blocking one, such as starting a server) once `seconds` have passed."""
    await asyncio.sleep(seconds)
    await asyncio.to_thread(action)


@contextlib.asynccontextmanager
async def _outage(
    outage: Outage,
    cluster: Cluster,
    postgres: PostgresServer,
    redis: RedisServer,
    smtp: SmtpServer,
) -> AsyncIterator[None]:
    """The fault, from the start of the block until SHAPE.fault_seconds have passed and the
    block is done; then the system is whole again. PostgreSQL comes back once those seconds
    have passed, while the block goes on: its clients wait for it, trying each 503 again."""
    began = time.monotonic()
    print(f"    {outage}: from {utcnow():%H:%M:%S.%f} UTC")
    restarted: asyncio.Task[None] | None = None
    if outage is Outage.REDIS_STOPPED:
        redis.stop()
    elif outage is Outage.REDIS_EMPTY:
        redis.stop()
        redis.wipe()
    elif outage is Outage.REDIS_HUNG:
        redis.pause()
    elif outage is Outage.SMTP_REFUSING:
        smtp.fail_next = ["451 4.3.0 Try again later"] * 100_000
    elif outage is Outage.SMTP_DOWN:
        smtp.stop()
    elif outage is Outage.POSTGRES_RESTARTED:
        postgres.halt()
        restarted = asyncio.create_task(_after(SHAPE.fault_seconds, postgres.start))
    try:
        yield
        await asyncio.sleep(max(0.0, SHAPE.fault_seconds - (time.monotonic() - began)))
    finally:
        if outage in (Outage.REDIS_STOPPED, Outage.REDIS_EMPTY):
            redis.start()
        elif outage is Outage.REDIS_HUNG:
            redis.resume()
        elif outage is Outage.SMTP_REFUSING:
            smtp.fail_next = []
        elif outage is Outage.SMTP_DOWN:
            smtp.start()
        elif restarted is not None:
            await restarted
        print(f"    {outage}: over at {utcnow():%H:%M:%S.%f} UTC")


@pytest.mark.timeout(SHAPE.drain_limit * 2 + 240)
@pytest.mark.parametrize("outage", OUTAGES)
async def test_the_deployment_rides_out_the_fault_with_each_effect_once(
    outage: Outage,
    deployment: Settings,
    chaos_postgres: PostgresServer,
    chaos_redis: RedisServer,
    chaos_smtp: SmtpServer,
    chaos_ca: TrustedCA,
    chaos_receiver: Receiver,
    chaos_logs: Path,
) -> None:
    # Given the deployment's people and grants due for the crons, its web processes, each
    # partner's webhook endpoint, then its workers (whose start-up runs the crons), each
    # process's log kept in a directory named for the fault
    logs = chaos_logs / outage.name.lower().replace("_", "-")
    logs.mkdir()
    print(f"\n{outage}: the processes' logs in {logs}")
    cluster = Cluster(deployment, logs, SHAPE, WEBHOOKS_CA_BUNDLE=chaos_ca.bundle)
    traffic: Traffic | None = None
    try:
        await cluster.start_web()
        traffic = Traffic([web.base_url for web in cluster.web])
        workload = Workload(traffic, chaos_smtp, SHAPE.scale)
        await workload.people()
        await workload.due_grants()
        await workload.endpoints(chaos_receiver.url)
        await cluster.start_workers()

        # And the first half of the workload done while all is well
        await workload.before()

        # When the fault strikes, and the rest of the workload runs while it lasts
        async with _outage(outage, cluster, chaos_postgres, chaos_redis, chaos_smtp):
            if outage is Outage.WORKER_KILLED:
                await asyncio.gather(workload.during(), _kill_a_worker_mid_job(cluster))
            else:
                await workload.during()

        # Then, once it has passed, every effect lands
        drained = await drain(
            SHAPE, deployment, workload.expected, chaos_smtp, chaos_receiver, cluster
        )
        expected = workload.expected
        landed = Landed.count(chaos_smtp, chaos_receiver)
        print(
            f"\n{outage} ({SHAPE.fault_seconds:g} s, {SHAPE.web} web, "
            f"{len(cluster.workers)} workers, scale {SHAPE.scale}): drained in {drained:.1f} s; "
            f"answers {dict(sorted(traffic.statuses.items()))}; "
            f"{sum(landed.emails.values())} emails, {sum(landed.deliveries.values())} webhook "
            f"deliveries, of which repeated {len(landed.repeated())}"
        )

        # And no answer was a 5xx but the documented one: 503 while the database is down
        documented = {503} if outage is Outage.POSTGRES_RESTARTED else set()
        assert {s for s in traffic.statuses if s >= 500} <= documented, traffic.server_errors

        # And each acknowledged invitation and reminder was emailed once, none lost
        assert landed.invitation_emails == expected.invitation_emails
        assert await Invitation.filter(email_status__not=EmailStatus.SENT).count() == 0

        # And each notification reached each recipient, recorded sent, under its Message-ID
        notices = await NotificationEmail.all()
        assert {n.status for n in notices} <= {RecipientStatus.SENT, RecipientStatus.SKIPPED}
        sent_ids = {n.message_id for n in notices if n.status is RecipientStatus.SENT}
        assert sent_ids <= set(landed.emails)
        assert len(landed.emails) == expected.invitation_emails + len(sent_ids)

        # And each webhook event was delivered, none lost, none beyond those of the workload
        assert landed.events == expected.events
        assert await WebhookDelivery.filter(status__not=DeliveryStatus.DELIVERED).count() == 0

        # And one customer won the race for one token; every removal and end was revoked
        assert expected.accept_winners == 1
        for relationship_id in expected.revoked_relationships:
            grants = await RoleGrant.filter(
                relationship_id=decode_id("Relationship", relationship_id)
            )
            assert {g.status for g in grants} == {RoleGrantStatus.REVOKED}, relationship_id
        assert (
            await RoleGrant.filter(status=RoleGrantStatus.EXPIRED).count()
            == (expected.events["roles.expired"])
        )

        # And nothing went out twice but the documented in-flight case: each repeat once,
        # under the same Message-ID or webhook-id
        repeated = landed.repeated()
        assert len(repeated) <= repeats_allowed(outage, len(cluster.workers)), repeated
        assert set(repeated.values()) <= {2}, repeated
    finally:
        cluster.stop()
        if traffic is not None:
            await traffic.close()
