"""arq's worker, kept alive through Redis outages and failovers.

arq's worker polls Redis in a loop and ends with the first error it meets there, in its
poll, in a job's bookkeeping, or when it starts: a Redis restarted for ten seconds would
stop every worker, and under a supervisor such as honcho every other process with it. This
worker instead counts such an error as Redis being away: it reports itself not ready
(`workers/health.py`), drops its connections (a failover may have moved the server behind
the address), waits with a growing, jittered backoff, and polls again. Jobs under way go on
meanwhile; what they could not record in Redis, arq's in-progress mark makes run again.
Only Redis's errors are taken so: any other error still ends the worker, as arq would.

Three things a hung Redis (one that accepts connections and answers nothing) showed up:
- A job whose own bookkeeping in Redis failed (arq's reads before it runs, its result after)
  ends with Redis's error, and arq raised it from the poll loop at the next turn, long after
  Redis was back: each such job cost a backoff of up to 10 seconds in which the worker ran
  nothing and enqueued no cron job, one job after the other (20 of them, minutes). Such a job
  is logged and left to arq's in-progress mark here; the poll loop hears only of its own
  commands.
- Dropping the connections jobs were using cut them mid-command (redis-py then raised an
  AttributeError, which ended the worker); only idle connections are dropped.
- arq moves a cron job to its next run time before it enqueues the current one, so a tick
  whose enqueue failed was skipped (10 seconds of the outbox relay); here it stays due, and is
  enqueued at the first poll that reaches Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from arq.utils import to_unix_ms
from arq.worker import Worker
from redis.exceptions import RedisError

from workers.health import WorkerHealth

log = logging.getLogger(__name__)

# What Redis being away looks like: redis-py's errors, and the socket's own.
REDIS_FAILURES: tuple[type[BaseException], ...] = (RedisError, OSError)
# Seconds `close` lets the poll loop take to reach the end of its turn before cancelling it.
CLOSE_WAIT = 5.0


class _Closing(Exception):
    """Raised at the start of a poll once the worker is closing: the loop ends there."""


@dataclass
class Backoff:
    """Seconds to wait before the next attempt to reach Redis: from `first`, doubling up to
    `ceiling`, each jittered down by up to half so that many workers do not come back at once."""

    first: float = 0.5
    ceiling: float = 10.0
    failures: int = 0

    def next(self) -> float:
        delay: float = min(self.ceiling, self.first * 2.0**self.failures)
        self.failures += 1
        return delay * random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.failures = 0


class SupervisedWorker(Worker):
    """An arq `Worker` that rides out Redis outages instead of exiting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.health = WorkerHealth()
        self.ctx["health"] = self.health
        self.backoff = Backoff()
        self.closing = False

    async def main(self) -> None:
        # Start-up itself reads Redis (arq logs the server's details): wait for it too.
        while not self.closing:
            try:
                await super().main()
            except _Closing:
                return
            except REDIS_FAILURES as exc:
                if self.closing:
                    return  # (the error is the pool being closed under it)
                await self._redis_failed(exc)
            else:
                return

    async def _poll_iteration(self) -> None:
        if self.closing:
            raise _Closing
        try:
            await super()._poll_iteration()
        except REDIS_FAILURES as exc:
            await self._redis_failed(exc)
        else:
            away = self.health.answered()
            self.backoff.reset()
            if away is not None:
                log.info("worker: Redis answers again after %.1f s; polling resumes", away)

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        """arq's, one job at a time: arq takes a job slot before it asks Redis whether the
        job runs elsewhere, and would keep it if Redis failed then. Give it back, or each
        outage would leave the worker a slot short; but only when arq still holds it and
        started no job in it (Redis may fail as arq's pipeline ends, after arq gave the slot
        back itself, or after the job started: that job gives it back when it ends)."""
        for job_id in job_ids:
            if self.job_counter >= self.max_jobs:
                return
            held, running = self.job_counter, self.tasks.get(job_id.decode())
            try:
                await super().start_jobs([job_id])
            except REDIS_FAILURES:
                started = self.tasks.get(job_id.decode()) is not running
                if self.job_counter > held and not started:
                    self.job_counter -= 1
                    self.sem.release()
                raise

    async def run_job(self, job_id: str, score: int) -> None:
        """arq's, except that Redis failing in the job's bookkeeping ends the job here, with
        a warning, instead of in the poll loop's next turn (see the module's docstring).
        arq's in-progress mark keeps the job from running again until it expires; the job
        is still queued, and runs again then (its side effects are recorded: at most the
        one message it was sending goes out again, under the same Message-ID)."""
        try:
            await super().run_job(job_id, score)
        except REDIS_FAILURES as exc:
            log.warning(
                "worker: job %s met Redis away in arq's bookkeeping (%s: %s); it runs again "
                "once its in-progress mark expires",
                job_id,
                type(exc).__name__,
                exc,
            )

    async def run_cron(self, n: datetime, delay: float, num_windows: int = 2) -> None:
        """arq's scheduling of cron jobs, except that a run whose enqueue failed stays due,
        and so do those after it (Redis is away: the poll fails at once rather than waiting
        REDIS_TIMEOUT for each): arq would already have moved the job to its next run time,
        skipping this one, and enqueued the others all the same. A
        run enqueued late (Redis was away at its time) runs at once, and the next one is
        reckoned from now, so that an outage of many minutes makes one run, not one each.
        Each run keeps arq's job id (`cron:<name>:<time in ms>`), so that the run enqueued by
        every worker runs once. An enqueue that failed may in fact have landed (Redis ran it
        and its answer was lost); enqueued again, it is refused while arq holds the job, and
        could run twice only if it ran in between: each cron job reads what is due from the
        database, so a second run finds nothing left to do."""
        cutoff = n + timedelta(seconds=delay * num_windows)
        for job in self.cron_jobs:
            if job.next_run is None:
                if job.run_at_startup:
                    job.next_run = n
                else:
                    job.calculate_next(n)
                    continue
            if job.next_run >= cutoff:
                continue
            due = job.next_run
            # Should Redis fail, this run and those after it stay due for the next poll.
            await self.pool.enqueue_job(
                job.name,
                _job_id=job.job_id or (f"{job.name}:{to_unix_ms(due)}" if job.unique else None),
                _queue_name=self.queue_name,
                _defer_until=due if due > datetime.now(tz=self.timezone) else None,
            )
            job.calculate_next(max(due, n))

    async def _redis_failed(self, error: BaseException) -> None:
        began = self.health.failed(error)
        delay = self.backoff.next()
        if began:
            log.warning(
                "worker: Redis is unreachable (%s); jobs under way go on, and the worker "
                "reconnects, next in %.1f s",
                self.health.error,
                delay,
            )
        else:
            log.info("worker: Redis still unreachable (%s); next try in %.1f s", error, delay)
        if self._pool is not None:
            # New connections from now on: a failover may have moved the server.
            # Idle ones only: those in use belong to jobs under way, which would be cut off
            # mid-command; each drops its own if it fails.
            with contextlib.suppress(Exception):
                await self.pool.connection_pool.disconnect(inuse_connections=False)
        await asyncio.sleep(delay)

    def handle_sig(self, signum: signal.Signals) -> None:
        """arq's: cancel the jobs under way and the poll loop. The loop also ends at its next
        turn whatever becomes of that cancellation: Python 3.11's `asyncio.wait_for`, which
        redis-py sends each command through, drops a cancellation that arrives as the command
        completes, and the loop would then poll on and the worker never stop."""
        self.closing = True
        super().handle_sig(signum)

    async def _wait_for_tasks_to_complete(self, signum: signal.Signals) -> None:
        """arq's stop on SIGTERM or SIGINT (`job_completion_wait`): the jobs under way get
        that long to finish, then they and the poll loop are cancelled; the loop also ends
        at its next turn, as after `handle_sig`."""
        try:
            await super()._wait_for_tasks_to_complete(signum)
        finally:
            self.closing = True

    async def close(self) -> None:
        """arq's close, which does not give up when Redis is away: the jobs under way
        finish, then the poll loop, then on_shutdown runs (the database is closed), and the
        connections go."""
        self.closing = True
        main = self.main_task
        if main is not None and not main.done() and main is not asyncio.current_task():
            # The poll loop ends at its next turn, between two commands rather than in one
            # (a pipeline cancelled half-way would keep its connection).
            await asyncio.wait([main], timeout=self.poll_delay_s + CLOSE_WAIT)
        if not self._handle_signals:
            self.handle_sig(signal.SIGUSR1)
        if not self._pool:
            return
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        if main is not None and main is not asyncio.current_task():
            await asyncio.gather(main, return_exceptions=True)
        with contextlib.suppress(*REDIS_FAILURES):
            await self.pool.delete(self.health_check_key)
        if self.on_shutdown:
            await self.on_shutdown(self.ctx)
        with contextlib.suppress(*REDIS_FAILURES):
            await self.pool.aclose()
        self._pool = None
