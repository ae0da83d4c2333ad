"""A job that meets the database or Redis away is tried again shortly, not failed for good
(`workers/outages.py`); any other error fails it as before. The whole of it, with real
processes and a real PostgreSQL restart, is `tests/test_chaos.py`'s."""

from __future__ import annotations

from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from arq import Retry
from arq.worker import func

from workers.outages import LONGEST, rides_out_outages


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
