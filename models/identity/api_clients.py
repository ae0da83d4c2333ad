"""API clients as credentials: their identifiers, secrets and access tokens, and finding the
viewer an access token signs in.

A secret and an access token are 256 random bits, shown once; only their SHA-256 is kept. An
access token works until it expires, is revoked (RFC 7009), or its client is revoked or
expires: each request looks them all up, so a revocation takes effect at once.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from models.identity.actors import Actor
from models.identity.viewer import Viewer
from models.infrastructure.prepared import PreparedSelect
from models.infrastructure.tokens import hash_token, new_token
from models.reference.api_scopes import ApiScope
from models.tables.api_clients import ApiClient, ApiClientSecret, ApiClientToken

CLIENT_ID_PREFIX = "phc_"
SECRET_PREFIX = "phs_"  # noqa: S105 (a prefix, not a secret)
ACCESS_TOKEN_PREFIX = "pha_"  # noqa: S105


def new_client_id() -> str:
    """A client's public identifier (`client_id`): unguessable, though not a secret."""
    return CLIENT_ID_PREFIX + secrets.token_urlsafe(16)


def new_client_secret() -> tuple[str, str]:
    """A fresh client secret and the hash to store for it."""
    return new_token(SECRET_PREFIX)


def new_access_token() -> tuple[str, str]:
    """A fresh access token and the hash to store for it."""
    return new_token(ACCESS_TOKEN_PREFIX)


def scopes_of(values: list[str]) -> frozenset[ApiScope]:
    """The scopes a row holds (values it no longer knows are dropped)."""
    known = {scope.value for scope in ApiScope}
    return frozenset(ApiScope(value) for value in values if value in known)


@dataclass(frozen=True, slots=True)
class LiveClient:
    """A client that may be issued tokens now, with the hashes of its live secrets."""

    row: ApiClient
    secret_hashes: tuple[str, ...]

    def check_secret(self, secret: str) -> bool:
        """Whether `secret` is one of the client's live secrets (compared in constant time)."""
        candidate = hash_token(secret)
        return any(hmac.compare_digest(candidate, known) for known in self.secret_hashes)

    @property
    def scopes(self) -> frozenset[ApiScope]:
        return scopes_of(self.row.scopes)


async def live_client(client_id: str, now: datetime) -> LiveClient | None:
    """The client of `client_id`, unless it is unknown, revoked or expired."""
    row = await ApiClient.get_or_none(client_id=client_id).select_related("organization")
    if row is None or not row.live_at(now):
        return None
    rows = await ApiClientSecret.filter(client_id=row.id).values_list("secret_hash", "expires_at")
    hashes = tuple(h for h, until in rows if until is None or until > now)
    return LiveClient(row, hashes)


# An access token by its hash, with its client and the client's organization: every request
# of an API client.
_ACCESS_TOKEN = PreparedSelect(
    ApiClientToken,
    lambda token_hash: (
        ApiClientToken.filter(token_hash=token_hash).select_related("client__organization").limit(1)
    ),
    arity=1,
)


async def access_token(token: str) -> ApiClientToken | None:
    """The access token row of `token`, with its client, whatever its state."""
    if not token.startswith(ACCESS_TOKEN_PREFIX):
        return None
    return await _ACCESS_TOKEN.first(hash_token(token))


def token_live(row: ApiClientToken, now: datetime) -> bool:
    """Whether an access token signs its client in now: neither it nor its client is revoked
    or expired."""
    return row.revoked_at is None and row.expires_at > now and row.client.live_at(now)


def client_actor(client: ApiClient, scopes: frozenset[ApiScope]) -> Actor:
    """The actor a client is, within `scopes` (its organization loaded)."""
    return Actor.client(client.id, client.organization_id, client.organization.kind, scopes)


async def access_token_still_live(token: str, now: datetime) -> tuple[Viewer, datetime] | None:
    """The viewer an access token signs in (its client, no person), and the token's expiry,
    if the token is live. Its scopes are those it was issued for that the client still
    holds."""
    row = await access_token(token)
    if row is None or not token_live(row, now):
        return None
    client = row.client
    scopes = scopes_of(row.scopes) & scopes_of(client.scopes)
    viewer = Viewer(
        user=None,
        organization=client.organization,
        actor=client_actor(client, scopes),
        api_client=client,
    )
    return viewer, row.expires_at


async def viewer_for_access_token(token: str, now: datetime) -> Viewer | None:
    """The viewer an access token signs in, if the token is live."""
    live = await access_token_still_live(token, now)
    return live[0] if live else None
