"""Prometheus metrics of HTTP requests, and `/metrics`, which serves the process's metrics."""

from __future__ import annotations

import time

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.exposition import choose_encoder
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter(
    "partnerhub_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "partnerhub_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
)

# Labels come from a fixed set, so a caller cannot make up new series: other methods are
# OTHER, and a path that matches no route is `unmatched`, never the raw path.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
# A client that went away before its request was read got no answer: not a 500 of ours, but
# the status proxies log for it ("client closed request").
CLIENT_CLOSED = 499


def _route(scope: Scope) -> str:
    """The template of the route that answered (`/dev/mail/{number:int}`); set by the router."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED


class MetricsMiddleware:
    """Counts and times every HTTP request; an exception that escapes counts as a 500, a
    client gone before its request was read as a 499."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        except ClientDisconnect:
            status = CLIENT_CLOSED
            raise
        finally:
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            route = _route(scope)
            REQUESTS.labels(method, route, str(status)).inc()
            REQUEST_SECONDS.labels(method, route).observe(time.perf_counter() - started)


async def metrics(request: Request) -> Response:
    """Public, as Prometheus scrapes it: it holds counts and timings, never data."""
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encode(REGISTRY), headers={"Content-Type": content_type})
