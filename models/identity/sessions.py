"""Browser sessions: the cookies that carry them, the CSRF token bound to each, and finding
the viewer a session cookie signs in.

The cookie holds 256 random bits; the table keeps their SHA-256 only, so that reading the
database signs nobody in. Each state-changing request authenticated by the cookie must also
send `X-CSRF-Token`, equal to the readable CSRF cookie set beside it, whose value is an HMAC
of the session's token under SECRET_KEY: another site can neither read it nor make one up.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from models.foundation.settings import Settings
from models.identity.actors import Actor
from models.identity.viewer import Viewer
from models.infrastructure.prepared import PreparedSelect
from models.infrastructure.tokens import hash_token, new_token
from models.reference.enums import UserStatus
from models.tables.sign_in import UserSession

SESSION_COOKIE = "partnerhub_session"
CSRF_COOKIE = "partnerhub_csrf"
CSRF_HEADER = "X-CSRF-Token"

# How often a session's last use is written: a page fires many requests, and a minute is
# precision enough for "last used" and for the idle time-out.
TOUCH_EVERY = timedelta(minutes=1)
# A session by its token's hash, with its user and their organization: every browser request.
_SESSION = PreparedSelect(
    UserSession,
    lambda token_hash: (
        UserSession.filter(token_hash=token_hash).select_related("user__organization").limit(1)
    ),
    arity=1,
)


@dataclass(frozen=True, slots=True)
class SessionTimeouts:
    """A session ends after `idle` unused, and `absolute` after it began in any case."""

    idle: timedelta
    absolute: timedelta

    @classmethod
    def of(cls, settings: Settings) -> SessionTimeouts:
        return cls(
            idle=timedelta(seconds=settings.session_idle_timeout),
            absolute=timedelta(seconds=settings.session_absolute_timeout),
        )


@dataclass(frozen=True, slots=True)
class Device:
    """Where a sign-in comes from, shown in the person's list of sessions."""

    user_agent: str | None = None
    client_address: str | None = None


@dataclass(frozen=True, slots=True)
class OpenedSession:
    """A new session and its token: the cookie's value, for this one response only."""

    session: UserSession
    token: str


def csrf_token(session_token: str, secret: str) -> str:
    """The CSRF token bound to a session: what its CSRF cookie holds and requests echo."""
    return hmac.new(secret.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


async def open_session(
    user_id: UUID,
    timeouts: SessionTimeouts,
    now: datetime,
    device: Device,
    *,
    by_identity_provider: bool = False,
) -> OpenedSession:
    """A new session for the user, from `now` (inside the caller's transaction);
    `by_identity_provider` when the organization's identity provider signed them in."""
    token, token_hash = new_token()
    expires_at = now + timeouts.absolute
    session = await UserSession.create(
        user_id=user_id,
        token_hash=token_hash,
        created_at=now,
        last_used_at=now,
        idle_expires_at=min(now + timeouts.idle, expires_at),
        expires_at=expires_at,
        user_agent=(device.user_agent or "")[:300] or None,
        client_address=device.client_address,
        by_identity_provider=by_identity_provider,
    )
    return OpenedSession(session=session, token=token)


async def viewer_for_session(token: str, timeouts: SessionTimeouts, now: datetime) -> Viewer | None:
    """The viewer a session cookie signs in, while the session lives; its use pushes the idle
    time-out back. An ended session is deleted when met."""
    session = await _live_session(token, now)
    if session is None:
        return None
    if now - session.last_used_at >= TOUCH_EVERY:
        await UserSession.filter(id=session.id).update(
            last_used_at=now, idle_expires_at=min(now + timeouts.idle, session.expires_at)
        )
    return _viewer_of(session)


async def session_still_live(token: str, now: datetime) -> tuple[Viewer, datetime] | None:
    """The viewer a session cookie still signs in, and when the session ends unless it is
    used again; without pushing the idle time-out back: a connection held open (a live
    subscription) is not a person using the console."""
    session = await _live_session(token, now)
    if session is None:
        return None
    return _viewer_of(session), min(session.idle_expires_at, session.expires_at)


async def _live_session(token: str, now: datetime) -> UserSession | None:
    session = await _SESSION.first(hash_token(token))
    if session is None:
        return None
    if not session.live_at(now):
        await UserSession.filter(id=session.id).delete()
        return None
    if session.user.status is UserStatus.DISABLED:
        return None
    return session


def _viewer_of(session: UserSession) -> Viewer:
    user = session.user
    organization = user.organization
    return Viewer(
        user=user,
        organization=organization,
        actor=Actor.of(user, organization.kind),
        session_id=session.id,
        by_identity_provider=session.by_identity_provider,
    )
