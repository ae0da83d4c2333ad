"""How often one API client may call `/graphql`: `API_CLIENT_GRAPHQL_RATE_LIMIT` requests per
window, counted per client (not per token: a client taking new tokens gains nothing) in Redis,
where the OAuth endpoints' limit counts too, so that every web process shares one count.

The authentication middleware has put the viewer on the request already; only an API client's
access token is counted (people's sessions and bearer tokens are throttled where they sign
in). Past the limit the request runs nothing and is answered HTTP 429 with `Retry-After` (the
seconds left in the window) and one top-level GraphQL error whose `extensions.code` is
RATE_LIMITED.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from api.graphql_http import graphql_error
from models.identity.viewer import Viewer
from models.rules.leads_rate_limit import RateLimit
from schema.errors import RequestErrorCode


class ClientRateLimit:
    """`app` (the `/graphql` route), refusing an API client's requests past its limit."""

    def __init__(self, app: ASGIApp, limit: Callable[[], RateLimit]) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user = scope.get("user")
        if scope["type"] == "http" and isinstance(user, Viewer) and user.api_client is not None:
            limit = self.limit()
            if not await limit.allow(str(user.api_client.id)):
                wait = limit.retry_after()
                response = graphql_error(
                    429,
                    f"Too many requests from this API client: try again in {wait} seconds.",
                    RequestErrorCode.RATE_LIMITED,
                )
                response.headers["Retry-After"] = str(wait)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
