"""Jobs that meet the database or Redis away: tried again shortly, instead of failing.

arq records a job that raises as failed, and keeps that result for an hour; the outbox relay
hands a message back to arq only once arq no longer holds its job. So a job cut off by a
PostgreSQL restart or a Redis failover (a connection refused, reset or closed mid-query, a
server shutting down) would leave its effect waiting an hour. Such an error becomes arq's
`Retry` instead, a few seconds later and longer at each try, within the job's `max_tries`.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from typing import Any

from arq import Retry
from arq.typing import WorkerCoroutine
from arq.worker import Function
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from models.infrastructure.db import DATABASE_AWAY

log = logging.getLogger(__name__)

# The database or Redis away or going: nothing about the job itself.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    *DATABASE_AWAY,
    OSError,  # a server unreachable, besides refused or reset (ConnectionError)
    RedisConnectionError,
    RedisTimeoutError,
)
STEP = 5.0  # seconds before the first retry; the n-th waits n times this
LONGEST = 60.0


def retry_delay(job_try: int) -> float:
    """Seconds before the next try of a job whose `job_try`-th try met an outage."""
    return min(LONGEST, STEP * max(1, job_try))


def rides_out_outages(function: Function) -> Function:
    """The same arq job, retried when the database or Redis is away."""
    return dataclasses.replace(function, coroutine=_retried(function.name, function.coroutine))


def _retried(name: str, coroutine: WorkerCoroutine) -> WorkerCoroutine:
    @functools.wraps(coroutine)
    async def run(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await coroutine(ctx, *args, **kwargs)
        except UNAVAILABLE as exc:
            delay = retry_delay(int(ctx.get("job_try", 1)))
            log.warning("%s: %s, tried again in %g s", name, type(exc).__name__, delay)
            raise Retry(defer=delay) from exc

    return run
