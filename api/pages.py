"""The web console: a single-page app whose shell answers `/` and every client-side route.

The console's files live in `api/console/` and are served under `/console/`; the shell,
`index.html`, answers each of the console's own addresses (the invitation link's
`/invitations/accept?token=...` among them), and the app's router draws the page from the path.
The console reads and writes everything through `POST /graphql`.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import PathLike, StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import Scope

CONSOLE_DIR = Path(__file__).parent / "console"

# Server-rendered pages that remain (the local mailbox of `partnerhub dev`).
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

# The console runs only its own files: no inline script, no other origin, no framing.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ]
)
SHELL_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
    # The invitation and set-password links carry a token in the query string: keep it out
    # of Referer.
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


# The console's client-side routes, as `api/console/routes.js` lists them (`:id` there is
# `{id}` here): each answers the shell, and any other address is not found (`not_found`).
CONSOLE_PATHS = (
    "/",
    "/signin",
    "/forgot-password",
    "/set-password",
    "/change-password",
    "/security",
    "/single-sign-on",
    "/people",
    "/security/authenticator",
    "/invitations/accept",
    "/agreement",
    "/directory",
    "/directory/{id}",
    "/organization",
    "/partners",
    "/partners/{id}",
    "/invitations",
    "/invitations/new",
    "/customers",
    "/customers/{id}",
    "/customer-data/{id}",
    "/leads",
    "/leads/{id}",
    "/directory-profile",
    "/security-groups",
    "/templates",
    "/bulk-send",
    "/bulk-operations/{id}",
)


async def console(request: Request) -> Response:
    """The console's shell, whatever the client-side route."""
    return FileResponse(CONSOLE_DIR / "index.html", headers=SHELL_HEADERS)


async def not_found(request: Request, exc: Exception) -> Response:
    """What the app answers where nothing is: for a page a browser asks for, the console's own
    "Page not found" (the shell, whose router finds no page there and offers a way home), with
    status 404 and the shell's headers; for anything else (a missing file of the console, a
    method other than GET) a plain 404."""
    if request.method in ("GET", "HEAD") and not request.url.path.startswith("/console/"):
        return FileResponse(CONSOLE_DIR / "index.html", status_code=404, headers=SHELL_HEADERS)
    return PlainTextResponse("Not Found", status_code=404)


class ConsoleFiles(StaticFiles):
    """The console's files, each with the shell's headers: `/console/index.html` is the shell
    too, and must no more be framed or sniffed at that address than at `/`."""

    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(SHELL_HEADERS)
        return response


def console_routes() -> list[BaseRoute]:
    """The shell at each client-side route, and the console's files under `/console/`."""
    routes: list[BaseRoute] = [Route(path, console, methods=["GET"]) for path in CONSOLE_PATHS]
    routes.append(Mount("/console", app=ConsoleFiles(directory=CONSOLE_DIR), name="console"))
    return routes
