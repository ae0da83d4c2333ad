"""Authentication, in one place: the middleware puts a Viewer on each request.

A request signs in with `Authorization: Bearer <token>` (a person's script, or an API client's
access token from `POST /oauth/token`) or with the session cookie
(browsers, after `signIn`); a bearer header wins when both are sent. A session of someone who
must use a second factor and has none is marked limited to enrolment (bearer tokens never
are). A bad bearer token is an
error on every request that needs a viewer; a session cookie that has ended is simply no
sign-in (the console then asks to sign in again), so that it never stands in the way of
signing in anew.
"""

from __future__ import annotations

import dataclasses

from starlette.authentication import AuthCredentials, AuthenticationBackend, BaseUser
from starlette.requests import HTTPConnection

from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.identity.credentials import viewer_for_bearer
from models.identity.sessions import SESSION_COOKIE, SessionTimeouts, viewer_for_session
from models.identity.viewer import Viewer
from models.policy.limited_sessions import as_signed_in
from models.policy.mfa import enrollment_required


class Anonymous(BaseUser):
    """Nobody signed in; `bad_credentials` tells a wrong token from none at all, and
    `session_ended` a session cookie that no longer signs in."""

    def __init__(self, bad_credentials: bool = False, session_ended: bool = False) -> None:
        self.bad_credentials = bad_credentials
        self.session_ended = session_ended

    @property
    def is_authenticated(self) -> bool:
        return False

    @property
    def display_name(self) -> str:
        return ""

    @property
    def identity(self) -> str:
        return ""


class CredentialsBackend(AuthenticationBackend):
    def __init__(self, settings: Settings) -> None:
        self.timeouts = SessionTimeouts.of(settings)

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        header = conn.headers.get("authorization")
        if header:
            scheme, _, token = header.partition(" ")
            viewer = await self._bearer(token.strip()) if scheme.lower() == "bearer" else None
            if viewer is None:
                return AuthCredentials(), Anonymous(bad_credentials=True)
            return AuthCredentials(["authenticated"]), as_signed_in(viewer)
        cookie = conn.cookies.get(SESSION_COOKIE)
        if cookie:
            viewer = await viewer_for_session(cookie, self.timeouts, utcnow())
            if viewer is None:
                return AuthCredentials(), Anonymous(session_ended=True)
            user = viewer.user
            if user is None:  # a session always signs in a person
                return AuthCredentials(), Anonymous(session_ended=True)
            if not viewer.by_identity_provider and await enrollment_required(
                user.id, user.roles, viewer.organization
            ):
                viewer = dataclasses.replace(viewer, mfa_enrollment_required=True)
            return AuthCredentials(["authenticated"]), as_signed_in(viewer)
        return AuthCredentials(), Anonymous()

    @staticmethod
    async def _bearer(token: str) -> Viewer | None:
        """A person's bearer token, or an API client's access token (from /oauth/token)."""
        return await viewer_for_bearer(token, utcnow())
