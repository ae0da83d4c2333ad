"""The web console over HTTP: its shell answers the client-side routes, its files are served.

What its pages do is tested in a real browser (tests/test_console_browser.py).
"""

from __future__ import annotations

import re

import pytest

from api.pages import CONSOLE_DIR, CONSOLE_PATHS, CONTENT_SECURITY_POLICY
from tests.graphql import GraphQLClient

SHELL = '<script type="module" src="/console/app.js">'


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/signin",
        "/partners",
        "/partners/UmVsYXRpb25zaGlwOjE",
        "/invitations/accept?token=abc",
        "/invitations/new",
        "/agreement",
    ],
)
async def test_client_side_routes_answer_the_console_shell(api: GraphQLClient, path: str) -> None:
    # When a browser opens a console address
    page = await api.http.get(path)

    # Then it gets the shell, which runs only the console's own files
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert SHELL in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["referrer-policy"] == "no-referrer"


async def test_the_console_files_are_served_as_they_are(api: GraphQLClient) -> None:
    # When the browser loads the modules and styles the shell names
    script = await api.http.get("/console/app.js")
    page_module = await api.http.get("/console/pages/invitation.js")
    styles = await api.http.get("/console/styles.css")

    # Then they are the files of api/console, as JavaScript and CSS
    assert script.status_code == 200
    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert script.text == (CONSOLE_DIR / "app.js").read_text()
    assert page_module.status_code == 200
    assert styles.headers["content-type"].startswith("text/css")

    # And a file that does not exist is not found, rather than answered with the shell
    assert (await api.http.get("/console/nope.js")).status_code == 404


async def test_other_addresses_are_not_the_console(api: GraphQLClient) -> None:
    # When the console's routes are there, the API and the probes still answer
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    data = await api.query("{ relationshipTypes { type } }")
    assert len(data["relationshipTypes"]) == 9

    # And an address the console does not have is not found, and its shell only answers GET
    assert (await api.http.get("/no/such/page")).status_code == 404
    assert (await api.http.get("/partners/1/more")).status_code == 404
    assert (await api.http.post("/partners")).status_code == 405


@pytest.mark.parametrize("path", ["/no/such/page", "/partners/1/more", "/invitation"])
async def test_an_unknown_address_answers_the_consoles_own_not_found_page(
    api: GraphQLClient, path: str
) -> None:
    # When a browser opens an address the console has no page for
    page = await api.http.get(path)

    # Then it is not found, and gets the console's shell (whose router says so, with a link
    # home) under the console's headers, rather than a bare "Not Found"
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert SHELL in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-cache"


async def test_what_is_not_a_page_stays_a_plain_not_found(api: GraphQLClient) -> None:
    # When a console file that does not exist is asked for, or a page is posted to nowhere
    missing_file = await api.http.get("/console/nope.js")
    posted = await api.http.post("/no/such/page")

    # Then each is a plain 404, not the console's page
    for response in (missing_file, posted):
        assert response.status_code == 404
        assert SHELL not in response.text


def test_the_server_answers_every_route_of_the_console_and_no_other() -> None:
    # The client-side routes in routes.js are the paths the server answers with the shell
    routes_js = (CONSOLE_DIR / "routes.js").read_text()
    table = routes_js.split("export const ROUTES", 1)[1].split("];", 1)[0]
    client = [re.sub(r":(\w+)", r"{\1}", path) for path in re.findall(r'path: "([^"]+)"', table)]
    assert sorted(client) == sorted(CONSOLE_PATHS)


def test_the_console_needs_no_build_and_no_third_party_code() -> None:
    # The console is the modules written here: each imports only files of api/console
    modules = sorted(CONSOLE_DIR.rglob("*.js"))
    assert modules
    for module in modules:
        text = module.read_text()
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith("import ") and " from " in stripped:
                source = stripped.rsplit(" from ", 1)[1].strip(' ";')
                assert source.startswith("."), f"{module.name} imports {source}"


def _shell_addresses() -> list[str]:
    """Every address whose answer is the console's shell: each client-side route (an ID where
    one goes), the shell's own file, and an address with no page."""
    routes = [path.replace("{id}", "T3JnYW5pemF0aW9uOjE") for path in CONSOLE_PATHS]
    return [*routes, "/console/index.html", "/no/such/page"]


@pytest.mark.parametrize("path", _shell_addresses())
async def test_every_address_that_serves_the_console_sends_its_headers(
    api: GraphQLClient, path: str
) -> None:
    # When a browser opens an address that answers the console's shell
    page = await api.http.get(path)
    assert SHELL in page.text

    # Then the shell comes with the console's headers: it runs only its own files, may be
    # framed by no one, is not sniffed into another type, and sends no Referer
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"


async def test_the_console_files_are_served_with_its_headers(api: GraphQLClient) -> None:
    # When the browser loads the console's modules and styles
    for path in ("/console/app.js", "/console/pages/invitation.js", "/console/styles.css"):
        response = await api.http.get(path)

        # Then they are never sniffed into another type, nor framed
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
