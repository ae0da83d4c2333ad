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


async def test_a_worker_stops_at_its_next_turn_when_the_cancellation_of_its_loop_is_lost(
    db: Settings,
) -> None:
    # Given a running worker whose poll loop waits on a command in flight
    worker = CommandInFlight(**worker_options(db))
    running = asyncio.create_task(worker.async_run())
    try:
        async with asyncio.timeout(30):
            await worker.waiting.wait()
        assert worker.sent is not None

        # When the command completes just as the worker is told to stop (SIGTERM's handler)
        worker.sent.set_result(None)
        worker.handle_sig(signal.SIGTERM)

        # Then Python 3.11's wait_for drops the cancellation (it returns the command's
        # answer instead), and yet the poll loop ends at its next turn, and so does the worker
        async with asyncio.timeout(10):
            await asyncio.gather(running, return_exceptions=True)
        if sys.version_info < (3, 12):
            assert worker.cancellation_lost
        assert worker.main_task is not None
        assert worker.main_task.done()
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await worker.close()
