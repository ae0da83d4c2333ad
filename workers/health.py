"""Whether a worker process can do its work, for its probes and its metrics.

A worker is ready while its polls of Redis succeed. While Redis is away it keeps running and
reconnects (`workers/supervision.py`), and says so: `/readyz` on METRICS_PORT answers 503
naming Redis, and `partnerhub_worker_redis_up` is 0. `/healthz` answers while the process is
up; every other path serves the Prometheus metrics.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter, Gauge, make_wsgi_app

REDIS_UP = Gauge(
    "partnerhub_worker_redis_up",
    "1 while the worker's polls of Redis succeed; 0 while it waits for Redis to come back.",
)
REDIS_OUTAGES = Counter(
    "partnerhub_worker_redis_outages",
    "Times the worker lost Redis and began to reconnect.",
)


@dataclass
class WorkerHealth:
    """What the worker last learnt of Redis."""

    redis_up: bool = False
    error: str | None = None
    down_since: float | None = field(default=None)  # monotonic clock

    def answered(self) -> float | None:
        """Redis answered; how long it had been away, if it had."""
        away = time.monotonic() - self.down_since if self.down_since is not None else None
        self.redis_up, self.error, self.down_since = True, None, None
        REDIS_UP.set(1)
        return away

    def failed(self, error: BaseException) -> bool:
        """Redis failed; True when this begins an outage."""
        began = self.down_since is None
        if began:
            self.down_since = time.monotonic()
            REDIS_OUTAGES.inc()
        self.redis_up = False
        self.error = f"{type(error).__name__}: {error}"[:200]
        REDIS_UP.set(0)
        return began


StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def probes_and_metrics(health: WorkerHealth) -> WsgiApp:
    """The worker's HTTP answers: `/healthz`, `/readyz`, and the metrics everywhere else."""
    metrics = make_wsgi_app()

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/healthz":
            return _json(start_response, 200, {"status": "ok"})
        if path == "/readyz":
            ready = health.redis_up
            redis = "ok" if ready else f"error: {health.error or 'not connected yet'}"
            body = {"status": "ready" if ready else "unavailable", "checks": {"redis": redis}}
            return _json(start_response, 200 if ready else 503, body)
        result: Iterable[bytes] = metrics(environ, start_response)
        return result

    return app


def _json(start_response: StartResponse, status: int, body: dict[str, Any]) -> list[bytes]:
    reason = {200: "OK", 503: "Service Unavailable"}[status]
    payload = json.dumps(body).encode()
    start_response(
        f"{status} {reason}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]
