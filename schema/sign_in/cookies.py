"""The session's two cookies on a response: set by signIn and setPassword, cleared by signOut.

`partnerhub_session` carries the session's token: HttpOnly, so no script reads it.
`partnerhub_csrf` carries the CSRF token bound to it: readable, so that the console can echo
it in `X-CSRF-Token`. Both are SameSite=Lax, and Secure except on a loopback http:// address
in development (`Settings.cookies_secure`).
"""

from __future__ import annotations

from datetime import datetime

from starlette.responses import Response

from models.foundation.settings import Settings
from models.identity.sessions import CSRF_COOKIE, SESSION_COOKIE, csrf_token


def set_session_cookies(
    response: Response, token: str, expires_at: datetime, now: datetime, settings: Settings
) -> None:
    """Both cookies for a new session, kept by the browser until the session's absolute end
    (the server ends it sooner when it stays unused)."""
    max_age = max(0, int((expires_at - now).total_seconds()))
    secure = settings.cookies_secure
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, secure=secure, samesite="lax"
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token(token, str(settings.secret_key)),
        max_age=max_age,
        httponly=False,
        secure=secure,
        samesite="lax",
    )


def clear_session_cookies(response: Response, settings: Settings) -> None:
    secure = settings.cookies_secure
    for name, httponly in ((SESSION_COOKIE, True), (CSRF_COOKIE, False)):
        response.delete_cookie(name, httponly=httponly, secure=secure, samesite="lax")
