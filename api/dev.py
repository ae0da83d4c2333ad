"""`partnerhub dev`: the web app and the worker in one process, for a developer's machine."""

from __future__ import annotations

import asyncio

import uvicorn

from api.app import create_app
from api.settings import Settings
from models.db import migrate
from workers.settings import create_worker


async def run_dev(settings: Settings, host: str, port: int) -> None:
    """Migrate, then serve the app and run the worker until interrupted."""
    missing = [
        name
        for name, value in (("REDIS_URL", settings.redis_url), ("SMTP_URL", settings.smtp_url))
        if not value
    ]
    if missing:
        raise SystemExit(
            f"partnerhub dev: set {' and '.join(missing)} (for example redis://127.0.0.1:6379/0 "
            "and smtp://127.0.0.1:1025); the embedded Redis and mailbox are not built in yet."
        )
    for name in await migrate(settings.database_url):
        print(f"applied migration {name}", flush=True)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host=host, port=port))
    worker = create_worker(settings, handle_signals=False)
    print(
        f"Partnerhub on {settings.public_url} (GraphQL at {settings.public_url}/graphql)",
        flush=True,
    )
    worker_task = asyncio.create_task(worker.async_run())
    try:
        await server.serve()
    finally:
        worker_task.cancel()
        await asyncio.gather(worker_task, return_exceptions=True)
        await worker.close()
