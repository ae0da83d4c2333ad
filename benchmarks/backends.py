"""The databases every benchmark runs on: a throwaway SQLite file and a throwaway PostgreSQL
server (the test suite's own, `tests/servers.py`), each chosen with `--backend`."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from tests.servers import PostgresServer

# A database URL for a label (`small`, `large`): each label its own empty database.
UrlFor = Callable[[str], str]


def add_backend_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")


def run_on_backends(choice: str, run: Callable[[str, UrlFor], Coroutine[Any, Any, None]]) -> None:
    """`run(name, url_for)` on SQLite, then on PostgreSQL, as `choice` (`--backend`) says."""
    with tempfile.TemporaryDirectory() as folder:
        if choice in ("sqlite", "both"):
            asyncio.run(run("SQLite", lambda label: f"sqlite://{Path(folder) / label}.db"))
        if choice in ("postgres", "both"):
            with PostgresServer() as server:
                asyncio.run(
                    run("PostgreSQL", lambda label: server.create_database(f"bench_{label}"))
                )
