"""The OAuth 2.0 authorization server of API clients: `POST /oauth/token` (the client
credentials grant, RFC 6749 section 4.4), `POST /oauth/revoke` (RFC 7009), `POST
/oauth/introspect` (RFC 7662) and `GET /.well-known/oauth-authorization-server` (RFC 8414).

The protocol is authlib's: its AuthorizationServer, grant and endpoints parse the requests,
authenticate the client (`client_secret_basic` or `client_secret_post`), check the scopes
and shape every answer and error. This module adapts them to Starlette and to the database:
authlib calls back synchronously, so each request runs it in a worker thread, whose callbacks
run their queries back on the event loop (`anyio.from_thread`).

Each client may call these endpoints `API_CLIENT_RATE_LIMIT` times per window; past that it
is refused with HTTP 429 and the OAuth error `slow_down`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    InvalidRequestError,
    OAuth2Error,
    OAuth2Payload,
    OAuth2Request,
    TokenMixin,
)
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.identity.api_clients import (
    LiveClient,
    access_token,
    live_client,
    new_access_token,
    scopes_of,
    token_live,
)
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.reference.api_scopes import ApiScope, parse_wire, to_wire
from models.rules.api_client_tokens import issue_access_token, revoke_access_token
from models.rules.leads_rate_limit import RateLimit
from models.tables.api_clients import ApiClientToken

T = TypeVar("T")
AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
GRANT_TYPE = "client_credentials"
TOKEN_PATH = "/oauth/token"  # noqa: S105 (a path)
REVOKE_PATH = "/oauth/revoke"
INTROSPECT_PATH = "/oauth/introspect"
METADATA_PATH = "/.well-known/oauth-authorization-server"


def _on_loop(function: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
    """Run a coroutine function on the event loop, from authlib's worker thread."""
    return anyio.from_thread.run(function, *args)


class SlowDown(OAuth2Error):  # type: ignore[misc]
    """The client called more often than its rate limit allows (RFC 8628's `slow_down`)."""

    error = "slow_down"
    status_code = 429
    description = "Too many requests from this client: wait, then try again."


class Client(ClientMixin):  # type: ignore[misc]
    """A live client, as authlib asks about it."""

    def __init__(self, live: LiveClient) -> None:
        self.live = live

    def get_client_id(self) -> str:
        return self.live.row.client_id

    def check_client_secret(self, client_secret: str) -> bool:
        return self.live.check_secret(client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in AUTH_METHODS

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == GRANT_TYPE

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """Every scope of the client when none is asked for; the scopes asked for when the
        client holds them all; None (`invalid_scope`) otherwise."""
        if not scope:
            return to_wire(self.live.scopes)
        asked = parse_wire(scope)
        if asked is None or not asked <= self.live.scopes:
            return None
        return to_wire(asked)


class Token(TokenMixin):  # type: ignore[misc]
    """An issued access token, as the revocation and introspection endpoints ask about it."""

    def __init__(self, row: ApiClientToken) -> None:
        self.row = row

    def check_client(self, client: Client) -> bool:
        return self.row.client_id == client.live.row.id

    def get_scope(self) -> str:
        return to_wire(scopes_of(self.row.scopes))

    def get_expires_in(self) -> int:
        return int((self.row.expires_at - self.row.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return self.row.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return not token_live(self.row, utcnow()) and not self.is_expired()


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, form: list[tuple[str, str]]) -> None:
        self._data = dict(form)
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in form:
            self._datalist[key].append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class StarletteOAuth2Request(OAuth2Request):  # type: ignore[misc]
    """A Starlette request, its form read already, as authlib reads requests."""

    def __init__(self, request: Request, uri: str, form: list[tuple[str, str]]) -> None:
        super().__init__(method=request.method, uri=uri, headers=request.headers)
        self.payload = _Payload(form)
        self._form = dict(form)

    @property
    def args(self) -> dict[str, str]:
        return dict(self.payload.data)

    @property
    def form(self) -> dict[str, str]:
        return self._form


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        row = _on_loop(access_token, token_string)
        return Token(row) if row is not None else None

    def revoke_token(self, token: Token, request: OAuth2Request) -> None:
        server: OAuthServer = self.server
        _on_loop(revoke_access_token, server.operation(), token.row)


class Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        row = _on_loop(access_token, token_string)
        return Token(row) if row is not None else None

    def check_permission(self, token: Token, client: Client, request: OAuth2Request) -> bool:
        """A client introspects its own tokens only."""
        return token.check_client(client)

    def introspect_token(self, token: Token) -> dict[str, Any]:
        row = token.row
        return {
            "active": True,
            "client_id": row.client.client_id,
            "scope": token.get_scope(),
            "token_type": "Bearer",
            "iat": int(row.issued_at.timestamp()),
            "exp": int(row.expires_at.timestamp()),
        }


class ClientCredentials(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS


class OAuthServer(AuthorizationServer):  # type: ignore[misc]
    """authlib's authorization server on Starlette and Partnerhub's tables."""

    def __init__(self, settings: Settings, sealer: Sealer, limit: Callable[[], RateLimit]) -> None:
        super().__init__(scopes_supported=[scope.wire for scope in ApiScope])
        self.settings = settings
        self.sealer = sealer
        self.limit = limit
        self.register_grant(ClientCredentials)
        self.register_endpoint(Revocation)
        self.register_endpoint(Introspection)
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: new_access_token()[0],
                expires_generator=settings.access_token_lifetime,
            ),
        )

    def operation(self) -> Operation:
        return Operation(actor=None, sealer=self.sealer)

    # authlib's callbacks, in its worker thread

    def query_client(self, client_id: str) -> Client | None:
        if not _on_loop(self.limit().allow, client_id):
            raise SlowDown()
        live = _on_loop(live_client, client_id, utcnow())
        return Client(live) if live is not None else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        client: Client = request.client
        scopes = parse_wire(token.get("scope", "")) or frozenset()
        _on_loop(
            issue_access_token,
            self.operation(),
            client.live.row,
            token["access_token"],
            scopes,
            int(token["expires_in"]),
        )

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """authlib's signals: nothing listens to them here."""

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request  # made by `_oauth_request` before authlib runs

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        response = JSONResponse(body, status_code=status)
        for name, value in headers:
            if name.lower() != "content-type":
                response.headers[name] = value
        if status == SlowDown.status_code:
            response.headers["Retry-After"] = str(self.settings.api_client_rate_limit.window)
        return response

    def metadata(self) -> AuthorizationServerMetadata:
        """The discovery document (RFC 8414)."""
        base = self.settings.public_url
        metadata = AuthorizationServerMetadata(
            {
                "issuer": base,
                "token_endpoint": base + TOKEN_PATH,
                "revocation_endpoint": base + REVOKE_PATH,
                "introspection_endpoint": base + INTROSPECT_PATH,
                "grant_types_supported": [GRANT_TYPE],
                "response_types_supported": [],
                "token_endpoint_auth_methods_supported": AUTH_METHODS,
                "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
                "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
                "scopes_supported": [scope.wire for scope in ApiScope],
            }
        )
        metadata.validate_scopes_supported()
        metadata.validate_grant_types_supported()
        metadata.validate_token_endpoint_auth_methods_supported()
        return metadata


def _uri(request: Request, settings: Settings) -> str:
    """The request's URL, as authlib checks it: OAuth needs TLS (RFC 6749 section 1.6), and
    authlib refuses plain http but to loopback. In production the URL is the request's own
    (https through a trusted proxy); elsewhere the development server and the tests speak
    plain http, and authlib is told it is https."""
    url = str(request.url)
    if settings.production:
        return url
    return "https://" + url.partition("://")[2]


async def _oauth_request(request: Request, server: OAuthServer) -> OAuth2Request | Response:
    """The request as authlib reads it, or the OAuth error of a body that is no form."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    try:
        if media_type != "application/x-www-form-urlencoded":
            raise InvalidRequestError(
                description="Send the parameters as application/x-www-form-urlencoded."
            )
        form = await request.form()
        fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        return StarletteOAuth2Request(request, _uri(request, server.settings), fields)
    except OAuth2Error as error:
        response: Response = server.handle_error_response(None, error)
        return response


async def _in_thread(server: OAuthServer, call: Callable[[], Response]) -> Response:
    """authlib's answer, run in a worker thread; a malformed credential that authlib cannot
    decode (Basic credentials that are not UTF-8) is `invalid_request`, never a 500."""

    def guarded() -> Response:
        try:
            return call()
        except UnicodeDecodeError:
            return server.handle_error_response(None, InvalidRequestError())  # type: ignore[no-any-return]

    return await anyio.to_thread.run_sync(guarded)


def _server(request: Request) -> OAuthServer:
    server: OAuthServer = request.app.state.oauth
    return server


async def token(request: Request) -> Response:
    server = _server(request)
    oauth = await _oauth_request(request, server)
    if isinstance(oauth, Response):
        return oauth
    return await _in_thread(server, lambda: server.create_token_response(oauth))


async def revoke(request: Request) -> Response:
    server = _server(request)
    oauth = await _oauth_request(request, server)
    if isinstance(oauth, Response):
        return oauth
    return await _in_thread(
        server, lambda: server.create_endpoint_response(Revocation.ENDPOINT_NAME, oauth)
    )


async def introspect(request: Request) -> Response:
    server = _server(request)
    oauth = await _oauth_request(request, server)
    if isinstance(oauth, Response):
        return oauth
    return await _in_thread(
        server, lambda: server.create_endpoint_response(Introspection.ENDPOINT_NAME, oauth)
    )


async def metadata(request: Request) -> Response:
    return JSONResponse(dict(_server(request).metadata()))


ROUTES = [
    Route(TOKEN_PATH, token, methods=["POST"]),
    Route(REVOKE_PATH, revoke, methods=["POST"]),
    Route(INTROSPECT_PATH, introspect, methods=["POST"]),
    Route(METADATA_PATH, metadata, methods=["GET"]),
]
