"""The bare baseline of the removal benchmark: an arq worker whose one job does nothing.

    python -m arq benchmarks.bare_arq.DefaultWorker       (arq's settings, as they come)
    python -m arq benchmarks.bare_arq.SamePollWorker      (Partnerhub's poll delay)

Each listens on a queue of its own (BENCH_REDIS_URL), so Partnerhub's worker on the same
Redis never takes their jobs, nor they its.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from arq.connections import RedisSettings
from arq.typing import WorkerCoroutine

from workers.worker import POLL_DELAY

DEFAULT_QUEUE = "bench:arq-defaults"
SAME_POLL_QUEUE = "bench:same-poll"


async def empty(ctx: dict[str, Any]) -> None:
    """Nothing: the round trip is all that is measured."""


def _redis() -> RedisSettings:
    return RedisSettings.from_dsn(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379"))


class DefaultWorker:
    functions: ClassVar[list[WorkerCoroutine]] = [empty]
    queue_name = DEFAULT_QUEUE
    redis_settings = _redis()


class SamePollWorker:  # arq reads a settings class's own attributes only: no inheritance
    functions: ClassVar[list[WorkerCoroutine]] = [empty]
    queue_name = SAME_POLL_QUEUE
    redis_settings = _redis()
    poll_delay = POLL_DELAY
