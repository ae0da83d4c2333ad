"""GraphiQL at GET /graphql works offline: every file it needs comes from the app itself.

The browser test runs on SQLite only, in headless Chromium, with every request that does
not go to the app refused, as on a machine without internet.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
from urllib.parse import urlsplit

import pytest
from httpx import ASGITransport, AsyncClient
from playwright.async_api import Browser, Route, expect
from starlette.datastructures import Secret

from api.app import create_app
from models.foundation.settings import Settings
from models.reference.enums import PartnerRole
from tests import factories as f
from tests.browser import live_app, open_tab

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ASKS_FOR_HTML = {"Accept": "text/html"}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _sri(content: bytes) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(content).digest()).decode()


def _client(settings: Settings) -> AsyncClient:
    return AsyncClient(transport=ASGITransport(app=create_app(settings)), base_url="http://t")


async def test_the_page_loads_only_files_of_the_app_each_checked_by_its_hash(
    db: Settings,
) -> None:
    async with _client(db) as http:
        # When a developer's browser asks for /graphql
        page = await http.get("/graphql", headers=ASKS_FOR_HTML)

        # Then it gets GraphiQL's page, under a policy that allows this origin only
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert "script-src 'self';" in policy
        assert "unsafe" not in policy
        assert "http" not in policy

        # And every script and stylesheet it names is a path of the app, with its hash
        files = re.findall(r'(?:src|href)="([^"]+)"(?: integrity="([^"]+)")?', page.text)
        assert len(files) >= 5
        assert not re.search(r"https?://", page.text)
        for path, integrity in files:
            assert path.startswith("/graphiql/"), path
            served = await http.get(path)
            assert served.status_code == 200, path
            assert served.headers["x-content-type-options"] == "nosniff"
            # And the published builds are byte for byte what their hashes say
            if integrity:
                assert _sri(served.content) == integrity, path

        # And nothing else is served from there
        assert (await http.get("/graphiql/graphql-ws.min.js")).status_code == 404
        assert (await http.get("/graphiql/..%2Fviews.py")).status_code == 404

    # When the app runs in production
    production = dataclasses.replace(db, environment="production", secret_key=Secret("x" * 40))
    async with _client(production) as http:
        # Then neither the page nor its files are served
        assert (await http.get("/graphql", headers=ASKS_FOR_HTML)).status_code == 404
        assert (await http.get("/graphiql/graphiql.min.js")).status_code == 404


@pytest.mark.browser
async def test_graphiql_runs_a_query_in_a_browser_that_can_reach_only_the_app(
    chromium: Browser, db: Settings
) -> None:
    # Given an agent with a token, and the app served over HTTP
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    async with live_app(db) as base, open_tab(chromium, base) as tab:
        # And a browser in which any request to another host fails, as it would offline
        elsewhere: list[str] = []

        async def loopback_only(route: Route) -> None:
            if urlsplit(route.request.url).hostname in LOOPBACK:
                await route.continue_()
            else:
                elsewhere.append(route.request.url)
                await route.abort("internetdisconnected")

        await tab.context.route("**/*", loopback_only)

        # When a developer opens GraphiQL
        await tab.page.goto("/graphql")

        # Then the editor renders, with the welcome query, instead of staying on "Loading…"
        editor = tab.page.locator(".graphiql-query-editor .CodeMirror")
        await expect(editor).to_be_visible()
        await expect(editor).to_contain_text("relationshipTypes")

        # When they run it
        await tab.page.locator(".graphiql-execute-button").click()

        # Then the answer shows
        response = tab.page.locator(".graphiql-response")
        await expect(response).to_contain_text("GDAP_PARTNER")

        # When they write the agent's bearer token under Headers and ask who they are
        await tab.page.get_by_role("button", name="Headers", exact=True).click()
        await tab.page.evaluate(
            """([query, headers]) => {
                const shown = (selector) =>
                    [...document.querySelectorAll(selector)]
                        .find((editor) => !editor.classList.contains("hidden"))
                        .querySelector(".CodeMirror").CodeMirror;
                shown(".graphiql-query-editor").setValue(query);
                shown(".graphiql-editor-tool .graphiql-editor").setValue(headers);
            }""",
            [
                "{ viewer { email } }",
                json.dumps({"Authorization": f"Bearer {agent.token}"}),
            ],
        )
        await tab.page.locator(".graphiql-execute-button").click()

        # Then the API answers for the agent
        await expect(response).to_contain_text(agent.email)

        # And nothing was asked of any other host, and nothing failed or was refused
        assert elsewhere == []
        assert tab.errors == []
