"""A worker told to stop stops, even when the cancellation of its poll loop is lost."""

from __future__ import annotations

import asyncio
import signal
import sys

import pytest

from models.foundation.settings import Settings
from workers.supervision import SupervisedWorker
from workers.worker import worker_options

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class CommandInFlight(SupervisedWorker):
    """A worker whose poll loop, after each turn, waits on a command as redis-py sends one:
    through `asyncio.wait_for`, here on a future the test completes."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.sent: asyncio.Future[None] | None = None
        self.waiting = asyncio.Event()
        self.cancellation_lost = False

    async def _poll_iteration(self) -> None:
        await super()._poll_iteration()
        if self.closing:
            return
        self.sent = asyncio.get_running_loop().create_future()
        self.waiting.set()
        await asyncio.wait_for(self.sent, timeout=30)
        task = asyncio.current_task()
        assert task is not None
        self.cancellation_lost = task.cancelling() > 0


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param("handle_sig", id="cancelled at once"),
        pytest.param("handle_sig_wait_for_completion", id="after its jobs, as on SIGTERM"),
    ],
)
async def test_a_worker_stops_at_its_next_turn_when_the_cancellation_of_its_loop_is_lost(
    db: Settings, stop: str
) -> None:
    # Given a running worker whose poll loop waits on a command in flight, and which
    # completes that command just as its loop is cancelled (arq calls `on_stop` then)
    options = worker_options(db) | {"handle_signals": False, "job_completion_wait": 1}
    worker = CommandInFlight(**options)
    running = asyncio.create_task(worker.async_run())

    def command_completes(_: signal.Signals) -> None:
        if worker.sent is not None and not worker.sent.done():
            worker.sent.set_result(None)

    worker.on_stop = command_completes
    try:
        async with asyncio.timeout(30):
            await worker.waiting.wait()

        # When it is told to stop, through either of arq's signal handlers (the one that
        # `partnerhub worker` installs waits for the jobs under way first)
        getattr(worker, stop)(signal.SIGTERM)

        # Then Python 3.11's wait_for drops the cancellation (it returns the command's
        # answer instead), and yet the poll loop ends at its next turn, and so does the worker
        async with asyncio.timeout(10):
            await asyncio.gather(running, return_exceptions=True)
        if sys.version_info < (3, 12):
            assert worker.cancellation_lost
            assert running.result() is None  # ended by its own loop, not by the cancellation
        else:
            assert running.cancelled()
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await worker.close()
