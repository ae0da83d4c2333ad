"""Worker processes through faults: Redis stopped or hung under them, and a worker killed
mid-job.

Nothing is mocked: the workers are real `partnerhub worker` processes, Redis is really
stopped and started again, a worker is really SIGKILLed, and the SMTP server really leaves a
connection unanswered. Time-outs are made short through the workers' settings.
"""

from __future__ import annotations

import asyncio
import signal
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from arq.constants import default_queue_name
from arq.utils import to_unix_ms
from arq.worker import Worker
from redis.exceptions import RedisError

from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import EmailStatus, PartnerRole
from models.tables.invitations import Invitation
from models.tables.outbox import NotificationEmail, OutboxMessage, RecipientStatus, Task
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link, run_jobs
from tests.servers import Fault, RedisServer, SmtpServer
from tests.worker_processes import WAIT, WorkerProcess, environment, eventually
from workers.relay import RELAY_EVERY
from workers.worker import create_worker

# Faults of Redis and of worker processes, which the database does not change: on the
# production database alone (each test takes its worker processes' seconds).
pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

# Jobs of 4 seconds and SMTP steps of 2: a job killed mid-way runs again 14 seconds after it
# began (arq's in-progress mark: the job time-out plus 10 seconds).
SHORT = {"JOB_TIMEOUT": "4", "SMTP_TIMEOUT": "2", "EMAIL_RETRY_DELAYS": "0.5"}


async def test_a_worker_rides_out_redis_stopping_and_then_runs_a_new_job(
    api: GraphQLClient,
    db: Settings,
    redis_server: RedisServer,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    # Given a worker process that is ready
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.SALES_AGENT)
    worker = WorkerProcess(environment(db), tmp_path / "worker.log")
    try:
        await worker.becomes(200, "the worker is ready")

        # When Redis stops under it
        redis_server.stop()
        try:
            # Then the worker stays up, and says it is not ready
            await worker.becomes(503, "the worker reports Redis away")
        finally:
            # When Redis starts again, empty
            redis_server.start()

        # Then the worker is ready again, without having restarted
        await worker.becomes(200, "the worker is ready again")

        # And a job enqueued now runs: an invitation sent is emailed, once
        sent = await f.send(api, agent, customerEmail="it@contoso.com")
        assert sent["errors"] == []
        [mail] = await smtp_server.await_for(1, timeout=WAIT)
        assert mail.rcpt_tos == ["it@contoso.com"]
        invitation_link(mail)
        assert worker.alive

        # And it said once that Redis was away, and once that it was back
        assert worker.output.count("Redis is unreachable") == 1, worker.output
        assert worker.output.count("Redis answers again") == 1, worker.output
    finally:
        worker.stop()
    assert smtp_server.messages == [mail]


async def test_a_job_whose_record_meets_a_hung_redis_ends_there_and_runs_again_once(
    api: GraphQLClient,
    db: Settings,
    redis_server: RedisServer,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    # Given a ready worker process whose Redis commands give up after a second, and an SMTP
    # server that leaves the next message unanswered
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.SALES_AGENT)
    worker = WorkerProcess(environment(db, **SHORT, REDIS_TIMEOUT="1"), tmp_path / "worker.log")
    try:
        await worker.becomes(200, "the worker is ready")
        smtp_server.faults = [Fault.STALL_ON_DATA]

        # And an invitation whose email job is under way, waiting on the server's answer
        assert (await f.send(api, agent, customerEmail="it@contoso.com"))["errors"] == []
        [message] = await OutboxMessage.filter(task=Task.SEND_INVITATION_EMAIL)
        await eventually(lambda: smtp_server.faults == [], "the email job is at the server")

        # When Redis hangs (it takes connections and answers nothing), so that arq cannot
        # record how the job's try ended
        redis_server.pause()
        try:
            # (its own line: a cron run may meet the hung Redis too)
            ended = f"job {message.job_id} met Redis away in arq's bookkeeping"
            await eventually(lambda: ended in worker.output, "the job's end meets Redis hung")
            [invitation] = await Invitation.all()
            assert invitation.email_attempts == 1  # the failed try, recorded in the database
        finally:
            redis_server.resume()

        # Then the job ended there, named in the worker's log, and the poll loop was not
        # told of it (arq would raise it there at its next turn, as if Redis were still away)
        assert f"job outbox:{message.id} met Redis away in arq's bookkeeping" in worker.output
        # And once Redis answers, the worker is ready, and the job runs again: the email
        # goes out once, with the worker never having exited
        await worker.becomes(200, "the worker is ready again")
        [mail] = await smtp_server.await_for(1, timeout=WAIT)
        assert mail.rcpt_tos == ["it@contoso.com"]
        assert worker.alive
        assert worker.output.count("Redis answers again") == 1, worker.output
        assert "Task exception was never retrieved" not in worker.output
        assert "released too many times" not in worker.output
    finally:
        worker.stop()
    await message.refresh_from_db()
    assert message.completed_at is not None
    assert smtp_server.messages == [mail]


async def test_a_cron_run_whose_enqueue_meets_a_hung_redis_is_enqueued_once_it_answers(
    db: Settings, redis_server: RedisServer
) -> None:
    # Given a worker (not polling) connected to Redis, whose Redis commands give up after
    # half a second, untried (a 2-second JOB_TIMEOUT leaves no time for another try)
    worker = create_worker(replace(db, redis_timeout=0.5, job_timeout=2), handle_signals=False)
    try:
        assert await worker.pool.ping()
        # (The relay runs every RELAY_EVERY seconds by the clock: begin just after one of its
        # times, so that the last turn below, a second or two later, does not find it due
        # again; its next time is reckoned from the first turn's end.)
        now = datetime.now(tz=worker.timezone)
        await asyncio.sleep(RELAY_EVERY - (now.second % RELAY_EVERY + now.microsecond / 1e6) + 0.1)

        # When its crons come due (at start-up) while Redis hangs
        due = datetime.now(tz=worker.timezone)
        redis_server.pause()
        try:
            with pytest.raises(RedisError):
                async with asyncio.timeout(WAIT):
                    await worker.run_cron(due, 0.5)
        finally:
            redis_server.resume()

        # Then, at the next turn, once Redis answers, the run whose enqueue failed (the
        # first cron's, at start-up) is enqueued under its own time: arq had already moved
        # it to its next time, skipping it; and so is each start-up run after it, the outbox
        # relay's among them
        await worker.run_cron(datetime.now(tz=worker.timezone), 0.5)
        failed = worker.cron_jobs[0]
        assert failed.run_at_startup
        queued = await _cron_runs_queued(worker)
        assert f"{failed.name}:{to_unix_ms(due)}" in queued
        relay_runs = {run for run in queued if run.startswith("cron:relay_outbox:")}
        assert len(relay_runs) == 1

        # And the runs after them are reckoned from then on: the relay is not due again
        await worker.run_cron(datetime.now(tz=worker.timezone), 0.5)
        after = await _cron_runs_queued(worker)
        assert {run for run in after if run.startswith("cron:relay_outbox:")} == relay_runs
    finally:
        await worker.pool.aclose()


async def test_a_job_slot_taken_as_redis_hangs_is_given_back_once(
    db: Settings, redis_server: RedisServer
) -> None:
    # Given a worker (not polling) whose Redis commands give up after half a second, untried,
    # and a job in its queue
    worker = create_worker(replace(db, redis_timeout=0.5, job_timeout=2), handle_signals=False)
    try:
        await worker.pool.enqueue_job("sweep_lifecycle", _job_id="held-slot")
        slots = worker.sem._value  # (asyncio.Semaphore has no public count)

        # When it takes a slot for the job, and Redis hangs as it asks whether the job runs
        # elsewhere (twice: each failure must give back its own slot, and only that)
        redis_server.pause()
        try:
            for _ in range(2):
                with pytest.raises(RedisError):
                    async with asyncio.timeout(WAIT):
                        await worker.start_jobs([b"held-slot"])
        finally:
            redis_server.resume()

        # Then it holds no slot for it and started nothing: arq would have kept one each time
        assert worker.job_counter == 0
        assert worker.sem._value == slots
        assert worker.tasks == {}
        # And the job is still queued, for the next poll
        assert await worker.pool.zscore(default_queue_name, "held-slot") is not None
    finally:
        await worker.pool.aclose()


async def _cron_runs_queued(worker: Worker) -> set[str]:
    queued = await worker.pool.zrange(default_queue_name, 0, -1)
    return {job.decode() for job in queued if job.startswith(b"cron:")}


async def test_a_job_held_by_a_killed_worker_is_run_by_another_worker_once(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    # Given two ready worker processes with short time-outs
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.SALES_AGENT)
    env = environment(db, **SHORT)
    workers = [WorkerProcess(env, tmp_path / f"worker-{n}.log") for n in (1, 2)]
    try:
        for worker in workers:
            await worker.becomes(200, "a worker is ready")

        # And an SMTP server that leaves the next connection unanswered
        smtp_server.faults = [Fault.STALL_ON_CONNECT]

        # When an invitation is sent, and a worker's job waits on that connection
        sent = await f.send(api, agent, customerEmail="it@contoso.com")
        assert sent["errors"] == []
        [message] = await OutboxMessage.filter(task=Task.SEND_INVITATION_EMAIL)
        await eventually(lambda: smtp_server.faults == [], "a worker connects to send it")
        [holder] = [w for w in workers if message.job_id in w.output]
        [other] = [w for w in workers if w is not holder]

        # And that worker is killed outright, mid-job
        assert holder.kill() == -signal.SIGKILL

        # Then the other worker runs the same job again, and the email arrives once
        [mail] = await smtp_server.await_for(1, timeout=WAIT)
        assert mail.rcpt_tos == ["it@contoso.com"]
        assert f"{message.job_id}:send_invitation_email" in other.output
        assert "try=2" in other.output

        # And once the worker has recorded it, the email is SENT at its first recorded try
        # (the killed one never ended), and its outbox message is done
        async def recorded() -> bool:
            await message.refresh_from_db()
            return message.completed_at is not None

        await eventually(recorded, "the worker records the email it sent")
        invitation = await Invitation.get(customer_email="it@contoso.com")
        assert (invitation.email_status, invitation.email_attempts) == (EmailStatus.SENT, 1)
        assert other.alive
    finally:
        for worker in workers:
            worker.stop()
    assert len(smtp_server.messages) == 1


async def test_a_notification_cut_off_by_a_killed_worker_reaches_each_recipient_once(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    # Given an emailed invitation from a partner with three admin agents
    fabrikam = await f.partner("Fabrikam")
    agents = [await f.person(fabrikam, PartnerRole.ADMIN_AGENT) for _ in range(3)]
    admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    await f.send(api, agents[0], customerEmail="it@contoso.com")
    await run_jobs(db)
    _, token = invitation_link(smtp_server.wait_for(1)[0])
    smtp_server.clear()

    # And a worker process, and an SMTP server that leaves the next connection unanswered
    worker = WorkerProcess(environment(db, **SHORT), tmp_path / "worker.log")
    try:
        await worker.becomes(200, "the worker is ready")
        smtp_server.faults = [Fault.STALL_ON_CONNECT]

        # When the customer accepts, and the worker has mailed two agents of the three
        assert (await f.accept(api, admin, token))["errors"] == []

        async def two_sent() -> bool:
            sent = await NotificationEmail.filter(status=RecipientStatus.SENT).count()
            return sent == 2 and smtp_server.faults == []

        await eventually(two_sent, "two of the three emails are recorded sent")

        # And it is killed outright while the third waits on its connection
        assert worker.kill() == -signal.SIGKILL
    finally:
        worker.stop()
    [in_flight] = await NotificationEmail.filter(status=RecipientStatus.SENDING)

    # Then, once another worker has run what was left, each agent has the notice once
    await run_jobs(db)
    mails = smtp_server.messages
    assert sorted(m.rcpt_tos[0] for m in mails) == sorted(a.email for a in agents)
    # And the email in flight went out again under the Message-ID it had then
    [repeated] = [m for m in mails if m.rcpt_tos == [in_flight.recipient]]
    assert repeated.message["Message-ID"] == in_flight.message_id
    assert len({m.message["Message-ID"] for m in mails}) == 3
    [notification] = await OutboxMessage.filter(task=Task.SEND_NOTIFICATION)
    assert notification.completed_at is not None
    assert notification.payload["sent_to"] == sorted(a.email for a in agents)
