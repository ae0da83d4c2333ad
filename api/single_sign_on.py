"""Single sign-on's two addresses: `GET /auth/oidc/start` sends the browser to the
organization's identity provider, and `GET /auth/oidc/callback` is where the provider sends it
back (the redirect URI registered there).

`start` takes `org` (the organization's ID, as the API shows it, or its bare UUID) or `email`
(whose domain names the organization), and `next` (the console's page to open afterwards).
It sets a short-lived cookie that ties the return to this browser. The callback signs the
person in with the same session cookies as a password, then opens the console. Any refusal
opens the console's sign-in page with `?ssoError=<ErrorCode>`, which says what to do; the
reason, which may interest the organization's administrators, is logged (it holds no secret).
"""

from __future__ import annotations

import logging
from uuid import UUID

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from models.foundation.client_address import current_client_address
from models.foundation.clock import utcnow
from models.foundation.errors import DomainError
from models.foundation.ids import decode_id
from models.foundation.settings import Settings
from models.identity.sessions import Device, SessionTimeouts
from models.infrastructure.oidc import AddressPolicy
from models.operation import Operation
from models.rules import single_sign_on as rules
from schema.sign_in.cookies import set_session_cookies
from workers.dispatch import after_commit

log = logging.getLogger(__name__)

# Ties the provider's return to the browser that left for it; read by the callback only.
BROWSER_COOKIE = "partnerhub_sso"
BROWSER_COOKIE_PATH = "/auth/oidc"


def _organization(value: str | None) -> UUID | None:
    if not value:
        return None
    found = decode_id("Organization", value)
    if found is not None:
        return found
    try:
        return UUID(value)
    except ValueError:
        return None


def _to_sign_in(settings: Settings, refused: DomainError) -> RedirectResponse:
    log.info("single sign-on refused (%s): %s", refused.code.value, refused.message)
    response = RedirectResponse(
        f"{settings.public_url.rstrip('/')}/signin?ssoError={refused.code.value}", 303
    )
    response.delete_cookie(
        BROWSER_COOKIE,
        path=BROWSER_COOKIE_PATH,
        httponly=True,
        secure=settings.cookies_secure,
        samesite="lax",
    )
    return response


async def start(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    params = request.query_params
    op = Operation(actor=None, sealer=request.app.state.sealer)
    try:
        started = await rules.start(
            op,
            organization_id=_organization(params.get("org")),
            email=params.get("email"),
            next_path=params.get("next"),
            public_url=settings.public_url,
            policy=AddressPolicy.of(settings),
        )
    except DomainError as refused:
        return _to_sign_in(settings, refused)
    response = RedirectResponse(started.url, 303)
    response.set_cookie(
        BROWSER_COOKIE,
        started.browser_token,
        max_age=int(rules.REQUEST_LIFETIME.total_seconds()),
        path=BROWSER_COOKIE_PATH,
        httponly=True,
        secure=settings.cookies_secure,
        samesite="lax",  # sent when the provider sends the browser back, a top-level GET
    )
    return response


async def callback(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    params = request.query_params
    op = Operation(actor=None, sealer=request.app.state.sealer)
    try:
        finished = await rules.finish(
            op,
            state=params.get("state", ""),
            code=params.get("code"),
            error=params.get("error"),
            browser_token=request.cookies.get(BROWSER_COOKIE, ""),
            public_url=settings.public_url,
            policy=AddressPolicy.of(settings),
            timeouts=SessionTimeouts.of(settings),
            device=Device(
                user_agent=request.headers.get("user-agent"),
                client_address=current_client_address(),
            ),
        )
    except DomainError as refused:
        return _to_sign_in(settings, refused)
    finally:
        await after_commit(op, request.app.state.redis)
    session = finished.signed_in.session
    response = RedirectResponse(f"{settings.public_url.rstrip('/')}{finished.next_path}", 303)
    set_session_cookies(response, session.token, session.session.expires_at, utcnow(), settings)
    response.delete_cookie(
        BROWSER_COOKIE,
        path=BROWSER_COOKIE_PATH,
        httponly=True,
        secure=settings.cookies_secure,
        samesite="lax",
    )
    return response


ROUTES = [
    Route(rules.START_PATH, start, methods=["GET"]),
    Route(rules.CALLBACK_PATH, callback, methods=["GET"]),
]
