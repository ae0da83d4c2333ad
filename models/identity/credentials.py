"""What signed a long-lived connection in, checked again while it stays open.

A request is authenticated once, when it arrives; a WebSocket of live updates stays open for
hours. It keeps the credential it was signed in with (a session cookie's token, or a bearer
token), and asks again, on each change it is about to send and when the credential's end
comes, whether it still signs someone in: sign-out, a disabled or removed person, a revoked
token and an expiry all end it. Asking never pushes a session's idle time-out back.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from models.identity.api_clients import ACCESS_TOKEN_PREFIX, access_token_still_live
from models.identity.api_tokens import token_still_live
from models.identity.sessions import session_still_live
from models.identity.viewer import Viewer


@dataclass(frozen=True, slots=True)
class Credential:
    """A session cookie's token (`bearer` False) or a bearer token; never logged or shown."""

    secret: str = dataclasses.field(repr=False)
    bearer: bool


@dataclass(frozen=True, slots=True)
class StillSignedIn:
    """The viewer as of now, and when the credential ends unless used (None: no end)."""

    viewer: Viewer
    ends_at: datetime | None


async def bearer_still_live(token: str, now: datetime) -> tuple[Viewer, datetime | None] | None:
    """Whom a bearer token signs in now, and when it ends (None: no end): a person's API
    token, or an API client's access token (from `/oauth/token`)."""
    if token.startswith(ACCESS_TOKEN_PREFIX):
        return await access_token_still_live(token, now)
    return await token_still_live(token, now)


async def viewer_for_bearer(token: str, now: datetime) -> Viewer | None:
    """The viewer a bearer token signs in now, if any."""
    live = await bearer_still_live(token, now)
    return live[0] if live else None


async def still_signed_in(
    credential: Credential, signed_in: Viewer, now: datetime
) -> StillSignedIn | None:
    """The person (or API client) `credential` signs in now, with their current roles, or
    None once it has ended. `signed_in` is the viewer it signed in first: a session limited
    to enrolling a second factor stays limited for the connection's life."""
    if credential.bearer:
        live = await bearer_still_live(credential.secret, now)
        return StillSignedIn(*live) if live else None
    session = await session_still_live(credential.secret, now)
    if session is None:
        return None
    viewer, ends_at = session
    viewer = dataclasses.replace(viewer, mfa_enrollment_required=signed_in.mfa_enrollment_required)
    return StillSignedIn(viewer, ends_at)
