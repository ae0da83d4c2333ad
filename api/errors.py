"""What the web app does with an exception that no route handled.

A client that went away before its request was read (`ClientDisconnect`: a dropped upload, or
a body cut off by the server's time-out) is no fault of ours: one INFO line, no traceback.
A database that does not answer (restarting, failing over: `DATABASE_AWAY`) is no bug either:
one WARNING line, and 503 with `Retry-After`, so that a client or a proxy tries again. Anything
else is: logged at ERROR with its traceback under the request's id, and answered 500 from
inside `RequestIdMiddleware`, so that the answer carries its `X-Request-ID` too.
"""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.infrastructure.db import DATABASE_AWAY

log = logging.getLogger(__name__)

RETRY_AFTER = "5"  # seconds: a database restart or failover takes about that


class UnhandledErrorMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def noted_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, noted_send)
        except ClientDisconnect:
            log.info(
                "%s %s: the client went away before its request was read",
                scope["method"],
                scope["path"],
            )
        except DATABASE_AWAY as exc:
            log.warning(
                "%s %s: the database does not answer: %s",
                scope["method"],
                scope["path"],
                type(exc).__name__,
            )
            if not started:
                response = PlainTextResponse(
                    "Service Unavailable: the database does not answer; try again shortly",
                    status_code=503,
                    headers={"Retry-After": RETRY_AFTER},
                )
                await response(scope, receive, send)
        except Exception:
            log.exception("%s %s: unexpected error", scope["method"], scope["path"])
            if not started:
                response = PlainTextResponse("Internal Server Error", status_code=500)
                await response(scope, receive, send)
