"""A job that meets the database or Redis away is tried again shortly, not failed for good
(`workers/outages.py`); any other error fails it as before. The whole of it, with real
processes and a real PostgreSQL restart, is `tests/test_chaos.py`'s."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from arq import Retry
from arq.worker import func
from redis.exceptions import RedisError

from models.foundation.settings import Settings
from tests.servers import RedisServer
from tests.worker_processes import WAIT
from workers.outages import LONGEST, rides_out_outages
from workers.queue import longest_command, queue_client, worker_command_retries


def _job(error: BaseException) -> Any:
    async def job(ctx: dict[Any, Any]) -> str:
        raise error

    return rides_out_outages(func(job, name="job")).coroutine


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionResetError(104, "Connection reset by peer"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.CannotConnectNowError("the database system is shutting down"),
    ],
)
async def test_an_outage_is_retried_later_at_each_try(error: BaseException) -> None:
    job = _job(error)
    delays = []
    for job_try in (1, 2, 30):
        with pytest.raises(Retry) as raised:
            await job({"job_try": job_try})
        delays.append(raised.value.defer_score)
    assert delays == [5000, 10000, LONGEST * 1000]


async def test_any_other_error_fails_the_job() -> None:
    with pytest.raises(ValueError, match="a bug"):
        await _job(ValueError("a bug"))({"job_try": 1})


@pytest.mark.parametrize(
    ("redis_timeout", "job_timeout", "retries"),
    [(2.0, 40, 3), (1.0, 8, 2), (1.0, 4, 0), (2.0, 4, 0), (0.5, 4, 1)],
)
def test_a_worker_gives_a_redis_command_up_within_half_a_job_time_out(
    redis_timeout: float, job_timeout: int, retries: int
) -> None:
    # Given REDIS_TIMEOUT and JOB_TIMEOUT
    settings = Settings(redis_timeout=redis_timeout, job_timeout=job_timeout, smtp_timeout=1.0)

    # Then the worker's Redis client tries a command again as often as it may while the
    # longest the command can take against a hung Redis stays within half a job's time-out
    # (a job that met it is then tried again later, instead of cut off by arq and failed)
    assert worker_command_retries(settings) == retries
    assert longest_command(redis_timeout, retries) <= job_timeout / 2 or retries == 0
    assert retries == 3 or longest_command(redis_timeout, retries + 1) > job_timeout / 2


@pytest.mark.parametrize("connection", ["new", "used"])
async def test_a_worker_redis_command_gives_up_while_redis_hangs(
    redis_server: RedisServer, connection: str
) -> None:
    # Given a worker's Redis client at the default settings' retries (3), whose connection
    # is new, or has answered before
    settings = Settings(redis_url=redis_server.url, redis_timeout=0.5, smtp_timeout=1.0)
    client = queue_client(settings, retries=worker_command_retries(settings))
    try:
        if connection == "used":
            assert await client.ping()

        # When Redis hangs: it takes connections and answers nothing
        redis_server.pause()
        try:
            # Then a command gives up with Redis's error, within its retries: a new
            # connection's handshake does not check it again and again until Redis answers
            with pytest.raises(RedisError):
                async with asyncio.timeout(WAIT):
                    await client.set("partnerhub:probe", "1")
        finally:
            redis_server.resume()
    finally:
        await client.aclose()
