"""The API clients page in headless Chromium, against the real app: a partner's admin agent
registers a client and sees its secret once, a real OAuth client (authlib's) takes a token
with it and reads the partner's customers, then the admin revokes the client in the page and
the token stops working at once; a sales agent finds no such page. Browser tests run on
SQLite only; screenshots go to docs/screenshots/."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client
from playwright.async_api import Browser, Locator, Page, expect

from models.reference.enums import PartnerRole
from models.tables.api_clients import ApiClient
from tests import factories as f
from tests.browser import PHONE, open_tab, sign_in

MUTED = "rgb(92, 92, 92)"  # the console's --muted: a revoked client's row is greyed out

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

CUSTOMERS = "{ customers { edges { node { name } } } }"


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


async def customers(client: AsyncOAuth2Client) -> dict[str, Any]:
    """What `/graphql` answers the client's token when it lists its customers."""
    response = await client.post("/graphql", json={"query": CUSTOMERS})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_partner_admin_registers_a_client_whose_token_works_until_revoked_in_the_page(
    chromium: Browser, base: str
) -> None:
    # Given a partner's admin agent, serving Fabrikam, signed in
    partner, admin = await f.listed_partner("Contoso Partners")
    fabrikam = await f.customer("Fabrikam")
    await f.granted(admin, await f.person(fabrikam, "GLOBAL_ADMINISTRATOR"), ["USER_ADMINISTRATOR"])
    async with open_tab(chromium, base) as tab:
        page = tab.page
        await sign_in(tab, admin)

        # When they open API clients from the console's navigation
        await (
            page.get_by_role("navigation", name="Console")
            .get_by_role("link", name="API clients")
            .click()
        )
        await expect(heading(page)).to_have_text("API clients")
        await expect(page.get_by_text("No API clients yet.")).to_be_visible()

        # And register one without a scope: the form says what is missing, nothing is made
        await page.get_by_label("Client name").fill("Customer portal")
        await page.get_by_role("button", name="Register client").click()
        await expect(page.locator('[data-field="scopes"] .field-error')).to_contain_text(
            "Choose at least one scope"
        )
        assert await ApiClient.all().count() == 0

        # When they tick the scopes, each described by what it opens, and register it
        listing = page.get_by_role("checkbox", name=re.compile("^relationships.read"))
        await expect(listing).to_have_accessible_name(re.compile("list its customers"))
        await listing.check()
        await page.get_by_role("checkbox", name=re.compile("^customer_data.read")).check()
        await page.get_by_role("button", name="Register client").click()

        # Then the page shows its secret once, with the warning, and lists the client
        await expect(
            page.get_by_role("status").filter(has_text='"Customer portal" was registered')
        ).to_be_visible()
        notice = page.get_by_role("status").filter(has_text="won't be shown again")
        await expect(notice).to_be_visible()
        client_id = await notice.get_by_label("Client ID").input_value()
        secret = await notice.get_by_label('Client secret of "Customer portal"').input_value()
        row = page.get_by_role("row", name=re.compile("Customer portal"))
        await expect(row).to_contain_text(client_id)
        await expect(row).to_contain_text("relationships.read, customer_data.read")
        await expect(row).to_contain_text("Never")
        await expect(row).to_contain_text("Active")
        assert await tab.accessibility_problems() == []
        await tab.shot("api-clients")

        # And the secret is nowhere once the page is drawn again
        await page.reload()
        await expect(row).to_be_visible()
        await expect(page.get_by_text("won't be shown again")).to_have_count(0)
        assert secret not in await page.content()

        # When a real OAuth client takes a token with the client ID and secret
        async with AsyncOAuth2Client(
            client_id=client_id, client_secret=secret, base_url=base
        ) as portal:
            token = await portal.fetch_token("/oauth/token", grant_type="client_credentials")
            before = await customers(portal)

            # Then it reads the partner's customers with it
            assert token["scope"] == "relationships.read customer_data.read"
            assert before == {"data": {"customers": {"edges": [{"node": {"name": "Fabrikam"}}]}}}

            # When the admin asks to revoke the client, and presses Enter
            await row.get_by_role("button", name="Revoke: Customer portal").click()
            dialog = page.get_by_role("dialog", name='Revoke "Customer portal"?')
            await expect(dialog).to_contain_text("stop working at once")
            await page.keyboard.press("Enter")
            # Then Enter answers No, and the token still works
            await expect(dialog).to_be_hidden()
            assert (await customers(portal))["data"] is not None

            # When they ask again and answer Revoke
            await row.get_by_role("button", name="Revoke: Customer portal").click()
            assert await tab.accessibility_problems() == []
            await tab.shot("api-clients-revoke", full_page=False)
            await dialog.get_by_role("button", name="Revoke").click()

            # Then the page says so, the row shows it revoked with nothing left to do
            await expect(
                page.get_by_role("status").filter(has_text='"Customer portal" was revoked')
            ).to_be_visible()
            await expect(row).to_contain_text("Revoked")
            await expect(row.get_by_role("button")).to_have_count(0)

            # And the token stops working at once
            after = await customers(portal)
        assert after["data"] is None
        assert after["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        # And once the page is drawn again, the revoked client stays in the list, greyed out
        await page.reload()
        await expect(row).to_contain_text("Revoked")
        await expect(row).to_have_class("inactive")
        await expect(row.get_by_role("rowheader")).to_have_css("color", MUTED)
        await expect(row.get_by_role("button")).to_have_count(0)
        await expect(page.get_by_role("heading", name="API clients (0 active)")).to_be_visible()
        assert tab.errors == []

    # And a sales agent of the same partner finds no API clients page, nor behind its address
    sales = await f.person(partner, PartnerRole.SALES_AGENT, email="sales@contoso.com")
    async with open_tab(chromium, base) as other:
        await sign_in(other, sales)
        await expect(other.page.get_by_role("link", name="API clients")).to_have_count(0)
        await other.page.goto("/api-clients")
        await expect(heading(other.page)).to_have_text("API clients")
        await expect(other.page.get_by_text("Your roles don't include managing")).to_be_visible()
        assert other.errors == []


async def test_a_new_secret_is_shown_once_and_the_old_one_stops_when_asked(
    chromium: Browser, base: str
) -> None:
    # Given a customer's Global Administrator with a registered client
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR", email="admin@contoso.com")
    async with open_tab(chromium, base) as tab:
        page = tab.page
        await sign_in(tab, admin)
        await page.goto("/api-clients")
        await page.get_by_label("Client name").fill("Nightly export")
        await page.get_by_role("checkbox", name=re.compile("^activity.read")).check()
        await page.get_by_label("Expires on (optional)").fill("2099-06-30")
        await page.get_by_role("button", name="Register client").click()
        notice = page.get_by_role("status").filter(has_text="won't be shown again")
        client_id = await notice.get_by_label("Client ID").input_value()
        first = await notice.get_by_label('Client secret of "Nightly export"').input_value()

        row = page.get_by_role("row", name=re.compile("Nightly export"))
        await expect(row).to_contain_text("Jun 30, 2099")

        # When they ask for a new secret with the old one kept too long: the dialog says why
        await row.get_by_role("button", name="New secret: Nightly export").click()
        dialog = page.get_by_role("dialog", name='Give "Nightly export" a new secret?')
        hours = dialog.get_by_label("Hours the current secrets keep working")
        await hours.fill("500")
        await dialog.get_by_role("button", name="Make a new secret").click()
        await expect(
            dialog.locator('[data-field="previousSecretHours"] .field-error')
        ).to_contain_text("0 to 168 hours")
        # When they ask again with the current one stopping now
        await hours.fill("0")
        await dialog.get_by_role("button", name="Make a new secret").click()

        # Then the new secret is shown once, a different one
        await expect(
            page.get_by_role("status").filter(has_text='"Nightly export" has a new secret')
        ).to_be_visible()
        second = await notice.get_by_label('Client secret of "Nightly export"').input_value()
        assert second != first
        # And the page reads well on a phone too
        await page.set_viewport_size(PHONE)
        await expect(row).to_contain_text("Active")
        assert await tab.accessibility_problems() == []
        assert tab.errors == []

    # And only the new secret takes a token
    async with AsyncOAuth2Client(client_id=client_id, client_secret=second, base_url=base) as ok:
        token = await ok.fetch_token("/oauth/token", grant_type="client_credentials")
    async with httpx.AsyncClient(base_url=base) as http:
        refused = await http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, first)
        )
    assert token["access_token"]
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
