"""How the web app is served: uvicorn, with limits on what a client may hold.

uvicorn bounds idle keep-alive connections (`timeout_keep_alive`) and the connections of a
process (`limit_concurrency`: past it, requests are answered 503), but not a client that
opens a connection and trickles its headers or its body a byte at a time, nor the size of
headers (its httptools parser takes them without end). `GuardedHttpProtocol` adds those
limits where they can be seen, on the connection, before any of the app runs:

- the headers must arrive within `HTTP_HEADER_TIMEOUT` seconds of the connection or of the
  request's first byte, and within `HTTP_MAX_HEADER_BYTES` (counted per read, so the cap is
  passed by one read at most): otherwise 408 or 431, and the connection is closed;
- the body must arrive within `HTTP_BODY_TIMEOUT` seconds of the headers: otherwise 408 if
  nothing was answered yet, and the connection is closed (the app, if reading it, sees the
  client go away).

`FORWARDED_ALLOW_IPS` names the proxies whose `X-Forwarded-For` is believed; with none,
uvicorn's proxy headers are off and the client is the socket's peer.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from models.foundation.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClientLimits:
    header_timeout: float
    body_timeout: float
    max_header_bytes: int

    @classmethod
    def of(cls, settings: Settings) -> ClientLimits:
        return cls(
            header_timeout=settings.http_header_timeout,
            body_timeout=settings.http_body_timeout,
            max_header_bytes=settings.http_max_header_bytes,
        )


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, closing connections whose client is too slow or whose
    headers are too large. `guarded_protocol` makes one with its limits."""

    limits = ClientLimits.of(Settings())  # the defaults; `guarded_protocol` sets others

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._reading_headers = False
        self._header_bytes = 0

    # While waiting for headers: from the connection, and from each request's first byte.
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._reading_headers:
            self._await_headers()
        self._header_bytes = 0

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._reading_headers and not self.transport.is_closing():
            self._header_bytes += len(data)
            if self._header_bytes > self.limits.max_header_bytes:
                self._refuse(431, "Request Header Fields Too Large", "headers too large")

    # While waiting for the body: from the end of the headers to the end of the message.
    def on_headers_complete(self) -> None:
        self._reading_headers = False
        self._cancel()
        super().on_headers_complete()
        if not (self.parser.should_upgrade() and self._should_upgrade()):
            self._deadline = self.loop.call_later(self.limits.body_timeout, self._body_too_slow)

    def on_message_complete(self) -> None:
        self._cancel()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        self._reading_headers = True
        self._cancel()
        self._deadline = self.loop.call_later(self.limits.header_timeout, self._headers_too_slow)

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_too_slow(self) -> None:
        self._deadline = None
        if self._header_bytes:
            self._refuse(408, "Request Timeout", "headers not received in time")
        else:  # an idle connection that never asked anything
            self.transport.close()

    def _body_too_slow(self) -> None:
        self._deadline = None
        if self.cycle is not None and self.cycle.response_started:
            self._close("body not received in time")
        else:
            self._refuse(408, "Request Timeout", "body not received in time")

    def _refuse(self, status: int, message: str, why: str) -> None:
        """Answer `status` on the connection itself, then close it."""
        body = message.encode()
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self._close(why)

    def _close(self, why: str) -> None:
        client = "{}:{}".format(*self.client) if self.client else "a client"
        log.info("closed the connection of %s: %s", client, why)
        self.transport.close()


def guarded_protocol(limits: ClientLimits) -> type[GuardedHttpProtocol]:
    """A `GuardedHttpProtocol` with `limits`, for uvicorn's `http` option."""

    class Guarded(GuardedHttpProtocol):
        pass

    Guarded.limits = limits
    return Guarded


# WebSockets (live updates) through the `websockets` library's Sans-I/O implementation: its
# older one, uvicorn's "auto" choice, is deprecated.
WEBSOCKETS = "websockets-sansio"


def server_config(app: ASGIApp, settings: Settings, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for serving `app` with the settings' limits and proxy trust;
    `options` (host, port, log_level...) go to uvicorn as they are."""
    options = {"ws": WEBSOCKETS, **options}
    return uvicorn.Config(
        app,
        http=guarded_protocol(ClientLimits.of(settings)),
        timeout_keep_alive=settings.http_keep_alive_timeout,
        limit_concurrency=settings.http_max_connections,
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=list(settings.forwarded_allow_ips),
        log_config=None,  # keep the logging the command set up (api.logs)
        **options,
    )
