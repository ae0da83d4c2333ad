"""Live updates as a client sees them: a real WebSocket client speaking graphql-transport-ws,
and a second web process (`partnerhub web`, its own Python process) on the same database and
Redis, for changes made somewhere else than where the subscriber listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin, Subprotocol

from models.foundation.settings import Settings
from tests.servers import HOST, free_port

PROTOCOL = Subprotocol("graphql-transport-ws")
# How long a test waits for a message it expects, or for a process to start, before it fails
# (not a measure of speed: the machines that run the suite may be busy).
WAIT = 20.0
START_WAIT = 90.0
_ids = itertools.count(1)


class LiveClient:
    """One graphql-transport-ws connection."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        """The next message, pings answered on the way."""
        while True:
            async with asyncio.timeout(WAIT):
                raw = await self.connection.recv()
            message: dict[str, Any] = json.loads(raw)
            if message["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            return message

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """`connection_init`, and the server's answer (`connection_ack`)."""
        await self.send({"type": "connection_init", "payload": payload or {}})
        return await self.receive()

    async def subscribe(self, query: str, variables: dict[str, Any]) -> str:
        operation_id = str(next(_ids))
        await self.send(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables},
            }
        )
        return operation_id

    async def next_data(self, operation_id: str) -> dict[str, Any]:
        """The data of the operation's next `next` message, which must carry no error."""
        message = await self.receive()
        assert message["id"] == operation_id, message
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        data: dict[str, Any] = message["payload"]["data"]
        return data

    async def error_and_complete(self, operation_id: str) -> str:
        """The code of the error that ends the operation, once it has completed."""
        message = await self.receive()
        assert message["id"] == operation_id, message
        assert message["type"] in {"next", "error"}, message
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        code: str = errors[0]["extensions"]["code"]
        if message["type"] == "next":
            assert await self.receive() == {"id": operation_id, "type": "complete"}
        return code

    async def closed_with(self) -> int | None:
        """The close code, once the server has closed the connection (nothing else may come
        before)."""
        try:
            message = await self.receive()
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        raise AssertionError(f"expected the connection to close, got {message}")


@contextlib.asynccontextmanager
async def live(
    url: str, *, headers: dict[str, str] | None = None, origin: str | None = None
) -> AsyncIterator[LiveClient]:
    """A WebSocket to `url` (`ws://.../graphql`), with the handshake's extra headers."""
    async with connect(
        url,
        subprotocols=[PROTOCOL],
        additional_headers=headers,
        origin=Origin(origin) if origin else None,
        proxy=None,
        open_timeout=WAIT,
    ) as connection:
        yield LiveClient(connection)


@contextlib.asynccontextmanager
async def other_web_process(settings: Settings, log_dir: Path) -> AsyncIterator[str]:
    """`partnerhub web` in a process of its own, on the settings' database and Redis: its
    base URL, until the block ends."""
    port = free_port()
    env = {
        **os.environ,
        "PARTNERHUB_ENV": "test",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        "SMTP_URL": settings.smtp_url or "",
        "PUBLIC_URL": settings.public_url,
        "MAIL_FROM": settings.mail_from,
    }
    log = log_dir / f"web-{port}.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "api.cli",
            "web",
            "--host",
            HOST,
            "--port",
            str(port),
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    base = f"http://{HOST}:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as client, asyncio.timeout(START_WAIT):
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/healthz")).status_code == 200:
                        break
                assert process.returncode is None, log.read_text()
                await asyncio.sleep(0.1)
        yield base
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), WAIT)
            except TimeoutError:
                process.kill()
                await process.wait()
