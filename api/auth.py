"""Bearer-token authentication, in one place: the middleware puts a Viewer on each request."""

from __future__ import annotations

from starlette.authentication import AuthCredentials, AuthenticationBackend, BaseUser
from starlette.requests import HTTPConnection

from models.identity.actors import Actor
from models.identity.viewer import Viewer
from models.infrastructure.tokens import hash_token, new_token
from models.tables.organizations import ApiToken, User

TOKEN_PREFIX = "ph_"  # noqa: S105 (a prefix, not a secret)


class Anonymous(BaseUser):
    """Nobody signed in; `bad_credentials` tells a wrong token from none at all."""

    def __init__(self, bad_credentials: bool = False) -> None:
        self.bad_credentials = bad_credentials

    @property
    def is_authenticated(self) -> bool:
        return False

    @property
    def display_name(self) -> str:
        return ""

    @property
    def identity(self) -> str:
        return ""


async def viewer_for_token(token: str) -> Viewer | None:
    """The viewer a bearer token signs in, if the token is live."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    api_token = await ApiToken.get_or_none(
        token_hash=hash_token(token), revoked_at=None
    ).select_related("user__organization")
    if api_token is None:
        return None
    user = api_token.user
    organization = user.organization
    return Viewer(user=user, organization=organization, actor=Actor.of(user, organization.kind))


async def issue_token(user: User) -> str:
    """A new bearer token for the user; only its hash is kept, so show it now or never."""
    token, token_hash = new_token(TOKEN_PREFIX)
    await ApiToken.create(user=user, token_hash=token_hash)
    return token


class BearerTokenBackend(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        header = conn.headers.get("authorization")
        if not header:
            return AuthCredentials(), Anonymous()
        scheme, _, token = header.partition(" ")
        viewer = await viewer_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if viewer is None:
            return AuthCredentials(), Anonymous(bad_credentials=True)
        return AuthCredentials(["authenticated"]), viewer
