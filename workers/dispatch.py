"""After a change commits: its outbox messages handed to arq, and the objects it changed
announced to live subscribers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from arq.connections import ArqRedis
from redis.exceptions import RedisError

from models.foundation.clock import utcnow
from models.infrastructure.change_feed import announce
from models.operation import Operation
from models.tables.outbox import OutboxMessage
from workers.queue import JobSpec, enqueue_many

log = logging.getLogger(__name__)


async def after_commit(op: Operation, redis: ArqRedis | None) -> None:
    """Hand over what `op` committed: its jobs to arq and its changed objects to the change
    feed, side by side, so that a Redis that is down holds the caller up for REDIS_TIMEOUT
    once, not twice. Neither ever raises: the change has committed already."""
    await asyncio.gather(dispatch(op.committed, redis), announce(redis, op.changed))


async def dispatch(messages: Sequence[OutboxMessage], redis: ArqRedis | None) -> int:
    """Enqueue the messages, each under its own job id, in one round trip; returns how many
    new jobs that made.

    arq refuses a job id it still holds (queued, running, or done within `keep_result`), so
    a repeat is a no-op; either way the message is in arq's hands and marked enqueued. When
    Redis is unreachable, or does not answer within REDIS_TIMEOUT, the messages stay in the
    outbox for the relay to send later: the change they belong to has committed already and
    is never undone, and the caller does not wait any longer.
    """
    if not messages or redis is None:
        return 0
    try:
        return await hand_over(messages, redis)
    except (RedisError, OSError) as exc:
        log.warning("outbox: Redis unreachable, %d message(s) wait: %s", len(messages), exc)
        return 0


async def hand_over(messages: Sequence[OutboxMessage], redis: ArqRedis) -> int:
    """`dispatch`, raising Redis's error when it fails."""
    jobs = [JobSpec(message.task, message.job_id, (str(message.id),)) for message in messages]
    created = await enqueue_many(redis, jobs)
    # First handed over, or handed over again because arq had lost the job.
    marked = [m.id for m in messages if m.enqueued_at is None or m.job_id in created]
    if marked:
        await OutboxMessage.filter(id__in=marked).update(enqueued_at=utcnow())
    return len(created)
