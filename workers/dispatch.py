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
from models.tables.outbox import NotificationEmail, OutboxMessage, RecipientStatus, Task
from workers.queue import JobSpec, enqueue_many

# The job that sends one recipient's email of a notification, under `notification:<id>`: not
# an outbox task, since `send_notification` (which is) plans the emails and queues one each.
NOTIFICATION_EMAIL = "send_notification_email"

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


def notification_email_job(email_id: object) -> JobSpec:
    """The job of one recipient's email of a notification, under an id of its own."""
    return JobSpec(NOTIFICATION_EMAIL, f"notification:{email_id}", (str(email_id),))


async def hand_over_emails(messages: Sequence[OutboxMessage], redis: ArqRedis) -> int:
    """The unsent emails of the notifications among `messages`, to arq again unless it holds
    their jobs; how many new jobs that made.

    A notification's own job plans its emails, then queues a job for each; it may have
    finished, or failed, with those jobs lost (Redis restarted empty, or went away as it
    queued them). arq keeps the notification job's result, so it refuses that job again
    until the result expires; its emails' jobs are what must come back.
    """
    notifications = [m.id for m in messages if m.task == Task.SEND_NOTIFICATION]
    if not notifications:
        return 0
    unsent = await NotificationEmail.filter(
        outbox_id__in=notifications, status__in=[RecipientStatus.PENDING, RecipientStatus.SENDING]
    ).values_list("id", flat=True)
    if not unsent:
        return 0
    return len(await enqueue_many(redis, [notification_email_job(e) for e in unsent]))
