"""The garbage collector's share of a relationships page, as Python sets it up and as
`partnerhub web` settles it after start-up (`api/heap.py`), in one process, in turns.

    python -m benchmarks.heap [--pages 300] [--rounds 3] [--first 50]

It starts a throwaway PostgreSQL, gives a customer admin `--first` partners (as
`benchmarks/web.py` does) and asks the app, in process through its ASGI interface, for the
relationships page `--pages` times per turn: first with CPython's collector as it starts
(nothing frozen; CPython 3.11 collects the youngest generation every 700 allocations), then settled;
`--rounds` times. Each turn prints the process's CPU time per page and the collector's own
share of it (timed through `gc.callbacks`), with the collections of each generation. The
baseline is the first way, in the same run; the ratio of the best CPU times comes last.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
from typing import Any

import httpx
from starlette.datastructures import Secret

from api.app import create_app
from api.heap import settle_after_start_up
from benchmarks.load import PRODUCTION, machine_load
from benchmarks.web import RELATIONSHIPS, seed
from models.foundation.settings import Settings
from tests.servers import PostgresServer


class CollectorClock:
    """The time the collector takes, and its collections by generation, while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
            return
        self.seconds += time.perf_counter() - self._began
        self.collections[info["generation"]] += 1


# The collector's thresholds as this interpreter starts (CPython 3.11: 700, 10, 10).
STARTING_THRESHOLDS = gc.get_threshold()


def _as_python_starts() -> None:
    gc.unfreeze()
    gc.set_threshold(*STARTING_THRESHOLDS)


async def _turn(client: httpx.AsyncClient, body: str, token: str, pages: int, label: str) -> float:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    clock = CollectorClock()
    gc.callbacks.append(clock)
    try:
        began = time.process_time()
        for _ in range(pages):
            answer = await client.post("/graphql", content=body, headers=headers)
            if answer.status_code != 200 or "errors" in answer.json():
                raise RuntimeError(f"the page failed: {answer.text[:300]}")
        used = (time.process_time() - began) / pages
    finally:
        gc.callbacks.remove(clock)
    print(
        f"    {label:<24} CPU {used * 1000:6.2f} ms a page, of which the collector "
        f"{clock.seconds / pages * 1000:5.2f} ms (collections by generation: "
        f"{clock.collections[0]}, {clock.collections[1]}, {clock.collections[2]})",
        flush=True,
    )
    return used


async def _run(url: str, args: argparse.Namespace) -> None:
    token = await seed(url, args.first)
    app = create_app(
        Settings(
            database_url=url,
            environment="production",
            secret_key=Secret(PRODUCTION["SECRET_KEY"]),
            public_url=PRODUCTION["PUBLIC_URL"],
            public_url_set=True,
        )
    )
    body = json.dumps({"query": RELATIONSHIPS, "variables": {"first": args.first}})
    as_started, settled = [], []
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=PRODUCTION["PUBLIC_URL"]) as c,
    ):
        await _turn(c, body, token, 20, "warm-up")
        for round_ in range(args.rounds):
            print(f"  round {round_ + 1}", flush=True)
            _as_python_starts()
            as_started.append(await _turn(c, body, token, args.pages, "as Python starts"))
            settle_after_start_up()
            settled.append(await _turn(c, body, token, args.pages, "settled (api/heap.py)"))
    _as_python_starts()
    print(f"  {machine_load()}")
    print(
        f"  best: {min(as_started) * 1000:.2f} ms as Python starts, {min(settled) * 1000:.2f} ms "
        f"settled; ratio (CPU a page, settled / as Python starts): "
        f"{min(settled) / min(as_started):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=300, help="pages per turn")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--first", type=int, default=50, help="relationships on the page")
    args = parser.parse_args()
    with PostgresServer() as postgres:
        url = postgres.create_database("bench_heap")
        print(
            f"PostgreSQL: relationships(first: {args.first}), {args.pages} pages a turn, in "
            f"process; {machine_load()}",
            flush=True,
        )
        asyncio.run(_run(url, args))


if __name__ == "__main__":
    main()
