"""The web console in headless Chromium, against the real app, a real worker and real mail.

Each test saves screenshots of the pages it visits under docs/screenshots/ (the README shows
them). Browser tests run on SQLite only.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import AsyncClient
from playwright.async_api import Browser, async_playwright, expect

from api.settings import Settings
from models.clock import utcnow
from models.enums import RoleGrantStatus
from models.organizations import ApiToken, Organization
from models.relationships import AgreementAcceptance, RoleGrant
from tests import factories as f
from tests.browser import CHROMIUM, CHROMIUM_ARGS, PHONE, Tab, live_app, open_tab
from tests.flows import ACCEPT_LINK
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link, text_of
from tests.servers import SmtpServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, for the whole session."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def base(db: Settings) -> AsyncIterator[str]:
    """The console's base URL: the app and a worker, on this test's empty database."""
    async with live_app(db) as url:
        yield url


@pytest.fixture
async def http(base: str) -> AsyncIterator[GraphQLClient]:
    """The API of the running app, over HTTP."""
    async with AsyncClient(base_url=base) as client:
        yield GraphQLClient(client)


@pytest.fixture
async def tab(chromium: Browser, base: str) -> AsyncIterator[Tab]:
    async with open_tab(chromium, base) as opened:
        yield opened


async def contoso_and_fabrikam() -> tuple[f.Person, f.Person]:
    """Contoso's global admin and Fabrikam's admin agent, with names to show."""
    contoso = await f.customer("Contoso")
    fabrikam = await f.partner("Fabrikam")
    admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR", email="admin@contoso.com")
    agent = await f.person(fabrikam, "ADMIN_AGENT", email="agent@fabrikam.com")
    for person, name in ((admin, "Alex Wilber"), (agent, "Adele Vance")):
        person.user.display_name = name
        await person.user.save(update_fields=["display_name"])
    return admin, agent


async def emailed_link(
    http: GraphQLClient, smtp: SmtpServer, agent: f.Person, **fields: Any
) -> tuple[dict[str, Any], str]:
    """An invitation sent over HTTP and emailed by the worker: it and its email's link."""
    seen = len(smtp.messages)
    sent = await f.send(http, agent, customerEmail="admin@contoso.com", **fields)
    assert sent["errors"] == [], sent["errors"]
    while True:  # other emails (a partner told of an acceptance...) may come first
        mails = await smtp.await_for(seen + 1)
        seen += 1
        if ACCEPT_LINK in text_of(mails[seen - 1]):
            url, _ = invitation_link(mails[seen - 1])
            return sent["invitation"], url


async def sign_in_by_link(tab: Tab, person: f.Person) -> None:
    await tab.page.goto(f"/?token={person.token}")
    await expect(tab.page.get_by_role("button", name="Sign out")).to_be_visible()


async def test_sign_in_with_a_pasted_token_and_sign_out(tab: Tab, db: Settings) -> None:
    # Given Contoso's admin
    admin, _ = await contoso_and_fabrikam()
    page = tab.page

    # When someone opens a console page without signing in
    await page.goto("/partners")

    # Then the sign-in form asks for a token, and a wrong one is refused next to the field
    await expect(page).to_have_url(re.compile(r"/signin\?next=%2Fpartners$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Partnerhub")
    await tab.shot("sign-in")
    token = page.get_by_label("Access token")
    await token.fill("ph_not-a-real-token")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator('[data-field="token"] .field-error')).to_have_text(
        "That access token is not valid."
    )
    await expect(token).to_have_attribute("aria-invalid", "true")

    # When the admin pastes a real one
    await token.fill(admin.token)
    await page.get_by_role("button", name="Sign in").click()

    # Then the customer side opens where they were going, kept for the tab only
    await expect(page).to_have_url(re.compile(r"/partners$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Partner relationships")
    await expect(page.get_by_role("navigation", name="Console")).to_contain_text(
        "Partner relationships"
    )
    await expect(page.get_by_text("Alex Wilber")).to_be_visible()
    await expect(page.get_by_text("You have no partners yet.")).to_be_visible()
    assert await page.evaluate("sessionStorage.getItem('partnerhub.token')") == admin.token

    # When they sign out
    await page.get_by_role("button", name="Sign out").click()

    # Then the token is gone and the sign-in form is back
    await expect(page).to_have_url(re.compile(r"/signin$"))
    await expect(page.get_by_role("status").filter(has_text="You signed out.")).to_be_visible()
    assert await page.evaluate("sessionStorage.getItem('partnerhub.token')") is None
    await page.goto("/partners")
    await expect(page).to_have_url(re.compile(r"/signin\?next="))
    assert tab.errors == []


async def test_an_emailed_invitation_accepted_then_roles_removed(
    tab: Tab, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given Fabrikam's GDAP invitation for two roles, emailed to Contoso's global admin
    admin, agent = await contoso_and_fabrikam()
    _, link = await emailed_link(
        http,
        smtp_server,
        agent,
        roles=["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"],
        durationDays=180,
        message="Hi Alex, this lets our helpdesk reset passwords and manage users for you.",
    )
    page = tab.page
    await sign_in_by_link(tab, admin)
    await expect(page).to_have_url(re.compile(r"/partners$"))  # the token left the address

    # When the admin opens the email's link
    await page.goto(link)

    # Then the invitation says who, what, which roles in words and for how long
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Fabrikam invites you to a Granular delegated admin (GDAP) relationship"
    )
    offer = page.get_by_role("region", name="What the invitation offers")
    for words in ("User Administrator", "Helpdesk Administrator", "180 days", "Hi Alex"):
        await expect(offer).to_contain_text(words)
    answer = page.get_by_role("form", name="Answer the invitation")
    await expect(answer.get_by_role("link", name="Customer Agreement")).to_have_attribute(
        "href", "/agreement"
    )

    # And Accept & Authorize stays disabled until the agreement is acknowledged
    accept = page.get_by_role("button", name="Accept & Authorize")
    await expect(accept).to_be_disabled()
    await expect(page.get_by_role("button", name="Cancel invitation")).to_be_enabled()
    await tab.shot("invitation")
    await page.get_by_label("I have read and accept the Customer Agreement").check()
    await expect(accept).to_be_enabled()

    # When the admin accepts
    await accept.click()

    # Then the page says so, and the partner is in the Partner relationships list
    await expect(
        page.get_by_role("status").filter(has_text="You accepted the invitation")
    ).to_be_visible()
    await expect(offer).to_contain_text("Accepted")
    await page.get_by_role("link", name="Partner relationships").first.click()
    row = page.get_by_role("row", name=re.compile("Fabrikam"))
    await expect(row).to_contain_text("Granular delegated admin (GDAP)")
    await expect(row).to_contain_text("User Administrator")
    await expect(row).to_contain_text("Helpdesk Administrator")
    await expect(row).to_contain_text("Accepted")
    await tab.shot("partner-relationships")

    # When the admin opens Fabrikam's page and asks to remove roles, then says No
    await row.get_by_role("link", name="Fabrikam").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Fabrikam")
    roles = page.get_by_role("region", name="Admin roles")
    await expect(roles).to_contain_text("User Administrator")
    await tab.shot("partner")
    remove = page.get_by_role("button", name="Remove roles")
    await remove.click()
    dialog = page.get_by_role("dialog", name="Remove roles?")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_role("button", name="Yes")).to_be_visible()
    await expect(dialog.get_by_role("checkbox", name="User Administrator")).to_be_checked()
    await expect(dialog.get_by_role("checkbox", name="Helpdesk Administrator")).to_be_checked()

    # Then focus stays inside the dialog, and Escape closes it with nothing removed
    for _ in range(8):
        await page.keyboard.press("Tab")
        assert await dialog.evaluate("d => d.contains(document.activeElement)")
    await page.keyboard.press("Shift+Tab")
    assert await dialog.evaluate("d => d.contains(document.activeElement)")
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(remove).to_be_focused()
    await expect(roles).to_contain_text("User Administrator")

    # When the admin picks User Administrator only and answers Yes
    await remove.click()
    await dialog.get_by_role("checkbox", name="Helpdesk Administrator").uncheck()
    await expect(dialog.get_by_role("checkbox", name="All roles")).not_to_be_checked()
    await tab.shot("remove-roles", full_page=False)
    await dialog.get_by_role("button", name="Yes").click()

    # Then it is gone from Fabrikam's roles, the other stays, and the history shows it ended
    await expect(dialog).to_be_hidden()
    await expect(
        page.get_by_role("status").filter(has_text="Removed User Administrator")
    ).to_be_visible()
    await expect(roles).not_to_contain_text("User Administrator")
    await expect(roles).to_contain_text("Helpdesk Administrator")
    history = page.get_by_role("region", name="History")
    await expect(history.get_by_role("row", name=re.compile("User Administrator"))).to_contain_text(
        re.compile("Revoking|Revoked")
    )
    grants = {g.role: g.status for g in await RoleGrant.all()}
    assert grants["HELPDESK_ADMINISTRATOR"] is RoleGrantStatus.ACTIVE
    assert grants["USER_ADMINISTRATOR"] in (RoleGrantStatus.REVOKING, RoleGrantStatus.REVOKED)

    # And once the worker has carried the revocation through, the history says Revoked
    await smtp_server.await_for(4)  # the invitation, its acceptance, the removal to each side
    await page.reload()
    await expect(history.get_by_role("row", name=re.compile("User Administrator"))).to_contain_text(
        "Revoked"
    )
    await tab.shot("partner-history")
    assert tab.errors == []


async def test_a_partner_agent_sends_an_invitation_through_the_form(
    tab: Tab, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given Fabrikam's admin agent, signed in
    _, agent = await contoso_and_fabrikam()
    page = tab.page
    await sign_in_by_link(tab, agent)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Invitations")
    await expect(page.get_by_text("You have not sent any invitations yet.")).to_be_visible()

    # When the agent opens the form
    await (
        page.get_by_role("navigation", name="Console")
        .get_by_role("link", name="Send an invitation")
        .click()
    )
    form = page.get_by_role("form", name="Send an invitation")
    roles = form.get_by_role("group", name="Admin roles")
    duration = form.get_by_label("Duration (days)")

    # Then each type shows its role rule, and the form follows the type picked
    types = form.get_by_role("group", name="Relationship type")
    await expect(
        types.get_by_text("Always grants Global Administrator and Helpdesk Administrator")
    ).to_be_visible()
    await expect(
        form.get_by_role("radio", name=re.compile("^Granular delegated admin"))
    ).to_be_checked()
    await expect(roles).to_be_visible()
    await expect(duration).to_be_visible()
    await form.get_by_role("radio", name=re.compile("^Independent software vendor")).check()
    await expect(roles).to_be_hidden()
    await expect(duration).to_be_hidden()
    await expect(form.get_by_text("takes no admin roles")).to_be_visible()
    await form.get_by_role("radio", name=re.compile("^Partner Works through")).check()
    await expect(roles).to_be_visible()
    await expect(duration).to_be_hidden()
    await form.get_by_role("radio", name=re.compile("^Granular delegated admin")).check()
    await expect(roles.get_by_role("heading", name=re.compile("^Privileged roles"))).to_be_visible()
    await expect(roles).to_contain_text("Creates and manages users and groups.")

    # When the agent sends GDAP with no role
    await form.get_by_label("Customer contact email").fill("admin@contoso.com")
    await form.get_by_role("button", name="Send invitation").click()

    # Then the form asks for roles next to them, and sends nothing
    await expect(page.locator('[data-field="roles"] .field-error')).to_contain_text(
        "Choose at least one admin role"
    )

    # When the agent asks for Global Administrator with auto-extend, a refused combination
    await roles.get_by_role("checkbox", name=re.compile("^Global Administrator")).check()
    await form.get_by_role("checkbox", name=re.compile("^Extend automatically")).check()
    await duration.fill("90")
    await form.get_by_role("button", name="Send invitation").click()

    # Then the service's refusal shows next to auto-extend, and the roles' error is gone
    auto_extend_error = page.locator('[data-field="autoExtend"] .field-error')
    await expect(auto_extend_error).to_contain_text("Global Administrator")
    await expect(
        form.get_by_role("checkbox", name=re.compile("^Extend automatically"))
    ).to_have_attribute("aria-invalid", "true")
    await expect(page.locator('[data-field="roles"] .field-error')).to_be_hidden()
    await expect(page).to_have_url(re.compile(r"/invitations/new$"))
    await tab.shot("send-invitation-refused")
    assert smtp_server.messages == []

    # When the agent takes auto-extend off and sends
    await form.get_by_role("checkbox", name=re.compile("^Extend automatically")).uncheck()
    await form.get_by_label("Message (optional)").fill("Welcome aboard.")
    await form.get_by_role("button", name="Send invitation").click()

    # Then the invitation is listed, and the worker emails it
    await expect(page).to_have_url(re.compile(r"/invitations$"))
    await expect(
        page.get_by_role("status").filter(has_text="Invitation sent to admin@contoso.com")
    ).to_be_visible()
    row = page.get_by_role("row", name=re.compile("admin@contoso.com"))
    await expect(row).to_contain_text("Global Administrator")
    await expect(row).to_contain_text("Pending")
    [mail] = await smtp_server.await_for(1)
    assert mail.rcpt_tos == ["admin@contoso.com"]
    await page.reload()
    await expect(row).to_contain_text("Sent")
    await tab.shot("invitations")

    # When the agent resends it, then cancels it
    await row.get_by_role("button", name="Resend").click()
    await (
        page.get_by_role("dialog", name="Resend the invitation?")
        .get_by_role("button", name="Yes")
        .click()
    )
    await expect(page.get_by_role("status").filter(has_text="was sent again")).to_be_visible()
    await smtp_server.await_for(2)
    await row.get_by_role("button", name="Cancel").click()
    await (
        page.get_by_role("dialog", name="Cancel the invitation?")
        .get_by_role("button", name="Yes")
        .click()
    )

    # Then it is canceled, with nothing left to do on it
    await expect(row).to_contain_text("Canceled")
    await expect(row.get_by_role("button")).to_have_count(0)
    assert tab.errors == []


async def accepted_relationship(
    http: GraphQLClient, smtp: SmtpServer, agent: f.Person, admin: f.Person, **fields: Any
) -> dict[str, Any]:
    """An invitation emailed and accepted over the API: the relationship."""
    _, url = await emailed_link(http, smtp, agent, **fields)
    accepted = await f.accept(http, admin, url.split("token=", 1)[1])
    assert accepted["errors"] == [], accepted["errors"]
    relationship: dict[str, Any] = accepted["relationship"]
    return relationship


async def test_a_customer_accepts_the_agreement_on_its_own(
    tab: Tab, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given Contoso works with Fabrikam as its reseller but has no acceptance of the current
    # Customer Agreement (as when a new version comes out)
    admin, agent = await contoso_and_fabrikam()
    await accepted_relationship(
        http, smtp_server, agent, admin, type="RESELLER", roles=None, durationDays=None
    )
    await AgreementAcceptance.all().delete()
    page = tab.page
    await sign_in_by_link(tab, admin)

    # Then the list says so, and leads to the agreement
    row = page.get_by_role("row", name=re.compile("Fabrikam"))
    await expect(row).to_contain_text("Not accepted")
    await page.get_by_role("link", name="Review and accept the Customer Agreement").click()

    # When the admin reads the agreement and accepts it
    await expect(page.get_by_role("heading", level=1)).to_have_text("Customer Agreement")
    await expect(page.get_by_text("Current version:")).to_be_visible()
    await tab.shot("agreement")
    await page.get_by_role("button", name="Accept", exact=True).click()

    # Then it is accepted, by them, and the list shows it
    await expect(
        page.get_by_role("status").filter(has_text="You accepted the Customer Agreement.")
    ).to_be_visible()
    await expect(page.get_by_text("Your organization accepted version")).to_contain_text(
        "Alex Wilber"
    )
    assert await AgreementAcceptance.filter(accepted_by_id=admin.user.id).count() == 1
    await page.get_by_role("link", name="Partner relationships").click()
    await expect(row).to_contain_text("Accepted")
    assert tab.errors == []


async def test_a_partner_agent_ends_a_relationship(
    tab: Tab, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given Contoso accepted Fabrikam's GDAP invitation
    admin, agent = await contoso_and_fabrikam()
    await accepted_relationship(http, smtp_server, agent, admin, roles=["USER_ADMINISTRATOR"])
    page = tab.page
    await sign_in_by_link(tab, agent)

    # When the agent opens the customer from the Customers list
    await page.get_by_role("link", name="Customers").click()
    row = page.get_by_role("row", name=re.compile("Contoso"))
    await expect(row).to_contain_text("User Administrator")
    await tab.shot("customers")
    await row.get_by_role("link", name="Contoso").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Contoso")
    await tab.shot("customer")

    # And ends the relationship, answering Yes
    await page.get_by_role("button", name="End relationship").click()
    dialog = page.get_by_role("dialog", name="End the relationship with Contoso?")
    await dialog.get_by_role("button", name="Yes").click()

    # Then it has ended, its roles are revoked, and there is nothing left to end
    await expect(page.get_by_role("status").filter(has_text="has ended")).to_be_visible()
    summary = page.get_by_role("region", name="Summary")
    await expect(summary).to_contain_text("Ended")
    await expect(page.get_by_role("button", name="End relationship")).to_have_count(0)
    await expect(page.get_by_role("region", name="Admin roles")).to_contain_text(
        "You hold no admin roles"
    )
    assert tab.errors == []


async def test_no_page_logs_a_console_error(
    chromium: Browser, base: str, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given a relationship and a pending invitation, seen from each side
    admin, agent = await contoso_and_fabrikam()
    relationship = await accepted_relationship(
        http, smtp_server, agent, admin, roles=["HELPDESK_ADMINISTRATOR"]
    )
    _, link = await emailed_link(
        http, smtp_server, agent, type="ADVISOR", roles=None, durationDays=None
    )
    customer_pages = [
        "/partners",
        f"/partners/{relationship['id']}",
        "/agreement",
        link,
        "/invitations/accept?token=not-a-real-one",
        "/customers",  # a partner's page: explained, not shown
    ]
    partner_pages = [
        "/invitations",
        "/invitations?status=PENDING",
        "/invitations/new",
        "/customers",
        f"/customers/{relationship['id']}",
        "/partners/not-an-id",
    ]

    # When each side visits every page, on a wide screen and on a phone
    # Then each is well formed for assistive technology, and (below) logs no error
    for viewport in (None, PHONE):
        for person, paths in ((admin, customer_pages), (agent, partner_pages)):
            async with open_tab(chromium, base, viewport) as tab:
                await sign_in_by_link(tab, person)
                for path in paths:
                    await tab.page.goto(path)
                    heading = tab.page.get_by_role("heading", level=1)
                    await expect(heading).to_be_visible()
                    await expect(tab.page.locator("main .loading")).to_have_count(0)
                    await expect(heading).not_to_have_text(
                        re.compile("Something went wrong|not answering")
                    )
                    assert await tab.accessibility_problems() == [], path

                assert tab.errors == [], (person.email, viewport, tab.errors)

    # And the pages people land on read well on a phone
    async with open_tab(chromium, base, PHONE) as phone:
        await phone.page.goto(link)
        await expect(phone.page.get_by_role("heading", level=1)).to_have_text(
            "Fabrikam invites you to an Advisor relationship"
        )
        await expect(phone.page.get_by_text("To answer, sign in")).to_be_visible()
        await phone.shot("phone-invitation-signed-out")
        await sign_in_by_link(phone, admin)
        await expect(phone.page.get_by_role("row", name=re.compile("Fabrikam"))).to_be_visible()
        await phone.shot("phone-partner-relationships")
        assert phone.errors == []


async def test_a_customer_cancels_an_invitation_instead_of_accepting_it(
    tab: Tab, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given Fabrikam's emailed invitation, opened by Contoso's admin before signing in
    admin, agent = await contoso_and_fabrikam()
    sent, link = await emailed_link(http, smtp_server, agent, roles=["USER_ADMINISTRATOR"])
    page = tab.page
    await page.goto(link)

    # Then the page offers to sign in where it stands, and comes back to it
    await page.get_by_label("Access token").fill(admin.token)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(link)
    cancel = page.get_by_role("button", name="Cancel invitation")

    # When the admin cancels the invitation, the question defaults to No
    await cancel.click()
    dialog = page.get_by_role("dialog", name="Cancel the invitation?")
    await expect(dialog.get_by_role("button", name="No")).to_be_focused()
    assert await tab.accessibility_problems() == []
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_hidden()
    await expect(cancel).to_be_focused()

    # And answering Yes declines it: the page says so, and offers nothing more to do
    await cancel.click()
    await dialog.get_by_role("button", name="Yes").click()
    await expect(
        page.get_by_role("status").filter(has_text="You canceled the invitation.")
    ).to_be_visible()
    await expect(page.get_by_role("region", name="What the invitation offers")).to_contain_text(
        "Declined"
    )
    await expect(page.get_by_role("button")).to_have_text(["Sign out"])
    data = await http.query(
        "query($id: ID!) { invitation(id: $id) { status } }", {"id": sent["id"]}, agent.token
    )
    assert data["invitation"] == {"status": "DECLINED"}
    assert tab.errors == []


async def test_top_level_refusals_show_as_messages_and_a_dead_token_returns_to_sign_in(
    tab: Tab, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given a GDAP invitation, opened by Contoso's billing admin, who may not grant roles
    admin, agent = await contoso_and_fabrikam()
    contoso = await Organization.get(name="Contoso")
    billing = await f.person(contoso, "BILLING_ADMINISTRATOR")
    _, link = await emailed_link(http, smtp_server, agent, roles=["USER_ADMINISTRATOR"])
    page = tab.page
    await sign_in_by_link(tab, billing)
    await page.goto(link)

    # When they accept
    await page.get_by_label("I have read and accept the Customer Agreement").check()
    await page.get_by_role("button", name="Accept & Authorize").click()

    # Then the FORBIDDEN refusal is shown as a message, and nothing changed
    alert = page.get_by_role("form", name="Answer the invitation").get_by_role("alert")
    await expect(alert).to_contain_text("needs a Global Administrator")
    await expect(page.get_by_role("region", name="What the invitation offers")).to_contain_text(
        "Pending"
    )

    # When their token is revoked while they are signed in, and they go on
    await ApiToken.filter(user_id=billing.user.id).update(revoked_at=utcnow())
    await page.get_by_role("link", name="Partner relationships").click()

    # Then the console returns to sign-in, saying why, and comes back once signed in again
    await expect(page).to_have_url(re.compile(r"/signin\?next=%2Fpartners$"))
    await expect(page.get_by_role("status").filter(has_text="no longer valid")).to_be_visible()
    assert await page.evaluate("sessionStorage.getItem('partnerhub.token')") is None
    await page.get_by_label("Access token").fill(admin.token)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Partner relationships")
    assert tab.errors == []
