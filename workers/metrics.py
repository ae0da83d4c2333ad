"""Prometheus metrics of jobs and emails, and the port a worker process serves them on.

arq has no HTTP server, so a worker serves its metrics itself when METRICS_PORT is set: a
small WSGI server, in a thread, on that port, which also answers the worker's probes
(`workers/health.py`). The web process serves its own on `/metrics`; `partnerhub dev` runs
the worker inside the web process, so there `/metrics` shows both.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from wsgiref.simple_server import WSGIRequestHandler, make_server

from arq import Retry
from arq.cron import CronJob
from arq.typing import WorkerCoroutine
from arq.worker import Function
from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.exposition import ThreadingWSGIServer

from workers.health import WorkerHealth, probes_and_metrics

COMPLETE, RETRY, FAILED = "complete", "retry", "failed"
SENT = "sent"

JOBS = Counter(
    "partnerhub_jobs",
    "Job runs, by task and outcome: complete, retry (arq runs it again) or failed.",
    ["task", "outcome"],
)
JOB_SECONDS = Histogram(
    "partnerhub_job_duration_seconds",
    "Time a job run took, by task.",
    ["task"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
JOB_LAST_END = Gauge(
    "partnerhub_job_last_end_timestamp_seconds",
    "When a run of the task last ended (Unix time), by task and outcome: for a cron job "
    "such as cron:relay_outbox, when it last ran.",
    ["task", "outcome"],
)
EMAILS = Counter(
    "partnerhub_emails",
    "Emails by template and outcome: sent, or failed for good (after the last try).",
    ["template", "outcome"],
)

Job = TypeVar("Job", Function, CronJob)


def measured(job: Job) -> Job:
    """The same arq job, counted by outcome and timed at every run."""
    return dataclasses.replace(job, coroutine=_measure(job.name, job.coroutine, job.timeout_s))


def _measure(task: str, coroutine: WorkerCoroutine, timeout_s: float | None) -> WorkerCoroutine:
    @functools.wraps(coroutine)
    async def run(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        outcome = FAILED
        try:
            result = await coroutine(ctx, *args, **kwargs)
            outcome = COMPLETE
            return result
        except Retry:
            outcome = RETRY
            raise
        except asyncio.CancelledError:
            # arq cancels a job at its timeout (a failure) or when the worker stops (the job
            # runs again); only the time it ran tells the two apart.
            timed_out = timeout_s is not None and time.perf_counter() - started >= timeout_s
            outcome = FAILED if timed_out else RETRY
            raise
        finally:
            JOBS.labels(task, outcome).inc()
            JOB_LAST_END.labels(task, outcome).set_to_current_time()
            JOB_SECONDS.labels(task).observe(time.perf_counter() - started)

    return run


class _QuietHandler(WSGIRequestHandler):
    """No line on stderr for each scrape or probe."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_metrics(port: int, health: WorkerHealth) -> Callable[[], Awaitable[None]]:
    """Serve this process's metrics and probes on `port`, all interfaces; returns the
    coroutine to stop."""
    server = make_server(
        "0.0.0.0",  # noqa: S104 (scraped from elsewhere, as METRICS_PORT documents)
        port,
        probes_and_metrics(health),
        ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    async def stop() -> None:
        await asyncio.to_thread(server.shutdown)
        server.server_close()
        thread.join()

    return stop
