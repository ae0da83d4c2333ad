"""What is still waiting once a fault has passed, and why: the report the fault suite prints
when its effects do not drain in time (`tests/chaos.py`).

It reads what each party holds. The database: the outbox messages not done, by task, with
when they were handed to arq; the notification emails, invitations, webhook deliveries and
grants still to do, with their tries. Redis: for each undone message, what arq holds of its
job (queued and when due, its in-progress mark, a kept result that makes arq refuse the id,
its tries), the queue's length, the in-progress marks, the cron runs queued. Each worker
process: whether it is alive and ready, when its outbox relay cron last ran (its metrics),
and its last words about Redis. And where the processes' logs are.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import httpx
from arq.constants import (
    default_queue_name,
    in_progress_key_prefix,
    job_key_prefix,
    result_key_prefix,
    retry_key_prefix,
)
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from models.foundation.clock import utcnow
from models.reference.enums import EmailStatus, RoleGrantStatus
from models.tables.invitations import Invitation
from models.tables.outbound_webhooks import DeliveryStatus, WebhookDelivery
from models.tables.outbox import NotificationEmail, OutboxMessage, RecipientStatus
from models.tables.relationships import RoleGrant
from tests.worker_processes import WorkerProcess
from workers.dispatch import notification_email_job

RELAY_TASK = "cron:relay_outbox"
DETAILS = 12  # messages listed one by one, besides the counts
# The worker's lines about Redis and its jobs' bookkeeping (workers/supervision.py).
_REDIS_WORDS = re.compile(
    r"Redis (?:is unreachable|still unreachable|answers again)|arq's bookkeeping"
)


async def report(redis_url: str, workers: Sequence[WorkerProcess], logs: Path) -> str:
    """The whole report, a line per fact; never raises (a part that fails says why)."""
    now = utcnow()
    lines = [f"what is still waiting at {now:%H:%M:%S.%f} UTC:"]
    redis = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
    try:
        for part in (_outbox(now, redis), _database(now), _arq(redis)):
            try:
                lines += await part
            except Exception as exc:  # the report goes on without this part
                lines.append(f"  (could not read this part: {type(exc).__name__}: {exc})")
    finally:
        await redis.aclose()
    lines += await _workers(workers)
    lines.append(f"the processes' logs (web-N, worker-N, redis): {logs}")
    return "\n".join(lines)


async def _job_state(redis: Redis, job_id: str, now_ms: float) -> str:
    """What arq holds of one job, in words."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zscore(default_queue_name, job_id)
        pipe.exists(job_key_prefix + job_id)
        pipe.pttl(in_progress_key_prefix + job_id)
        pipe.exists(result_key_prefix + job_id)
        pipe.get(retry_key_prefix + job_id)
        score, job, in_progress_ms, result, tries = await pipe.execute()
    held = []
    if score is not None:
        due = (score - now_ms) / 1000
        held.append("queued, due" if due <= 0 else f"queued, due in {due:.0f} s")
    elif job:
        held.append("job kept, not queued")
    if in_progress_ms is not None and in_progress_ms >= 0:
        held.append(f"in progress for {in_progress_ms / 1000:.0f} s more")
    if result:
        held.append("result kept (arq refuses the id)")
    if tries is not None:
        held.append(f"tries {int(tries)}")
    return ", ".join(held) or "not in arq"


def _ago(now: datetime, then: datetime | None) -> str:
    return "never" if then is None else f"{(now - then).total_seconds():.0f} s ago"


async def _outbox(now: datetime, redis: Redis) -> list[str]:
    undone = await OutboxMessage.filter(completed_at=None).order_by("created_at")
    lines = [f"  outbox messages not done: {len(undone)}"]
    now_ms = time.time() * 1000
    states: Counter[tuple[str, str, str]] = Counter()
    for n, message in enumerate(undone):
        state = await _job_state(redis, message.job_id, now_ms)
        enqueued = "never handed to arq" if message.enqueued_at is None else "handed to arq"
        states[(message.task, enqueued, state)] += 1
        if n < DETAILS:
            lines.append(
                f"    {message.job_id} {message.task} created {_ago(now, message.created_at)}, "
                f"handed to arq {_ago(now, message.enqueued_at)}; arq: {state}"
            )
    for (task, enqueued, state), count in sorted(states.items()):
        lines.append(f"    {count}: {task}, {enqueued}; arq: {state}")
    unsent = await NotificationEmail.filter(
        status__in=[RecipientStatus.PENDING, RecipientStatus.SENDING]
    )
    lines.append(f"  notification emails unsent: {len(unsent)}")
    emails: Counter[tuple[str, int, str]] = Counter()
    for email in unsent:
        state = await _job_state(redis, notification_email_job(email.id).job_id, now_ms)
        emails[(email.status.value, email.attempts, state)] += 1
    for (status, attempts, state), count in sorted(emails.items()):
        lines.append(f"    {count}: {status} after {attempts} tries; arq: {state}")
    return lines


async def _database(now: datetime) -> list[str]:
    lines = []
    invitations = await Invitation.filter(email_status__not=EmailStatus.SENT).values_list(
        "email_status", "email_attempts"
    )
    lines.append(f"  invitations whose email is not sent: {len(invitations)}")
    for (status, attempts), count in sorted(Counter(invitations).items()):
        lines.append(f"    {count}: {status} after {attempts} tries")
    deliveries = await WebhookDelivery.filter(status__not=DeliveryStatus.DELIVERED)
    lines.append(f"  webhook deliveries not delivered: {len(deliveries)}")
    by_state = Counter(
        (d.status.value, d.attempts, "due" if (d.next_attempt_at or now) <= now else "later")
        for d in deliveries
    )
    for (status, attempts, due), count in sorted(by_state.items()):
        lines.append(f"    {count}: {status} after {attempts} tries, next try {due}")
    revoking = await RoleGrant.filter(status=RoleGrantStatus.REVOKING).count()
    lines.append(f"  grants still revoking: {revoking}")
    return lines


async def _arq(redis: Redis) -> list[str]:
    now_ms = time.time() * 1000
    queued = await redis.zcard(default_queue_name)
    due = await redis.zcount(default_queue_name, "-inf", now_ms)
    lines = [f"  arq's queue: {queued} job(s), {due} of them due now"]
    crons = [
        job.decode()
        for job in await redis.zrange(default_queue_name, 0, -1)
        if job.decode().startswith("cron:")
    ]
    lines.append(f"  cron runs queued: {sorted(crons) or 'none'}")
    marks = [key async for key in redis.scan_iter(match=in_progress_key_prefix + "*", count=500)]
    lines.append(f"  in-progress marks: {len(marks)}")
    for key in sorted(marks)[:DETAILS]:
        ttl = await redis.pttl(key)
        lines.append(f"    {key.decode()[len(in_progress_key_prefix) :]}: {ttl / 1000:.0f} s more")
    health = await redis.get(default_queue_name + ":health-check")
    lines.append(f"  arq's last health record: {health.decode() if health else 'none'}")
    return lines


async def _workers(workers: Sequence[WorkerProcess]) -> list[str]:
    lines = []
    for n, worker in enumerate(workers):
        if not worker.alive:
            last = worker.output.strip().splitlines()[-1:] or ["(no output)"]
            lines.append(f"  worker {n}: exited ({worker.popen.returncode}); last line: {last[0]}")
            continue
        ready = await worker.readiness()
        relay = await _relay_runs(worker)
        said = [line for line in worker.output.splitlines() if _REDIS_WORDS.search(line)]
        lines.append(
            f"  worker {n}: alive, /readyz {ready}; outbox relay {relay}; "
            f"last about Redis: {said[-1][:300] if said else 'nothing'}"
        )
    return lines


async def _relay_runs(worker: WorkerProcess) -> str:
    """When the worker's outbox relay cron last ended, by outcome, from its metrics."""
    with contextlib.suppress(httpx.TransportError):
        async with httpx.AsyncClient(timeout=5) as client:
            metrics = (await client.get(f"http://127.0.0.1:{worker.port}/metrics")).text
        ends = {
            sample.labels["outcome"]: sample.value
            for family in text_string_to_metric_families(metrics)
            for sample in family.samples
            if sample.name == "partnerhub_job_last_end_timestamp_seconds"
            and sample.labels.get("task") == RELAY_TASK
        }
        if not ends:
            return "never ran here"
        return ", ".join(f"{o} {time.time() - t:.0f} s ago" for o, t in sorted(ends.items()))
    return "(metrics did not answer)"
