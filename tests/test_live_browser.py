"""Live updates in the web console: a change made through another connection shows on the
page open in Chromium, without a reload. Browser tests run on SQLite only."""

from __future__ import annotations

import re

import pytest
from httpx import AsyncClient
from playwright.async_api import expect

from models.foundation.ids import encode_id
from tests import factories as f
from tests.browser import Tab, sign_in
from tests.graphql import GraphQLClient

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

# Set on the page's window: a reload would clear it.
MARK = "window.partnerhubLiveMark = 'still this page'"
MARKED = "window.partnerhubLiveMark"


async def test_roles_removed_by_the_customer_leave_the_partners_page_as_it_watches(
    tab: Tab, base: str
) -> None:
    # Given Contoso granted Fabrikam two roles, and Fabrikam's agent has Contoso's page open
    contoso, fabrikam = await f.customer("Contoso"), await f.partner("Fabrikam")
    admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR")
    agent = await f.person(fabrikam, "ADMIN_AGENT")
    roles = ["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"]
    relationship = await f.granted(agent, admin, roles)
    page = tab.page
    await sign_in(tab, agent)
    await page.goto(f"/customers/{encode_id('Relationship', relationship.id)}")
    held = page.get_by_role("region", name="Admin roles")
    await expect(held).to_contain_text("Helpdesk Administrator")
    await expect(held).to_contain_text("User Administrator")
    await page.evaluate(MARK)

    # When Contoso's admin removes Helpdesk Administrator, through another connection
    async with AsyncClient(base_url=base) as http:
        removed = await GraphQLClient(http).query(
            f.REMOVE_ROLES,
            {
                "input": {
                    "relationshipId": encode_id("Relationship", relationship.id),
                    "roles": ["HELPDESK_ADMINISTRATOR"],
                }
            },
            admin.token,
        )
    assert removed["removeRoles"]["errors"] == []

    # Then the agent's page drops it from the roles held, and its history follows the
    # revocation through to its end (the worker's part), all without a reload
    await expect(held).not_to_contain_text("Helpdesk Administrator")
    await expect(held).to_contain_text("User Administrator")
    grants = page.get_by_role("table", name="Role grants")
    history = grants.get_by_role("row", name=re.compile("Helpdesk Administrator"))
    await expect(history).to_contain_text(re.compile("revoked", re.IGNORECASE))
    assert await page.evaluate(MARKED) == "still this page"
    await tab.shot("relationship-live")
    assert tab.errors == []


CANCEL = """
mutation Cancel($input: InvitationIdInput!) {
  cancelInvitation(input: $input) { invitation { status } errors { code } }
}
"""


async def test_an_invitation_canceled_elsewhere_shows_canceled_in_the_list(
    tab: Tab, base: str
) -> None:
    # Given Fabrikam's agent looking at the invitations it sent, one of them pending
    agent = await f.person(await f.partner("Fabrikam"), "ADMIN_AGENT")
    page = tab.page
    await sign_in(tab, agent)
    async with AsyncClient(base_url=base) as http:
        api = GraphQLClient(http)
        sent = await f.send(api, agent, customerEmail="admin@contoso.example.com")
        await page.goto("/invitations")
        row = page.get_by_role("row", name=re.compile("admin@contoso.example.com"))
        await expect(row).to_contain_text("Pending")
        await page.evaluate(MARK)

        # When it is canceled through another connection (a script with the agent's token)
        canceled = await api.query(CANCEL, {"input": {"id": sent["invitation"]["id"]}}, agent.token)
        assert canceled["cancelInvitation"]["errors"] == []

    # Then the list shows it canceled, with no actions left, without a reload
    await expect(row).to_contain_text("Canceled")
    cancel = row.get_by_role("button", name=re.compile("Cancel the invitation"))
    await expect(cancel).to_have_count(0)
    assert await page.evaluate(MARKED) == "still this page"
    assert tab.errors == []
