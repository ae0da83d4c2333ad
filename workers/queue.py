"""Redis as the web and the workers reach it: arq's client with time-outs, and many jobs
enqueued in one round trip.

arq's own `RedisSettings` sets a connect time-out but no read time-out, so a Redis that
accepts connections and never answers (stopped with SIGSTOP, a full network buffer, a
failover half done) would hold the caller forever. Every client here connects and reads
within REDIS_TIMEOUT: the web gives up at once and leaves what a change recorded in the
outbox; a worker tries a command again a few times, with backoff, then rides the outage out
(`workers/supervision.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from arq.connections import ArqRedis
from arq.constants import default_queue_name, job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from models.foundation.settings import Settings
from models.infrastructure.redis_clients import redis_client

# A worker retries a command this many times, waiting from a fifth of a second up to one
# second between tries: enough for a connection dropped by a failover. Fewer when
# REDIS_TIMEOUT is long next to JOB_TIMEOUT (`worker_command_retries`).
WORKER_COMMAND_RETRIES = 3
# Idle connections are checked with a PING before reuse once they are this old (seconds), so
# a connection that a failover or a restart cut is replaced before a command is lost on it.
HEALTH_CHECK_INTERVAL = 10
# arq drops a queued job whose key has expired; a job is kept this much longer than the
# longest an email keeps retrying, so a retry deferred to the end of the window still runs.
JOB_KEY_MARGIN_MS = 86_400_000


def _backoff() -> ExponentialBackoff:
    return ExponentialBackoff(cap=1.0, base=0.1)


def longest_command(redis_timeout: float, retries: int) -> float:
    """Seconds a command may take at most against a Redis that does not answer: each try
    waits REDIS_TIMEOUT, and the pauses between them."""
    pauses = sum(_backoff().compute(failures) for failures in range(1, retries + 1))
    return (retries + 1) * redis_timeout + pauses


def worker_command_retries(settings: Settings) -> int:
    """How many times a worker tries a Redis command again: WORKER_COMMAND_RETRIES, or as
    many as keep the command within half of JOB_TIMEOUT.

    A job whose command met a hung Redis must give up in time to be tried again later
    (`workers/outages.py`): cut off by arq's time-out instead, it fails for good, and its
    outbox message waits until arq forgets the failure (10 minutes) before the relay hands
    it back. At the defaults (2 s, 40 s) a command may take 9.4 s, with all three retries.
    """
    for retries in range(WORKER_COMMAND_RETRIES, 0, -1):
        if longest_command(settings.redis_timeout, retries) <= settings.job_timeout / 2:
            return retries
    return 0


async def _handshake(connection: AbstractConnection) -> None:
    """redis-py's handshake of a new connection, the connection counted as just checked.

    redis-py checks a connection that has never answered before its first command, the
    handshake's own: against a Redis that accepts connections and answers nothing, that
    check's retry reconnects, whose handshake checks again, and so on, so that a command
    with retries never gave up while Redis hung (it waited for Redis, past JOB_TIMEOUT).
    The handshake's own answers check the connection well enough."""
    connection.next_health_check = asyncio.get_running_loop().time() + HEALTH_CHECK_INTERVAL
    await connection.on_connect()


def queue_client(settings: Settings, *, retries: int = 0) -> ArqRedis:
    """arq's client for REDIS_URL: each connect and each answer within REDIS_TIMEOUT;
    `retries` more tries of a command that met a dropped connection or a time-out."""
    if not settings.redis_url:
        raise ValueError("REDIS_URL is not set")
    retry_options: dict[str, Any] = {}
    if retries:
        retry_options = {
            "retry": Retry(_backoff(), retries),
            "retry_on_error": [RedisConnectionError, RedisTimeoutError, OSError],
        }
    client = redis_client(
        settings.redis_url,
        ArqRedis,
        socket_connect_timeout=settings.redis_timeout,
        socket_timeout=settings.redis_timeout,
        health_check_interval=HEALTH_CHECK_INTERVAL,
        redis_connect_func=_handshake,
        **retry_options,
    )
    client.expires_extra_ms = int(sum(settings.email_retry_delays) * 1000) + JOB_KEY_MARGIN_MS
    return client


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A job to enqueue: the function's name, the job id that makes a repeat a no-op, and
    its arguments."""

    function: str
    job_id: str
    args: tuple[Any, ...] = ()


# For each job: unless arq holds its id (a queued or running job's key, or a finished one's
# result), store the job and queue it now. All of it at once, as arq's `enqueue_job` does for
# one job with WATCH and MULTI. KEYS: the queue, then each job's key and result key.
# ARGV: the key's lifetime in ms, the score, then each job's id and serialized job.
_ENQUEUE = """
local created = {}
for i = 1, (#KEYS - 1) / 2 do
  local job_key, result_key = KEYS[2 * i], KEYS[2 * i + 1]
  local job_id, job = ARGV[2 * i + 1], ARGV[2 * i + 2]
  if redis.call('EXISTS', job_key, result_key) == 0 then
    redis.call('PSETEX', job_key, ARGV[1], job)
    redis.call('ZADD', KEYS[1], ARGV[2], job_id)
    created[#created + 1] = job_id
  end
end
return created
"""


async def enqueue_many(redis: ArqRedis, jobs: Sequence[JobSpec]) -> set[str]:
    """Enqueue the jobs in one round trip, each under its id; the ids of the jobs it made
    (arq refuses an id it still holds, so the others were there already)."""
    if not jobs:
        return set()
    now = timestamp_ms()
    keys = [default_queue_name]
    argv: list[Any] = [redis.expires_extra_ms, now]
    for job in jobs:
        keys += [job_key_prefix + job.job_id, result_key_prefix + job.job_id]
        job_bytes = serialize_job(
            job.function, job.args, {}, None, now, serializer=redis.job_serializer
        )
        argv += [job.job_id, job_bytes]
    created = await redis.register_script(_ENQUEUE)(keys=keys, args=argv)
    return {value.decode() if isinstance(value, bytes) else str(value) for value in created}
