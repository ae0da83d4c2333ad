"""Bearer tokens for scripts: issuing one, and finding the viewer a token signs in.

A token is shown once; only its SHA-256 is kept. It works until its owner revokes it or its
optional expiry passes, and never for a disabled account.
"""

from __future__ import annotations

from datetime import datetime

from models.identity.actors import Actor
from models.identity.viewer import Viewer
from models.infrastructure.prepared import PreparedSelect
from models.infrastructure.tokens import hash_token, new_token
from models.reference.enums import UserStatus
from models.tables.organizations import ApiToken, User

TOKEN_PREFIX = "ph_"  # noqa: S105 (a prefix, not a secret)

# A live token by its hash, with its user and their organization: every signed-in request.
_LIVE_TOKEN = PreparedSelect(
    ApiToken,
    lambda token_hash: (
        ApiToken.filter(token_hash=token_hash, revoked_at=None)
        .select_related("user__organization")
        .limit(1)
    ),
    arity=1,
)


def new_api_token() -> tuple[str, str]:
    """A fresh bearer token and the hash to store for it."""
    return new_token(TOKEN_PREFIX)


async def issue_token(user: User, name: str = "", expires_at: datetime | None = None) -> str:
    """A new bearer token for the user (the command line's and the tests'); show it now or
    never."""
    token, token_hash = new_api_token()
    await ApiToken.create(user=user, token_hash=token_hash, name=name, expires_at=expires_at)
    return token


async def viewer_for_token(token: str, now: datetime) -> Viewer | None:
    """The viewer a bearer token signs in, if the token is live."""
    live = await token_still_live(token, now)
    return live[0] if live else None


async def token_still_live(token: str, now: datetime) -> tuple[Viewer, datetime | None] | None:
    """The viewer a bearer token signs in, and its expiry (None: none), if the token is live."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    api_token = await _LIVE_TOKEN.first(hash_token(token))
    if api_token is None or (api_token.expires_at is not None and api_token.expires_at <= now):
        return None
    user = api_token.user
    if user.status is UserStatus.DISABLED:
        return None
    organization = user.organization
    viewer = Viewer(
        user=user,
        organization=organization,
        actor=Actor.of(user, organization.kind),
        api_token_id=api_token.id,
    )
    return viewer, api_token.expires_at
