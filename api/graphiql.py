"""GraphiQL from Partnerhub's own files: it works offline and loads nothing from elsewhere.

Strawberry's GraphiQL page loads React and GraphiQL from a CDN, so without internet it stays
on "Loading...". The same files come from PyPI instead: `graphene-django-graphiql-static`
ships the published builds of GraphiQL 2.1.0 and React 17.0.2 as plain files (its Django code
is never imported), and `make install` installs it with everything else. The page, its own
start-up script and those files are served under `/graphiql/`, and the page's policy lets
the browser load and connect to nothing but this origin.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

ASSETS_PACKAGE = "graphene_django_graphiql_static"
PREFIX = "/graphiql"
PAGE_DIR = Path(__file__).parent / "graphiql_files"

# The package's files that the page loads, in order, each with its Subresource Integrity
# hash: the browser uses a file only if it is, byte for byte, the build published on npm
# (the same hashes as graphene-django's page, which loads them from the CDN).
SCRIPTS = {
    "react.production.min.js": "sha256-Ipu/TQ50iCCVZBUsZyNJfxrDk0E2yhaEIz0vqI+kFG8=",
    "react-dom.production.min.js": "sha256-nbMykgB6tsOFJ7OdVmPpdqMFVk4ZsqWocT6issAPUF0=",
    "graphiql.min.js": "sha256-xWTeBbldGE4sW6XOryY1gh9r+S8tV3e3TZEAT/a1kdE=",
}
STYLESHEETS = {
    "graphiql.min.css": "sha256-xs1Lg/AcXh/0l113vJVxhNzm3sAVX7+cxNkZDrqKe50=",
}
# Partnerhub's own: the page's layout and the script that starts GraphiQL (no inline code).
OWN_FILES = ("graphiql.css", "start.js")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "font-src 'self' data:",  # GraphiQL's fonts are data: URLs inside its stylesheet
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def assets_directory() -> Path | None:
    """Where the installed package keeps GraphiQL's files; None when it is not installed.

    Found, not imported: importing it would import Django.
    """
    spec = importlib.util.find_spec(ASSETS_PACKAGE)
    for location in (spec.submodule_search_locations or []) if spec else []:
        directory = Path(location) / "static" / ASSETS_PACKAGE
        if all((directory / name).is_file() for name in (*SCRIPTS, *STYLESHEETS)):
            return directory
    return None


def _page() -> str:
    styles = [
        f'<link rel="stylesheet" href="{PREFIX}/{name}" integrity="{digest}">'
        for name, digest in STYLESHEETS.items()
    ]
    scripts = [
        f'<script src="{PREFIX}/{name}" integrity="{digest}" defer></script>'
        for name, digest in SCRIPTS.items()
    ]
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<title>Partnerhub GraphiQL</title>",
            *styles,
            f'<link rel="stylesheet" href="{PREFIX}/graphiql.css">',
            *scripts,
            f'<script src="{PREFIX}/start.js" defer></script>',
            "</head>",
            "<body>",
            '<div id="graphiql">Loading…</div>',
            "</body>",
            "</html>",
            "",
        ]
    )


def page() -> Response:
    """GraphiQL's page, or a plain answer that says how to install its files."""
    if assets_directory() is None:
        return PlainTextResponse(
            f"GraphiQL's files are not installed (the {ASSETS_PACKAGE.replace('_', '-')} "
            "package): run `make install`.",
            status_code=503,
        )
    return HTMLResponse(_page(), headers=PAGE_HEADERS)


async def asset(request: Request) -> Response:
    """One of the page's files; nothing else of the package or of the folder."""
    name = request.path_params["name"]
    directory = PAGE_DIR if name in OWN_FILES else assets_directory()
    if directory is None or name not in (*OWN_FILES, *SCRIPTS, *STYLESHEETS):
        return PlainTextResponse("Not Found", status_code=404)
    return FileResponse(
        directory / name,
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


def routes() -> list[BaseRoute]:
    return [Route(f"{PREFIX}/{{name}}", asset, methods=["GET"])]
