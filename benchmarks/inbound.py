"""What receiving a signed webhook costs, with a thousand webhooks stored, then a million.

    python -m benchmarks.inbound [--large 1000000] [--small 1000] [--requests 200]
                                 [--backend sqlite|postgres|both]

For each backend it builds a throwaway database with the committed migrations, fills the
table of received webhooks, and times requests through the real app (in process, without
Redis): `GET /healthz` (the baseline: routing and middleware only), a new signed webhook
(signature check, the de-duplicating lookup, the row and its outbox message in one
transaction) and a repeat of one (the lookup alone). Medians, in milliseconds. The unique
(source, webhook_id) index keeps both webhook figures flat as the table grows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime

import httpx
from starlette.datastructures import Secret
from tortoise.backends.base.executor import EXECUTOR_CACHE

from api.app import create_app
from benchmarks.backends import add_backend_argument, run_on_backends
from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.foundation.standard_webhooks import new_secret, sign
from models.infrastructure.db import database, migrate

SECRET = new_secret()
BODY = json.dumps({"type": "grants.expire_due", "data": {}}).encode()
COLUMNS = ("id", "source", "webhook_id", "type", "payload", "status", "job_id", "received_at")


def _rows(count: int, now: datetime) -> Iterator[tuple[object, ...]]:
    for n in range(count):
        yield (
            uuid.uuid4(),
            "billing",
            f"msg_stored_{n}",
            "grants.expire_due",
            "{}",
            "complete",
            f"job_{uuid.uuid4().hex}",
            now,
        )


async def _fill(url: str, count: int) -> None:
    rows = _rows(count, utcnow())
    if url.startswith("sqlite://"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite://")) as connection:
            marks = ", ".join("?" for _ in COLUMNS)
            connection.executemany(
                f"INSERT INTO inbound_webhook ({', '.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608
                ((str(r[0]), *r[1:7], r[7].isoformat(" ")) for r in rows),  # type: ignore[attr-defined]
            )
    else:
        import asyncpg  # type: ignore[import-untyped]

        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            await connection.copy_records_to_table(
                "inbound_webhook", records=list(rows), columns=COLUMNS
            )
            await connection.execute("ANALYZE inbound_webhook")
        finally:
            await connection.close()


async def _median(requests: int, call: Callable[[int], Awaitable[httpx.Response]]) -> float:
    timings = []
    for n in range(requests):
        started = time.perf_counter()
        response = await call(n)
        timings.append(time.perf_counter() - started)
        assert response.status_code in (200, 202), response.text
    return statistics.median(timings) * 1000


async def _measure(url: str, count: int, requests: int) -> tuple[float, float, float]:
    EXECUTOR_CACHE.clear()  # Tortoise caches SQL by connection name; we switch dialects
    await migrate(url)
    started = time.perf_counter()
    await _fill(url, count)
    print(f"    filled {count:>9,} webhooks in {time.perf_counter() - started:6.1f} s", flush=True)
    settings = Settings(
        database_url=url,
        environment="test",
        inbound_webhook_secrets={"billing": (Secret(SECRET),)},
    )
    app = create_app(settings)
    async with (
        database(url),
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as http,
    ):

        async def post(webhook_id: str) -> httpx.Response:
            headers = sign(SECRET, webhook_id, int(time.time()), BODY)
            return await http.post("/webhooks/billing", content=BODY, headers=headers)

        baseline = await _median(requests, lambda n: http.get("/healthz"))
        new = await _median(requests, lambda n: post(f"msg_new_{n}"))
        repeat = await _median(requests, lambda n: post("msg_stored_7"))
    return baseline, new, repeat


async def _backend(
    name: str, url_for: Callable[[str], str], sizes: tuple[int, int], requests: int
) -> None:
    print(f"{name}: one request through the app (median of {requests})", flush=True)
    for size, label in zip(sizes, ("small", "large"), strict=True):
        baseline, new, repeat = await _measure(url_for(label), size, requests)
        print(
            f"    {size:>9,} stored: /healthz {baseline:6.2f} ms (baseline), "
            f"new webhook {new:6.2f} ms ({new / baseline:.1f}x), "
            f"repeat {repeat:6.2f} ms ({repeat / baseline:.1f}x)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    add_backend_argument(parser)
    args = parser.parse_args()
    sizes = (args.small, args.large)
    run_on_backends(
        args.backend, lambda name, url_for: _backend(name, url_for, sizes, args.requests)
    )


if __name__ == "__main__":
    main()
