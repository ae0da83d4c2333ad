"""The arq worker: its jobs with their limits, and the resources they share."""

from __future__ import annotations

import asyncio
import logging
import re
from contextlib import AsyncExitStack
from typing import Any

from arq.cron import CronJob, cron
from arq.typing import WorkerCoroutine
from arq.worker import Function, Worker, func
from redis.asyncio import Redis

from models.foundation.settings import Settings, SettingsError, failure_reason, redacted
from models.infrastructure.db import CHECK_TIMEOUT, database
from models.infrastructure.redis_clients import redis_client
from models.tables.outbox import Task
from workers import inbound, jobs, retention, webhook_lanes
from workers.dispatch import NOTIFICATION_EMAIL
from workers.mailer import Mailer
from workers.metrics import measured, serve_metrics
from workers.outages import rides_out_outages
from workers.queue import queue_client, worker_command_retries
from workers.relay import RELAY_EVERY
from workers.runtime import Runtime
from workers.supervision import SupervisedWorker

# A job killed outright (its worker SIGKILLed, its machine lost) stays marked in progress for
# the longest job time-out plus 10 seconds, then another worker runs it again. Every job has
# the same time-out, JOB_TIMEOUT (40 s unless configured), so that this is under a minute;
# work that could take longer is done in rounds within a budget, and goes on at the next run.
# A few more runs than an email has tries: a run cut off by a crash counts too.
EXTRA_RUNS = 3
# Seconds between an idle worker's looks for new jobs (arq's default: 0.5). A removal's email
# is a second job, enqueued by the first, so it waited up to two polls; one small query
# every 50 ms costs Redis next to nothing.
POLL_DELAY = 0.05


def _job(function: Function) -> Function:
    """A job tried again when the database or Redis is away, and counted and timed."""
    return measured(rides_out_outages(function))


def functions(runtime: Runtime) -> list[Function]:
    """The jobs, each `measured`: its runs are counted by outcome and timed (workers/metrics.py);
    and each tried again shortly when the database or Redis is away (workers/outages.py)."""
    timeout = runtime.settings.job_timeout
    email_runs = runtime.email_tries + EXTRA_RUNS
    return [
        _job(
            func(
                jobs.send_invitation_email,
                name=Task.SEND_INVITATION_EMAIL,
                max_tries=email_runs,
                timeout=timeout,
            )
        ),
        _job(
            func(
                jobs.send_notification,
                name=Task.SEND_NOTIFICATION,
                max_tries=5,
                timeout=timeout,
            )
        ),
        _job(
            func(
                jobs.send_notification_email,
                name=NOTIFICATION_EMAIL,
                max_tries=email_runs,
                timeout=timeout,
            )
        ),
        _job(
            func(
                jobs.send_password_email,
                name=Task.SEND_PASSWORD_EMAIL,
                max_tries=email_runs,
                timeout=timeout,
            )
        ),
        _job(func(jobs.revoke_roles, name=Task.REVOKE_ROLES, max_tries=5, timeout=timeout)),
        # A round of a bulk operation; its next round is a job of its own. Runs cut off by a
        # crash count as tries: the relay hands the operation over again should they run out.
        _job(
            func(
                jobs.run_bulk_operation,
                name=Task.RUN_BULK_OPERATION,
                max_tries=10,
                timeout=timeout,
            )
        ),
        _job(
            func(
                inbound.run_inbound_webhook,
                name=Task.RUN_INBOUND_WEBHOOK,
                max_tries=inbound.MAX_TRIES,
                timeout=timeout,
            )
        ),
        _job(func(jobs.deliver_webhooks, name=Task.DELIVER_WEBHOOKS, max_tries=3, timeout=timeout)),
        # A lane's id is fixed, and kept by no result: the next tick may start it at once.
        _job(
            func(
                jobs.deliver_webhook_lane,
                name=webhook_lanes.LANE_JOB,
                max_tries=3,
                timeout=timeout,
                keep_result=0,
            )
        ),
    ]


class RedisUnavailable(SettingsError):
    """REDIS_URL names a Redis that does not answer; the message says why."""


def check_settings(settings: Settings) -> None:
    """What a worker process needs before it starts: a Redis to take its jobs from, and an
    SMTP server to send its email through (without one, every email would fail for good)."""
    if not settings.redis_url:
        raise SettingsError(
            "REDIS_URL is not set, and the worker takes its jobs from Redis: "
            "set it to a redis:// URL such as redis://127.0.0.1:6379/0"
        )
    Mailer.from_url(settings.smtp_url)  # MailNotConfigured, a SettingsError, if unusable


async def check_redis(redis_url: str) -> None:
    """Ask Redis for a PONG, or raise RedisUnavailable: arq would otherwise retry for a while
    and then end in a traceback."""
    client = redis_client(
        redis_url, Redis, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT
    )
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            await client.ping()
    except Exception as exc:  # whatever stops it, the worker cannot run: say what and why
        raise RedisUnavailable(
            f"cannot reach Redis at {redacted(redis_url)}: "
            f"{failure_reason(exc, CHECK_TIMEOUT, redis_url)}. Check REDIS_URL, and that Redis is "
            f"running and reachable from here"
        ) from None
    finally:
        await client.aclose()


class IdleCronRuns(logging.Filter):
    """Moves arq's lines about cron runs that changed nothing down to DEBUG.

    arq logs the start and the end of every run at INFO, and `deliver_due_webhooks` runs every
    5 seconds: an idle worker would log 24 lines a minute that say nothing. A cron run's start
    goes to DEBUG, and so does its end when its report counts nothing done ("tried 0
    deliveries"); an end that did something, a retry and a failure stay as they are.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not (isinstance(args, tuple) and len(args) >= 3 and str(args[1]).startswith("cron:")):
            return True
        starting = "→" in str(record.msg)
        ended_idle = "←" in str(record.msg) and not any(
            int(count) for count in re.findall(r"\d+", str(args[2]))
        )
        if not (starting or ended_idle):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def quiet_idle_cron_runs() -> None:
    """Install `IdleCronRuns` on arq's worker logger, once per process."""
    logger = logging.getLogger("arq.worker")
    if not any(isinstance(f, IdleCronRuns) for f in logger.filters):
        logger.addFilter(IdleCronRuns())


async def _startup(ctx: dict[str, Any]) -> None:
    if "exit_stack" in ctx:
        return  # started already: arq starts again after Redis came back
    quiet_idle_cron_runs()
    stack = ctx["exit_stack"] = AsyncExitStack()  # closed by _shutdown, even after a failure
    runtime: Runtime = ctx["runtime"]
    settings = runtime.settings
    await stack.enter_async_context(database(settings.database_url, settings.database_pool_size))
    stack.push_async_callback(runtime.close)  # its SMTP connections, before the database
    port = settings.metrics_port
    if port is not None:
        stack.push_async_callback(serve_metrics(port, ctx["health"]))


async def _shutdown(ctx: dict[str, Any]) -> None:
    stack: AsyncExitStack | None = ctx.pop("exit_stack", None)
    if stack is not None:
        await stack.aclose()


def cron_jobs(job_timeout: int = Settings.job_timeout) -> list[CronJob]:
    """Every minute, 10 seconds or 5 seconds and once at start-up, or hourly or daily. A
    CronJob keeps its next run: one set a worker."""
    return [
        measured(cron(jobs.sweep_lifecycle, minute=None, run_at_startup=True, timeout=job_timeout)),
        measured(
            cron(
                jobs.relay_outbox,
                minute=None,
                second=set(range(0, 60, RELAY_EVERY)),
                run_at_startup=True,
                timeout=job_timeout,
            )
        ),
        # Every 5 seconds: start the webhook lanes with a delivery due (their state is in the
        # database, so this also catches up on whatever a lost queue held).
        measured(
            cron(
                jobs.deliver_due_webhooks,
                minute=None,
                second=set(range(0, 60, 5)),
                run_at_startup=True,
                timeout=job_timeout,
            )
        ),
        # Hourly: purge activity entries past their retention period, and outbox messages
        # done long ago, each within a time budget (a backlog goes on at the next hour).
        measured(cron(retention.purge_activity, minute=17, timeout=job_timeout)),
        measured(cron(retention.purge_outbox, minute=47, timeout=job_timeout)),
        # Daily, at 03:47 UTC: ended sessions, expired set-password links, stale counters.
        measured(cron(retention.purge_sign_in, hour=3, minute=47, timeout=job_timeout)),
        # Hourly: the invitation quotas' counters of windows that have ended.
        measured(cron(retention.purge_quota_counters, minute=41, timeout=job_timeout)),
    ]


def worker_options(
    settings: Settings,
    *,
    retry_delays: tuple[float, ...] | None = None,
    smtp_timeout: float | None = None,
) -> dict[str, Any]:
    """Keyword arguments for `SupervisedWorker` (an arq `Worker`)."""
    if not settings.redis_url:
        raise SettingsError("REDIS_URL is not set; the worker needs Redis")
    on_startup: WorkerCoroutine = _startup
    on_shutdown: WorkerCoroutine = _shutdown
    runtime = Runtime(settings, retry_delays, smtp_timeout)
    return {
        "functions": functions(runtime),
        "cron_jobs": cron_jobs(settings.job_timeout),
        # Its own client, not arq's `RedisSettings`: those set no read time-out, so a Redis
        # that stops answering would hold the poll loop for ever (`workers/queue.py`).
        "redis_pool": queue_client(settings, retries=worker_command_retries(settings)),
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "ctx": {"runtime": runtime},
        "max_jobs": 20,
        "poll_delay": POLL_DELAY,
        "job_timeout": settings.job_timeout,
        # On SIGTERM, jobs under way get this long to finish before they are cancelled (and
        # run again later: their outbox message is not completed).
        "job_completion_wait": 30,
        # A job id stays reserved while its result is kept: the outbox relies on this.
        "keep_result": 600,
    }


def create_worker(
    settings: Settings,
    *,
    retry_delays: tuple[float, ...] | None = None,
    smtp_timeout: float | None = None,
    **overrides: Any,
) -> Worker:
    """A worker for these settings; tests pass `burst=True`, short `retry_delays` and
    a short `smtp_timeout`."""
    options = worker_options(settings, retry_delays=retry_delays, smtp_timeout=smtp_timeout)
    options.update(overrides)
    return SupervisedWorker(**options)
