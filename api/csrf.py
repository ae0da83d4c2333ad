"""Cross-site request forgery: a browser sends cookies with requests that other sites make.

So a state-changing request that a session cookie authenticates must prove it comes from the
console: it carries `X-CSRF-Token`, equal to the readable CSRF cookie set with the session
(an HMAC of the session's token, which no other site can read or compute), and, when the
browser sends `Origin`, that origin is PUBLIC_URL's. `/graphql` takes `application/json`
bodies only, which no HTML form can send. A request with `Authorization` is exempt: a
browser never adds that header to another site's request by itself.

Refusals are answered here, before authentication, as GraphQL-shaped JSON errors.

WebSockets (live updates on `/graphql`) are the same door: a browser opens one from any
site's page and sends the cookie with the handshake, and cannot add a header to it. So a
handshake that carries the session cookie must come from PUBLIC_URL's origin (browsers
always send `Origin` with one); it is refused (HTTP 403) otherwise. A handshake without the
cookie may come from anywhere: it signs in only with a bearer token in `connection_init`.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from models.foundation.settings import Settings
from models.identity.sessions import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, csrf_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
GRAPHQL_PATH = "/graphql"


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL, as a browser writes it in `Origin`."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _refusal(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


class CsrfMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.origin = origin_of(settings.public_url)
        self.secret = str(settings.secret_key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and self._cross_site_with_cookie(scope):
            # Closing before accepting: the server answers the handshake with 403.
            await send({"type": "websocket.close", "code": 1008, "reason": ""})
            return
        refusal = self._refusal(scope) if scope["type"] == "http" else None
        if refusal is None:
            await self.app(scope, receive, send)
        else:
            await refusal(scope, receive, send)

    def _cross_site_with_cookie(self, scope: Scope) -> bool:
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        session = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
        return session is not None and origin is not None and origin.lower() != self.origin

    def _refusal(self, scope: Scope) -> JSONResponse | None:
        if scope["method"] in SAFE_METHODS:
            return None
        headers = Headers(scope=scope)
        graphql = scope["path"] == GRAPHQL_PATH
        media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
        if graphql and media_type != "application/json":
            return _refusal(
                415,
                "BAD_REQUEST",
                "Send GraphQL requests as JSON (Content-Type: application/json).",
            )
        if "authorization" in headers:
            return None
        origin = headers.get("origin")
        wrong_origin = origin is not None and origin.lower() != self.origin
        session = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
        if session is None:
            # Signing in from another site's page would sign the browser in to someone else's
            # account: refused as well.
            if graphql and wrong_origin:
                return _refusal(403, "FORBIDDEN", "Requests from another site are refused.")
            return None
        if wrong_origin:
            return _refusal(403, "FORBIDDEN", "Requests from another site are refused.")
        sent = headers.get(CSRF_HEADER, "").encode()
        cookie = cookie_parser(headers.get("cookie", "")).get(CSRF_COOKIE, "").encode()
        expected = csrf_token(session, self.secret).encode()
        if not (sent and hmac.compare_digest(sent, cookie) and hmac.compare_digest(sent, expected)):
            return _refusal(
                403,
                "FORBIDDEN",
                f"This request needs the {CSRF_HEADER} header that the console sends: reload "
                "the page, or sign in again.",
            )
        return None
