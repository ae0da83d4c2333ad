"""The outbox relay: every outbox message not yet done goes back to arq unless arq holds it.

A change's messages are dispatched when it commits (`workers/dispatch.py`); the relay, a
cron job every RELAY_EVERY seconds, catches what that missed: messages never handed over
(Redis was down or slow), and messages whose job arq lost (Redis restarted empty, failed
over to a replica that had not received them, or the job failed and its result has
expired). It hands each undone message to arq again under its own job id; arq refuses an id
it still holds (queued, deferred for a retry, running, or finished moments ago), so only
lost jobs come back, within 40 seconds of the loss (or of Redis answering again), and none
twice. For a notification it also hands back the jobs of its emails not sent yet: its own
job may have finished (its result kept by arq) after planning them, while their jobs were
lost.

It reads the undone messages through the `(completed_at, created_at, id)` index, a batch at a
time, and enqueues each batch in one round trip, a few batches at once. A run starts new
batches for RELAY_BUDGET at most, half the time between runs, so that runs seldom overlap
(one that does repeats enqueues arq refuses, and may leave a place that delays part of the
backlog to the next pass) and never hold a job slot past its time-out. A run that its budget
stops leaves its place in Redis (RESUME_KEY) and the next run goes on from there, so that a
backlog larger than one run can read (messages whose emails wait for their retries through
an SMTP outage, say) is read through to its end, and the lost jobs behind it are reached,
before the relay starts again from the oldest.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from uuid import UUID

from arq.connections import ArqRedis
from redis.exceptions import RedisError
from tortoise.expressions import Q

from models.foundation.budget import Budget
from models.tables.outbox import OutboxMessage
from workers.dispatch import hand_over, hand_over_emails

log = logging.getLogger(__name__)

# A message this old is relayed: younger ones are still being dispatched by whatever recorded
# them (a request, within REDIS_TIMEOUT; a worker's batch job, at the end of its round, up to
# half of JOB_TIMEOUT). Relaying one earlier is harmless (arq takes its job once), only noise.
RELAY_AFTER = timedelta(seconds=30)
RELAY_EVERY = 10  # seconds between the cron's runs (a divisor of 60: they run at :00, :10...)
RELAY_BUDGET = 5.0  # seconds a run starts new batches in
RESUME_KEY = "partnerhub:relay:resume"  # where the last run stopped: "<created_at>|<id>"
RESUME_FOR = timedelta(minutes=10)  # a place no run has kept for this long is forgotten
BATCH = 500  # messages read, and enqueued in one round trip, at a time
BATCHES_AT_ONCE = 4


async def relay(
    redis: ArqRedis | None, now: datetime, budget: Budget, batch_size: int = BATCH
) -> int:
    """Hand every undone message older than RELAY_AFTER to arq again, oldest first (or from
    where the last run stopped), until none is left or the budget is spent; how many jobs
    arq did not hold and now does."""
    if redis is None:
        return 0
    gate = asyncio.Semaphore(BATCHES_AT_ONCE)
    created = 0
    failure: BaseException | None = None

    async def send(batch: list[OutboxMessage]) -> None:
        nonlocal created, failure
        try:
            made = await hand_over(batch, redis)
            made += await hand_over_emails(batch, redis)
            created += made  # (not `created += await ...`: that reads it before the await)
        except (RedisError, OSError) as exc:
            failure = exc
        finally:
            gate.release()

    undone = OutboxMessage.filter(completed_at=None, created_at__lte=now - RELAY_AFTER)
    try:
        after = await _resume_after(redis)
    except (RedisError, OSError) as exc:
        log.warning("outbox relay: Redis unreachable, nothing relayed: %s", exc)
        return 0
    ended = False
    async with asyncio.TaskGroup() as group:
        while True:
            page = undone
            if after is not None:
                created_at, last_id = after
                later = Q(created_at__gt=created_at)
                # (the bound alone first: SQLite reads the index from there, not through the OR)
                page = page.filter(created_at__gte=created_at).filter(
                    later | Q(created_at=created_at, id__gt=last_id)
                )
            batch = (
                await page.order_by("created_at", "id")
                .limit(batch_size)
                .only("id", "task", "created_at", "enqueued_at")
            )
            if batch:
                await gate.acquire()  # read no further ahead than the batches being sent
                group.create_task(send(batch))
                after = (batch[-1].created_at, batch[-1].id)
            ended = len(batch) < batch_size
            if ended or budget.spent or failure is not None:
                break
    if failure is not None:
        log.warning("outbox relay: Redis unreachable, the rest waits for the next run: %s", failure)
        return created
    await _leave_place(redis, None if ended else after)
    return created


async def _resume_after(redis: ArqRedis) -> tuple[datetime, UUID] | None:
    """Where the last run stopped, if its budget stopped it: (created_at, id). A place that
    does not read as one is forgotten, and the run starts from the oldest."""
    place = await redis.get(RESUME_KEY)
    if not place:
        return None
    text = place if isinstance(place, str) else place.decode(errors="replace")
    created_at, _, last_id = text.partition("|")
    try:
        return datetime.fromisoformat(created_at), UUID(last_id)
    except ValueError:
        log.warning("outbox relay: its kept place does not read as one; starting from the oldest")
        await redis.delete(RESUME_KEY)
        return None


async def _leave_place(redis: ArqRedis, after: tuple[datetime, UUID] | None) -> None:
    """Keep where this run stopped for the next one, or forget it when it read to the end."""
    try:
        if after is None:
            await redis.delete(RESUME_KEY)
        else:
            place = f"{after[0].isoformat()}|{after[1]}"
            await redis.set(RESUME_KEY, place, ex=RESUME_FOR)
    except (RedisError, OSError) as exc:  # the next run starts from the place kept before
        log.warning("outbox relay: could not keep its place: %s", exc)
