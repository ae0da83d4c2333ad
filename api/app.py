"""The ASGI app: Starlette, with a lifespan that owns the ORM and the arq pool."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from api import dev_pages, exports, graphiql, inbound_webhooks, oauth, pages, scim, single_sign_on
from api.auth import Anonymous, CredentialsBackend
from api.client_rate_limit import ClientRateLimit
from api.csrf import CsrfMiddleware
from api.errors import UnhandledErrorMiddleware
from api.graphql_http import GraphQLOverHTTP, body_too_large
from api.health import healthz, readyz
from api.limits import BodyLimit
from api.logs import quiet_client_errors
from api.metrics import MetricsMiddleware, metrics
from api.request_id import RequestIdMiddleware
from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.identity.credentials import Credential, viewer_for_bearer
from models.identity.sessions import SESSION_COOKIE
from models.identity.viewer import Viewer
from models.infrastructure.change_feed import ChangeFeed
from models.infrastructure.db import database
from models.infrastructure.tokens import Sealer
from models.policy.limited_sessions import as_signed_in
from models.rules.leads_rate_limit import RateLimit
from schema import build_schema
from schema.context import Context
from schema.sign_in.cookies import clear_session_cookies
from workers.queue import queue_client


def _credential(connection: WebSocket, viewer: Viewer | None) -> Credential | None:
    """What signed a WebSocket's handshake in, kept to check again while it stays open."""
    if viewer is None:
        return None
    if viewer.api_token_id is not None:
        _, _, token = connection.headers.get("authorization", "").partition(" ")
        return Credential(token.strip(), bearer=True)
    return Credential(connection.cookies.get(SESSION_COOKIE, ""), bearer=False)


class GraphQLApp(GraphQLOverHTTP):
    """Strawberry's ASGI app, handing resolvers a typed context built once per request (or
    once per WebSocket of live updates)."""

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        state = request.app.state
        user = request.user
        if isinstance(user, Anonymous) and user.session_ended and isinstance(response, Response):
            clear_session_cookies(response, state.settings)  # the browser forgets them too
        viewer = user if isinstance(user, Viewer) else None
        websocket = request if isinstance(request, WebSocket) else None
        return Context(
            request=request,  # type: ignore[arg-type]
            response=response,  # type: ignore[arg-type]
            settings=state.settings,
            sealer=state.sealer,
            redis=state.redis,
            viewer=viewer,
            bad_credentials=isinstance(user, Anonymous) and user.bad_credentials,
            changes=state.changes if websocket else None,
            credential=_credential(websocket, viewer) if websocket else None,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """A script signs the connection in with `{"authorization": "Bearer <token>"}` in
        `connection_init`'s payload (it wins over a cookie, as the header does over HTTP); a
        bad token closes the connection (4403). Without one, the handshake's sign-in holds."""
        params = context.connection_params or {}
        authorization = params.get("authorization", params.get("Authorization"))
        if authorization is None:
            return None  # an acknowledgement without a payload
        scheme, _, token = str(authorization).partition(" ")
        token = token.strip()
        viewer = await viewer_for_bearer(token, utcnow()) if scheme.lower() == "bearer" else None
        if viewer is None:
            raise ConnectionRejectionError(
                {"message": "The bearer token is not valid: revoked, expired or never issued."}
            )
        context.viewer = as_signed_in(viewer)
        context.credential = Credential(token, bearer=True)
        context.bad_credentials = False
        return None

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        """Every origin Strawberry would refuse: `api/csrf.py` has decided already (a
        handshake from another site is refused when it carries the session cookie, and
        one without can only sign in with a bearer token, which no other site holds)."""
        return True

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL on Partnerhub's own copy of its files, instead of Strawberry's page,
        which loads them from a CDN (and so never loads offline)."""
        return graphiql.page()


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    settings.check()
    quiet_client_errors()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        async with database(settings.database_url, settings.database_pool_size):
            # Connects and answers within REDIS_TIMEOUT, or a request waits no longer for it.
            redis = queue_client(settings) if settings.redis_url else None
            app.state.redis = redis
            # Live updates: one Redis subscription for the process's WebSockets.
            app.state.changes = changes = ChangeFeed(
                settings.redis_url, timeout=settings.redis_timeout
            )
            changes.start()
            try:
                yield {}
            finally:
                await changes.aclose()
                if redis is not None:
                    await redis.aclose()

    graphql = GraphQLApp(
        build_schema(production=settings.production, introspection=settings.introspection),
        graphql_ide=None if settings.production else "graphiql",
        allow_queries_via_get=False,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
    )
    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        Route(
            "/graphql",
            ClientRateLimit(
                BodyLimit(graphql, settings.graphql_max_body_bytes, body_too_large),
                lambda: RateLimit(
                    app.state.redis,
                    settings.api_client_graphql_rate_limit.limit,
                    settings.api_client_graphql_rate_limit.window,
                    "graphql-client",
                ),
            ),
            methods=["GET", "POST"],
        ),
        WebSocketRoute("/graphql", graphql),  # live updates: graphql-transport-ws
        *inbound_webhooks.routes(settings.webhook_max_body_bytes),
        *single_sign_on.ROUTES,  # GET /auth/oidc/start and its callback
        *exports.ROUTES,  # GET /export/{relationships,invitations,activity}.csv
        *oauth.ROUTES,  # API clients: /oauth/token, /oauth/revoke, /oauth/introspect, discovery
        *scim.ROUTES,  # /scim/v2/...: a customer's identity provider provisions its directory
    ]
    if not settings.production:
        routes += graphiql.routes()
        routes += dev_pages.ROUTES
    # The web console: its shell at each of its routes (`/invitations/accept?token=...`, the
    # page the invitation email links to, among them), and its files.
    routes += pages.console_routes()
    app = Starlette(
        debug=False,
        routes=routes,
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(UnhandledErrorMiddleware),
            Middleware(MetricsMiddleware),
            Middleware(CsrfMiddleware, settings=settings),
            Middleware(AuthenticationMiddleware, backend=CredentialsBackend(settings)),
        ],
        lifespan=lifespan,
        # An address with no route: the console's own not-found page, not a bare "Not Found".
        exception_handlers={404: pages.not_found},
    )
    app.state.settings = settings
    app.state.sealer = Sealer(str(settings.secret_key))
    app.state.redis = None
    app.state.changes = None
    quota = settings.api_client_rate_limit
    app.state.oauth = oauth.OAuthServer(
        settings,
        app.state.sealer,
        lambda: RateLimit(app.state.redis, quota.limit, quota.window, "oauth-client"),
    )
    return app
