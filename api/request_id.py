"""Each HTTP request gets an id: the caller's `X-Request-ID` when sane, else a new one.

The client's address is bound beside it, for the activity log (`models.foundation.client_address`).
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.foundation.client_address import client_address_bound
from models.foundation.request_id import new_request_id, request_id_bound, sane_request_id

HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Binds the id while the request runs and returns it in the response's `X-Request-ID`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = sane_request_id(Headers(scope=scope).get(HEADER)) or new_request_id()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        client = scope.get("client")
        with request_id_bound(request_id), client_address_bound(client[0] if client else None):
            await self.app(scope, receive, send_with_id)
