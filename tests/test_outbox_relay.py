"""The outbox relay and purge: jobs Redis lost come back at the relay's next run, a backlog
drains in batches from run to run, a hung Redis holds no request, and what is long done is
purged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from arq.connections import ArqRedis
from arq.constants import default_queue_name, job_key_prefix
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from redis.exceptions import ConnectionError as RedisConnectionError

from api.app import create_app
from models.foundation.budget import Budget
from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.outbox import NotificationEmail, OutboxMessage, Task
from tests import factories as f
from tests import flows
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.servers import RedisServer, SmtpServer
from workers.dispatch import hand_over
from workers.jobs import relay_outbox, send_notification
from workers.relay import (
    RELAY_AFTER,
    RELAY_BUDGET,
    RELAY_EVERY,
    RESUME_FOR,
    RESUME_KEY,
    relay,
)
from workers.retention import purge_outbox
from workers.runtime import Runtime
from workers.worker import cron_jobs

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
WAIT = 30.0  # seconds: far longer than any time-out involved, short of a test hung for good


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """The whole process's clock, set to START and running on; tests move it forward."""
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


@asynccontextmanager
async def _arq(settings: Settings) -> AsyncIterator[ArqRedis]:
    assert settings.redis_url is not None
    redis = ArqRedis.from_url(settings.redis_url)
    try:
        yield redis
    finally:
        await redis.aclose()


async def _queued(settings: Settings) -> set[str]:
    async with _arq(settings) as redis:
        return {str(job.job_id) for job in await redis.queued_jobs()}


async def _waiting_messages(count: int, *, same_time: bool = False) -> list[OutboxMessage]:
    """`count` messages never handed to Redis, recorded a minute before START (a millisecond
    apart, or all at once), in the relay's order: oldest first, then by id."""
    messages = []
    for n in range(count):
        message = await OutboxMessage.create(task=Task.REVOKE_ROLES, payload={"n": n})
        recorded = START - timedelta(minutes=1) + timedelta(milliseconds=0 if same_time else n)
        await OutboxMessage.filter(id=message.id).update(created_at=recorded)
        messages.append(message)
    return sorted(messages, key=lambda m: str(m.id)) if same_time else messages


def _recipients(smtp_server: SmtpServer) -> list[str]:
    return sorted(m.rcpt_tos[0] for m in smtp_server.messages)


# --------------------------------------------------------------------------- Redis empty


async def test_jobs_lost_with_redis_come_back_at_the_next_relay_and_run_once(
    api: GraphQLClient,
    db: Settings,
    redis_server: RedisServer,
    smtp_server: SmtpServer,
    clock: time_machine.Traveller,
) -> None:
    # Given three invitations whose email jobs are queued in Redis
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    addresses = [f"it{n}@contoso.com" for n in range(3)]
    for address in addresses:
        assert (await f.send(api, agent, customerEmail=address))["errors"] == []
    lost = await OutboxMessage.all()
    assert all(message.enqueued_at is not None for message in lost)
    assert await _queued(db) == {message.job_id for message in lost}

    # When Redis restarts empty, and a fourth invitation is sent once it is back
    redis_server.stop()
    redis_server.start()
    assert await _queued(db) == set()
    assert (await f.send(api, agent, customerEmail="sales@contoso.com"))["errors"] == []

    # And the relay runs, RELAY_AFTER later
    clock.shift(RELAY_AFTER + timedelta(seconds=1))
    async with _arq(db) as redis:
        relayed = await relay_outbox({"redis": redis})

    # Then it handed back the three lost jobs, and not the fourth, which Redis holds
    assert relayed == "relayed 3 message(s)"
    assert len(await _queued(db)) == 4

    # And once the worker has run, each invitation was emailed once
    await run_jobs(db)
    assert _recipients(smtp_server) == sorted([*addresses, "sales@contoso.com"])
    assert await OutboxMessage.filter(completed_at=None).count() == 0

    # And when the relay runs again, there is nothing left to hand back
    async with _arq(db) as redis:
        assert await relay_outbox({"redis": redis}) == "relayed 0 message(s)"
    await run_jobs(db)
    assert len(smtp_server.messages) == 4


async def test_the_email_jobs_of_a_notification_come_back_though_arq_holds_its_own_job(
    api: GraphQLClient,
    db: Settings,
    smtp_server: SmtpServer,
    clock: time_machine.Traveller,
) -> None:
    # Given an invitation from a partner with two admin agents, accepted by the customer
    fabrikam = await f.partner("Fabrikam")
    agents = [await f.person(fabrikam, PartnerRole.ADMIN_AGENT) for _ in range(2)]
    admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    _, token = await flows.invite(api, db, smtp_server, agents[0], customerEmail="it@contoso.com")
    smtp_server.clear()
    assert (await f.accept(api, admin, token))["errors"] == []
    [notice] = await OutboxMessage.filter(task=Task.SEND_NOTIFICATION, completed_at=None)
    assert notice.job_id in await _queued(db)

    # And the notification's own job has planned an email to each agent and queued their
    # jobs, which Redis then lost while it kept the notification's job
    async with _arq(db) as redis:
        runtime = Runtime(db)
        try:
            ctx = {"runtime": runtime, "redis": redis}
            assert await send_notification(ctx, str(notice.id)) == "2 email(s) to send"
        finally:
            await runtime.close()
        emails = await NotificationEmail.filter(outbox_id=notice.id)
        lost = {f"notification:{email.id}" for email in emails}
        assert lost <= await _queued(db)
        for job_id in lost:
            await redis.delete(job_key_prefix + job_id)
            await redis.zrem(default_queue_name, job_id)
    assert await _queued(db) == {notice.job_id}

    # When the relay runs, RELAY_AFTER later
    clock.shift(RELAY_AFTER + timedelta(seconds=1))
    async with _arq(db) as redis:
        relayed = await relay_outbox({"redis": redis})

    # Then it handed back the two email jobs, beside the notification's job arq still holds
    assert relayed == "relayed 2 message(s)"
    assert await _queued(db) == {notice.job_id, *lost}

    # And once the worker has run, each agent has the notice once, and the message is done
    await run_jobs(db)
    assert _recipients(smtp_server) == sorted(agent.email for agent in agents)
    await notice.refresh_from_db()
    assert notice.completed_at is not None


# --------------------------------------------------------------------------- batches


async def test_the_relay_runs_at_start_up_and_every_ten_seconds_each_run_within_its_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The worker's cron runs the relay at start-up and at :00, :10, :20... of each minute
    [job] = [job for job in cron_jobs() if job.name.endswith("relay_outbox")]
    assert job.run_at_startup
    assert (job.hour, job.minute, job.second) == (None, None, {0, 10, 20, 30, 40, 50})

    # And a run starts new batches for RELAY_BUDGET at most, half the time between runs,
    # though its job may run for JOB_TIMEOUT (40 s)
    given: list[Budget] = []

    async def relay_spy(redis: ArqRedis | None, now: datetime, budget: Budget) -> int:
        given.append(budget)
        return 0

    monkeypatch.setattr("workers.jobs.relay", relay_spy)
    assert await relay_outbox({"redis": None, "runtime": Runtime(Settings())}) == (
        "relayed 0 message(s)"
    )
    [budget] = given
    assert RELAY_BUDGET - 1 < budget.left() <= RELAY_BUDGET == RELAY_EVERY / 2


async def test_the_relay_drains_a_backlog_in_batches_and_goes_on_where_its_budget_ended(
    db: Settings, redis_server: RedisServer, clock: time_machine.Traveller
) -> None:
    # Given eleven messages that never reached Redis
    messages = await _waiting_messages(11)

    async with _arq(db) as redis:
        # When the relay runs with its time already spent, four at a time
        first = await relay(redis, utcnow(), Budget.of(0), batch_size=4)

        # Then it handed over one batch, the oldest, and kept its place for ten minutes
        assert first == 4
        assert await _queued(db) == {m.job_id for m in messages[:4]}
        assert 0 < await redis.ttl(RESUME_KEY) <= RESUME_FOR.total_seconds()

        # When it runs again, with time enough
        await redis.config_resetstat()
        rest = await relay(redis, utcnow(), Budget.unlimited(), batch_size=4)

        # Then it went on from its place: the other seven, in two batches of one round trip
        # each, and read to the end, it forgot its place
        assert rest == 7
        assert (await redis.info("commandstats"))["cmdstat_evalsha"]["calls"] == 2
        assert not await redis.exists(RESUME_KEY)
        assert await _queued(db) == {m.job_id for m in messages}
        assert await OutboxMessage.filter(enqueued_at=None).count() == 0

        # And the run after that starts again from the oldest: every undone message, which
        # Redis holds now, in three batches
        await redis.config_resetstat()
        assert await relay(redis, utcnow(), Budget.unlimited(), batch_size=4) == 0
        assert (await redis.info("commandstats"))["cmdstat_evalsha"]["calls"] == 3

        # And a message recorded moments ago is left to the request that recorded it
        await OutboxMessage.create(task=Task.REVOKE_ROLES, payload={})
        assert await relay(redis, utcnow(), Budget.unlimited()) == 0


async def test_a_relay_place_left_past_every_undone_message_starts_the_next_run_over(
    db: Settings, redis_server: RedisServer, clock: time_machine.Traveller
) -> None:
    # Given five messages that never reached Redis, and a relay that stopped after the
    # fourth, whose place is kept
    messages = await _waiting_messages(5)
    async with _arq(db) as redis:
        assert await relay(redis, utcnow(), Budget.of(0), batch_size=4) == 4
        assert await redis.exists(RESUME_KEY)

        # When the fifth is done, and arq loses the jobs of the first three
        await OutboxMessage.filter(id=messages[4].id).update(completed_at=utcnow())
        for lost in messages[:3]:
            await redis.delete(job_key_prefix + lost.job_id)
            await redis.zrem(default_queue_name, lost.job_id)

        # And the relay runs twice
        second = await relay(redis, utcnow(), Budget.unlimited(), batch_size=4)
        third = await relay(redis, utcnow(), Budget.unlimited(), batch_size=4)

    # Then the second found nothing past its place and forgot it, and the third, from the
    # oldest, handed the three lost jobs back
    assert (second, third) == (0, 3)
    assert await _queued(db) == {m.job_id for m in messages[:4]}


async def test_a_run_goes_on_from_its_place_among_messages_recorded_at_the_same_instant(
    db: Settings, redis_server: RedisServer, clock: time_machine.Traveller
) -> None:
    # Given eleven messages that never reached Redis, all recorded at the same instant
    messages = await _waiting_messages(11, same_time=True)

    async with _arq(db) as redis:
        # When the relay runs with its time spent, then with time enough, four at a time
        first = await relay(redis, utcnow(), Budget.of(0), batch_size=4)
        assert await _queued(db) == {m.job_id for m in messages[:4]}
        await redis.config_resetstat()
        rest = await relay(redis, utcnow(), Budget.unlimited(), batch_size=4)

        # Then the second went on after the fourth, by id: the other seven, in two batches
        assert (first, rest) == (4, 7)
        assert (await redis.info("commandstats"))["cmdstat_evalsha"]["calls"] == 2
    assert await _queued(db) == {m.job_id for m in messages}


async def test_a_place_that_does_not_read_as_one_is_forgotten(
    db: Settings, redis_server: RedisServer, clock: time_machine.Traveller
) -> None:
    # Given three messages that never reached Redis, and a place in Redis that is not one
    messages = await _waiting_messages(3)
    async with _arq(db) as redis:
        await redis.set(RESUME_KEY, "not a place")

        # When the relay runs
        relayed = await relay(redis, utcnow(), Budget.unlimited())

        # Then it started from the oldest, and forgot that place
        assert relayed == 3
        assert not await redis.exists(RESUME_KEY)
    assert await _queued(db) == {m.job_id for m in messages}


async def test_the_relay_relays_nothing_while_redis_is_down(
    db: Settings, redis_server: RedisServer, clock: time_machine.Traveller
) -> None:
    # Given nine messages that never reached Redis, and Redis down
    await _waiting_messages(9)
    redis_server.stop()
    try:
        # When the relay runs, three at a time
        async with _arq(db) as redis:
            relayed = await relay(redis, utcnow(), Budget.unlimited(), batch_size=3)
    finally:
        redis_server.start()

    # Then it handed over nothing, and every message still waits for a later run
    assert relayed == 0
    assert await OutboxMessage.filter(enqueued_at=None).count() == 9


async def test_the_relay_stops_at_the_first_batch_redis_does_not_take_and_keeps_its_place(
    db: Settings,
    redis_server: RedisServer,
    clock: time_machine.Traveller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given nine messages that never reached Redis, and a relay that stopped after three
    messages = await _waiting_messages(9)
    async with _arq(db) as redis:
        assert await relay(redis, utcnow(), Budget.of(0), batch_size=3) == 3
        place = await redis.get(RESUME_KEY)
        assert place

        # When it runs again, three at a time, and Redis takes the first batch, not the next
        handed: list[int] = []

        async def failing_second(batch: list[OutboxMessage], to: ArqRedis) -> int:
            handed.append(len(batch))
            if len(handed) > 1:
                raise RedisConnectionError("Redis went away")
            return await hand_over(batch, to)

        monkeypatch.setattr("workers.relay.hand_over", failing_second)
        relayed = await relay(redis, utcnow(), Budget.unlimited(), batch_size=3)

        # Then it relayed the batch Redis took, and kept the place it started from, for the
        # next run to go on from there
        assert relayed == 3
        assert await redis.get(RESUME_KEY) == place
    assert await _queued(db) == {m.job_id for m in messages[:6]}
    waiting = await OutboxMessage.filter(enqueued_at=None)
    assert {m.id for m in waiting} == {m.id for m in messages[6:]}


# --------------------------------------------------------------------------- hung Redis


async def test_a_mutation_returns_while_redis_hangs_and_its_email_goes_out_once_it_answers(
    db: Settings,
    redis_server: RedisServer,
    smtp_server: SmtpServer,
    clock: time_machine.Traveller,
) -> None:
    # Given the web app, which waits half a second for Redis
    settings = replace(db, redis_timeout=0.5)
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    app = create_app(settings)
    async with (
        LifespanManager(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        api = GraphQLClient(http)

        # When Redis hangs: it takes connections and answers nothing
        redis_server.pause()
        try:
            # Then an invitation sent meanwhile is answered, its change committed
            sent = await asyncio.wait_for(f.send(api, agent, customerEmail="it@contoso.com"), WAIT)
            assert sent["errors"] == []
            assert sent["invitation"]["emailStatus"] == "QUEUED"
            # And its email waits in the outbox, not handed over
            [message] = await OutboxMessage.filter(task=Task.SEND_INVITATION_EMAIL)
            assert message.enqueued_at is None
            # And the web app says it is not ready, naming Redis
            ready = await asyncio.wait_for(http.get("/readyz"), WAIT)
            assert ready.status_code == 503
            assert ready.json()["checks"]["redis"].startswith("error")
        finally:
            redis_server.resume()

    # When Redis answers again, and the relay and the worker run
    clock.shift(RELAY_AFTER + timedelta(seconds=1))
    async with _arq(db) as redis:
        await relay_outbox({"redis": redis})
    await run_jobs(db)

    # Then the email went out, once
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["it@contoso.com"]
    await message.refresh_from_db()
    assert message.completed_at is not None


# --------------------------------------------------------------------------- purge


async def test_outbox_messages_done_long_ago_are_purged_with_their_emails(db: Settings) -> None:
    # Given messages done ten days ago (a notification with its emails among them), one done
    # yesterday, and one recorded a month ago and still not done
    now = utcnow()
    old = [await OutboxMessage.create(task=Task.REVOKE_ROLES, payload={}) for _ in range(3)]
    notice = await OutboxMessage.create(task=Task.SEND_NOTIFICATION, payload={})
    for recipient in ("a@contoso.com", "b@contoso.com"):
        await NotificationEmail.create(outbox=notice, recipient=recipient, message_id="<x@y>")
    recent = await OutboxMessage.create(task=Task.REVOKE_ROLES, payload={})
    undone = await OutboxMessage.create(task=Task.REVOKE_ROLES, payload={})
    ten_days_ago = now - timedelta(days=10)
    await OutboxMessage.filter(id__in=[m.id for m in [*old, notice]]).update(
        created_at=ten_days_ago, completed_at=ten_days_ago
    )
    await OutboxMessage.filter(id=recent.id).update(completed_at=now - timedelta(days=1))
    await OutboxMessage.filter(id=undone.id).update(created_at=now - timedelta(days=30))

    # When the hourly purge runs, with a week's retention
    runtime = Runtime(replace(db, outbox_retention_days=7))
    report = await purge_outbox({"runtime": runtime})

    # Then the messages done over a week ago are gone, with the notification's emails
    assert report == "purged 4 outbox messages"
    assert {m.id for m in await OutboxMessage.all()} == {recent.id, undone.id}
    assert await NotificationEmail.all().count() == 0

    # And it is a cron job of the worker, every hour
    [job] = [job for job in cron_jobs() if job.name.endswith("purge_outbox")]
    assert (job.hour, job.minute) == (None, 47)
