"""A route's request bodies, refused with 413 beyond a size, before they are read in full.

A declared `Content-Length` over the limit is refused before a byte of the body is read; a
body without one (chunked) is counted as it arrives and refused once it passes the limit.
Either way the answer closes the connection, so the rest of the upload is never read.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The refusal a route gives: its own shape of error, for the limit in bytes.
Refusal = Callable[[int], Response]


class BodyTooLarge(Exception):
    """The body passed the limit while the route was reading it."""


def size_in_words(size: int) -> str:
    """`1 MiB`, `256 KiB` or `1500 bytes`, for messages."""
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"


class BodyLimit:
    """Wraps a route's ASGI app: its requests' bodies are at most `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int, refusal: Refusal) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.refusal = refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def noted_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, noted_send)
        except BodyTooLarge:
            if started:  # the route answered before reading it all: nothing left to say
                return
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.refusal(self.max_bytes)
        response.status_code = 413
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
