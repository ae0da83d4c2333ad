"""The app served as production serves it: a real uvicorn on loopback, configured by
`api.serving.server_config` (its limits, time-outs and proxy trust), in the suite's event
loop; and a raw connection to it, for what an HTTP client library will not send.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import uvicorn

from api.app import create_app
from api.serving import server_config
from models.foundation.settings import Settings
from tests.servers import HOST, free_port


@dataclass(frozen=True)
class Served:
    port: int

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def graphql_ws(self) -> str:
        return f"ws://{HOST}:{self.port}/graphql"


@contextlib.asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[Served]:
    """The app of `settings` on a free loopback port (WebSockets too), until the block ends."""
    port = free_port()
    config = server_config(create_app(settings), settings, host=HOST, port=port, log_level="info")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(15):
            while not server.started:
                if serving.done():
                    serving.result()  # raises what stopped it
                    raise RuntimeError("the web app stopped before it started")
                await asyncio.sleep(0.02)
        yield Served(port)
    finally:
        server.should_exit = True
        await asyncio.gather(serving, return_exceptions=True)


class Connection:
    """A raw TCP connection to the server: bytes out, and everything the server sends back
    until it closes the connection (read as it comes)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.closed_by_server = asyncio.create_task(self._read_all(reader))

    @staticmethod
    async def _read_all(reader: asyncio.StreamReader) -> bytes:
        received = bytearray()
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65536):
                received += chunk
        return bytes(received)

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    @property
    def closed(self) -> bool:
        return self.closed_by_server.done()

    async def send(self, data: bytes) -> bool:
        """Send `data`; False once the server has closed the connection."""
        if self.closed:
            return False
        try:
            self.writer.write(data)
            await self.writer.drain()
        except ConnectionError:
            return False
        return True

    async def answer(self) -> bytes:
        """Everything the server sent, once it has closed the connection."""
        return await self.closed_by_server

    async def trickle(self, data: bytes, pause: float) -> bool:
        """Send `data` a byte at a time, `pause` seconds apart, as long as the server keeps the
        connection open: True if all of it went, False if the server closed it first."""
        for byte in data:
            await asyncio.sleep(pause)
            if not await self.send(bytes([byte])):
                return False
        return not self.closed

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()
        self.closed_by_server.cancel()
        await asyncio.gather(self.closed_by_server, return_exceptions=True)


@contextlib.asynccontextmanager
async def connection(port: int) -> AsyncIterator[Connection]:
    opened = await Connection.open(port)
    try:
        yield opened
    finally:
        await opened.close()


def status_of(answer: bytes) -> int:
    """The status code of a raw HTTP/1.1 answer."""
    return int(answer.split(b" ", 2)[1])
