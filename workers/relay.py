"""The outbox relay: every outbox message not yet done goes back to arq unless arq holds it.

A change's messages are dispatched when it commits (`workers/dispatch.py`); the relay, a
cron job every RELAY_EVERY seconds, catches what that missed: messages never handed over
(Redis was down or slow), and messages whose job arq lost (Redis restarted empty, failed
over to a replica that had not received them, or the job failed and its result has
expired). It hands each undone message to arq again under its own job id; arq refuses an id
it still holds (queued, deferred for a retry, running, or finished moments ago), so only
lost jobs come back, within 20 seconds of the loss (or of Redis answering again), and none
twice. For a notification it also hands back the jobs of its emails not sent yet: its own
job may have finished (its result kept by arq) after planning them, while their jobs were
lost.

It reads the undone messages through the `(completed_at, created_at, id)` index, a batch at a
time, and enqueues each batch in one round trip, a few batches at once, within a time budget
shorter than the time between runs (RELAY_BUDGET): a backlog of a long outage drains over a
few runs, one at a time, and never holds a job slot past its time-out.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from arq.connections import ArqRedis
from redis.exceptions import RedisError
from tortoise.expressions import Q

from models.foundation.budget import Budget
from models.tables.outbox import OutboxMessage
from workers.dispatch import hand_over, hand_over_emails

log = logging.getLogger(__name__)

# A message this old is relayed: younger ones are still being dispatched by their request
# (whose Redis commands give up after REDIS_TIMEOUT, 2 s unless configured).
RELAY_AFTER = timedelta(seconds=10)
RELAY_EVERY = 10  # seconds between the cron's runs: a lost job waits at most this much more
RELAY_BUDGET = 5.0  # seconds a run starts new batches in, so that runs do not overlap
BATCH = 500  # messages read, and enqueued in one round trip, at a time
BATCHES_AT_ONCE = 4


async def relay(
    redis: ArqRedis | None, now: datetime, budget: Budget, batch_size: int = BATCH
) -> int:
    """Hand every undone message older than RELAY_AFTER to arq again, oldest first, until
    none is left or the budget is spent; how many jobs arq did not hold and now does."""
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
    after: OutboxMessage | None = None
    async with asyncio.TaskGroup() as group:
        while True:
            page = undone
            if after is not None:
                later = Q(created_at__gt=after.created_at)
                page = page.filter(later | Q(created_at=after.created_at, id__gt=after.id))
            batch = (
                await page.order_by("created_at", "id")
                .limit(batch_size)
                .only("id", "task", "created_at", "enqueued_at")
            )
            if batch:
                await gate.acquire()  # read no further ahead than the batches being sent
                group.create_task(send(batch))
                after = batch[-1]
            if len(batch) < batch_size or budget.spent or failure is not None:
                break
    if failure is not None:
        log.warning("outbox relay: Redis unreachable, the rest waits for the next run: %s", failure)
    return created
