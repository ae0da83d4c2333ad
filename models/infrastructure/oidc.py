"""OpenID Connect as a relying party: the provider's discovery document, the authorization
request (code flow, PKCE with S256, state and nonce), the code's exchange at the token
endpoint, and the ID token's validation.

The protocol is authlib's and joserfc's: authlib builds the authorization request and the
token request (`authlib.oauth2`), and checks the ID token's claims (`authlib.oidc.core`:
issuer, audience and authorized party, expiry, issue time, nonce, the access token's hash);
joserfc verifies its signature against the provider's published keys (JWKS), with only the
algorithms the provider's discovery document names, and never `none`. Nothing here parses a
token by hand.

Every request to a provider goes through `PinnedTransport`: the address is checked before each
connection (`webhook_addresses.check`: https, and public addresses only unless private ones
are allowed), and the connection goes to the very address that was checked, so that an
organization's administrator cannot point the server at the internal network, not even
through a name that resolves elsewhere a moment later. In production plain http is refused
whatever the address.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from models.foundation.settings import Settings
from models.infrastructure.webhook_addresses import AddressRefused, check, parse

log = logging.getLogger(__name__)

SCOPE = "openid email profile"
TIMEOUT = 10.0
# Seconds of clock difference tolerated between the provider and this server.
LEEWAY = 60
# What a provider may answer, at most: a discovery document, a key set, a token response.
MAX_ANSWER_BYTES = 256 * 1024
# Signing algorithms accepted when the discovery document names none (OpenID Connect's
# default), and never any other than the asymmetric ones: a provider's client secret is not a
# signing key here.
DEFAULT_ALGORITHMS = ("RS256",)
ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
WELL_KNOWN = "/.well-known/openid-configuration"


class ProviderError(Exception):
    """The provider could not be used, or its answer was refused: the message says why, for
    an administrator to read (it holds no secret)."""


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Where providers may be reached: private addresses (and http:// to loopback) only when
    `private`; plain http never when `https_only` (production)."""

    private: bool
    https_only: bool

    @classmethod
    def of(cls, settings: Settings) -> AddressPolicy:
        return cls(private=settings.oidc_private_allowed, https_only=settings.production)

    async def check(self, url: str) -> None:
        """Refuse, with AddressRefused, a URL this policy does not allow."""
        if self.https_only and urlsplit(url).scheme != "https":
            raise AddressRefused("The URL must be an https:// URL.")
        await check(url, allow_private=self.private)


class PinnedTransport(httpx.AsyncBaseTransport):
    """httpx's transport, connecting only to addresses the policy allows, each checked just
    before its connection, and to the address that was checked."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self.inner = httpx.AsyncHTTPTransport(trust_env=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        try:
            if self.policy.https_only and request.url.scheme != "https":
                raise AddressRefused("The URL must be an https:// URL.")
            target = await check(url, allow_private=self.policy.private)
        except AddressRefused as refused:
            raise httpx.ConnectError(str(refused), request=request) from refused
        if target.https and target.host != target.address:
            request.extensions["sni_hostname"] = target.host
        request.url = request.url.copy_with(host=target.address)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _client(policy: AddressPolicy) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=PinnedTransport(policy), timeout=TIMEOUT, follow_redirects=False
    )


async def _json(client: httpx.AsyncClient, request: httpx.Request, what: str) -> dict[str, Any]:
    """The JSON object a provider answered, read up to MAX_ANSWER_BYTES; ProviderError when
    it could not be reached or answered something else."""
    try:
        response = await client.send(request, stream=True)
        try:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    raise ProviderError(f"The {what} is larger than {MAX_ANSWER_BYTES} bytes.")
        finally:
            await response.aclose()
    except httpx.HTTPError as exc:
        raise ProviderError(f"The {what} could not be read: {exc}") from exc
    try:
        found = json.loads(bytes(body))
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise ProviderError(f"The {what} is not a JSON object (HTTP {response.status_code}).")
    if response.status_code != 200 and "error" not in found:
        raise ProviderError(f"The {what} answered HTTP {response.status_code}.")
    return found


@dataclass(frozen=True, slots=True)
class Provider:
    """What discovery says of a provider, checked: its endpoints are URLs the policy allows."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]
    token_auth_method: str

    def authorization_url(self, request: AuthorizationRequest) -> str:
        """Where the browser goes to sign in: the code flow, with PKCE (S256), state, nonce
        and, when known, the address the person typed as a hint."""
        extra = {"login_hint": request.login_hint} if request.login_hint else {}
        url: str = prepare_grant_uri(
            self.authorization_endpoint,
            request.client_id,
            "code",
            redirect_uri=request.redirect_uri,
            scope=SCOPE,
            state=request.state,
            code_challenge=create_s256_code_challenge(request.code_verifier),
            code_challenge_method="S256",
            nonce=request.nonce,
            **extra,
        )
        return url


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """One sign-in's values: made by `new_request`, kept (sealed) until the browser's return."""

    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    code_verifier: str
    login_hint: str | None = None


def new_secrets() -> tuple[str, str]:
    """A nonce and a PKCE code verifier (64 characters of the unreserved set, RFC 7636)."""
    return generate_token(43), generate_token(64)


async def discover(issuer: str, policy: AddressPolicy) -> Provider:
    """The provider at `issuer`, from its discovery document; ProviderError when it cannot be
    read, names another issuer, or lacks what the code flow needs."""
    try:
        parse(issuer)
        await policy.check(issuer)
    except AddressRefused as refused:
        raise ProviderError(str(refused)) from refused
    async with _client(policy) as client:
        request = client.build_request("GET", issuer.rstrip("/") + WELL_KNOWN)
        document = await _json(client, request, "discovery document")
    if document.get("issuer") != issuer:
        raise ProviderError(
            f"The discovery document names the issuer {document.get('issuer')!r}, not {issuer!r}."
        )
    endpoints: dict[str, str] = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(name)
        if not isinstance(value, str) or not value:
            raise ProviderError(f"The discovery document has no {name}.")
        try:
            await policy.check(value)
        except AddressRefused as refused:
            raise ProviderError(f"Its {name}: {refused}") from refused
        endpoints[name] = value
    if "code" not in document.get("response_types_supported", ["code"]):
        raise ProviderError("The provider does not offer the authorization code flow.")
    offered = document.get("id_token_signing_alg_values_supported") or list(DEFAULT_ALGORITHMS)
    algorithms = tuple(a for a in offered if a in ASYMMETRIC)
    if not algorithms:
        raise ProviderError("The provider signs ID tokens with no algorithm accepted here.")
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    if method not in methods:
        raise ProviderError("The provider takes neither client_secret_basic nor _post.")
    return Provider(
        issuer=issuer,
        algorithms=algorithms,
        token_auth_method=method,
        **endpoints,
    )


async def exchange_code(
    provider: Provider,
    request: AuthorizationRequest,
    client_secret: str,
    code: str,
    policy: AddressPolicy,
) -> dict[str, Any]:
    """The token response for an authorization code, sending the PKCE code verifier and
    authenticating the client as the provider prefers; ProviderError when it refuses."""
    body = prepare_token_request(
        "authorization_code",
        code=code,
        redirect_uri=request.redirect_uri,
        code_verifier=request.code_verifier,
    )
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
    }
    auth = ClientAuth(request.client_id, client_secret, provider.token_auth_method)
    url, headers, body = auth.prepare("POST", provider.token_endpoint, headers, body)
    async with _client(policy) as client:
        sent = client.build_request("POST", url, headers=headers, content=body.encode())
        answer = await _json(client, sent, "token endpoint's answer")
    if "error" in answer:
        raise ProviderError(
            f"The token endpoint refused the code: {answer.get('error')} "
            f"{answer.get('error_description') or ''}".strip()
        )
    if not isinstance(answer.get("id_token"), str):
        raise ProviderError("The token endpoint's answer holds no ID token.")
    return answer


async def _key_set(provider: Provider, policy: AddressPolicy) -> KeySet:
    async with _client(policy) as client:
        request = client.build_request("GET", provider.jwks_uri)
        document = await _json(client, request, "key set (JWKS)")
    try:
        return KeySet.import_key_set(document)  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise ProviderError(f"The key set (JWKS) cannot be read: {exc}") from exc


async def validated_claims(
    provider: Provider,
    request: AuthorizationRequest,
    tokens: dict[str, Any],
    policy: AddressPolicy,
    now: float | None = None,
) -> dict[str, Any]:
    """The ID token's claims, once its signature verifies under the provider's published
    keys and its claims hold: issued by the provider, to this client, not expired (give or
    take LEEWAY), carrying this sign-in's nonce. ProviderError says which check failed."""
    keys = await _key_set(provider, policy)
    try:
        token = jwt.decode(
            tokens["id_token"],
            keys,
            registry=JWSRegistry(algorithms=list(provider.algorithms)),
        )
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise ProviderError(f"The ID token's signature does not verify: {exc}") from exc
    options = {
        "iss": {"essential": True, "value": provider.issuer},
        "aud": {"essential": True, "value": request.client_id},
        "nonce": {"essential": True, "value": request.nonce},
    }
    params = {"nonce": request.nonce, "client_id": request.client_id}
    if isinstance(tokens.get("access_token"), str):
        params["access_token"] = tokens["access_token"]
    claims = CodeIDToken(token.claims, token.header, options, params)
    try:
        claims.validate(now=int(now if now is not None else time.time()), leeway=LEEWAY)
    except JoseError as exc:
        raise ProviderError(f"The ID token was refused: {exc}") from exc
    return dict(claims)
