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
from starlette.routing import BaseRoute, Route
from starlette.websockets import WebSocket

from api import dev_pages, graphiql, inbound_webhooks, pages, scim, single_sign_on
from api.auth import Anonymous, CredentialsBackend
from api.csrf import CsrfMiddleware
from api.errors import UnhandledErrorMiddleware
from api.graphql_http import GraphQLOverHTTP, body_too_large
from api.health import healthz, readyz
from api.limits import BodyLimit
from api.logs import quiet_client_errors
from api.metrics import MetricsMiddleware, metrics
from api.request_id import RequestIdMiddleware
from models.foundation.settings import Settings
from models.identity.viewer import Viewer
from models.infrastructure.db import database
from models.infrastructure.tokens import Sealer
from schema import build_schema
from schema.context import Context
from schema.sign_in.cookies import clear_session_cookies
from workers.queue import queue_client


class GraphQLApp(GraphQLOverHTTP):
    """Strawberry's ASGI app, handing resolvers a typed context built once per request."""

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        state = request.app.state
        user = request.user
        if isinstance(user, Anonymous) and user.session_ended and isinstance(response, Response):
            clear_session_cookies(response, state.settings)  # the browser forgets them too
        return Context(
            request=request,  # type: ignore[arg-type]
            response=response,  # type: ignore[arg-type]
            settings=state.settings,
            sealer=state.sealer,
            redis=state.redis,
            viewer=user if isinstance(user, Viewer) else None,
            bad_credentials=isinstance(user, Anonymous) and user.bad_credentials,
        )

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
            try:
                yield {}
            finally:
                if redis is not None:
                    await redis.aclose()

    graphql = GraphQLApp(
        build_schema(production=settings.production, introspection=settings.introspection),
        graphql_ide=None if settings.production else "graphiql",
        allow_queries_via_get=False,
    )
    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        Route(
            "/graphql",
            BodyLimit(graphql, settings.graphql_max_body_bytes, body_too_large),
            methods=["GET", "POST"],
        ),
        *inbound_webhooks.routes(settings.webhook_max_body_bytes),
        *single_sign_on.ROUTES,  # GET /auth/oidc/start and its callback
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
    return app
