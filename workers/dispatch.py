"""Handing committed outbox messages to arq, after the transaction that recorded them."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from arq.connections import ArqRedis
from redis.exceptions import RedisError

from models.foundation.clock import utcnow
from models.tables.outbox import OutboxMessage

log = logging.getLogger(__name__)


async def dispatch(messages: Sequence[OutboxMessage], redis: ArqRedis | None) -> int:
    """Enqueue each message under its own job id; returns how many new jobs that made.

    arq refuses a job id it still holds (queued, running, or done within `keep_result`), so
    a repeat is a no-op; either way the message is in arq's hands and marked enqueued. When
    Redis is unreachable the messages stay in the outbox, unenqueued, for the relay to send
    later: the change they belong to has committed already and is never undone.
    """
    if not messages or redis is None:
        return 0
    handed, created = [], 0
    for message in messages:
        try:
            job = await redis.enqueue_job(message.task, str(message.id), _job_id=message.job_id)
        except (RedisError, OSError) as exc:
            log.warning("outbox: Redis unreachable, %d message(s) wait: %s", len(messages), exc)
            break
        handed.append(message.id)
        created += job is not None
    if handed:
        await OutboxMessage.filter(id__in=handed).update(enqueued_at=utcnow())
    return created
