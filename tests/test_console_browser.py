"""The web console in headless Chromium, against the real app, a real worker and real mail.

Each test saves screenshots of the pages it visits under docs/screenshots/ (the README shows
them). Browser tests run on SQLite only.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from httpx import AsyncClient
from playwright.async_api import Browser, expect

from api.mailbox import MailFolder
from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.enums import PartnerRole, RelationshipType, RoleGrantStatus
from models.tables.access import AccessAssignment, SecurityGroup, SecurityGroupMember
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.directory import PartnerProfile
from models.tables.invitations import Invitation
from models.tables.leads import Lead, LeadStatus
from models.tables.organizations import Organization, User
from models.tables.relationships import AgreementAcceptance, Relationship, RoleGrant
from models.tables.sign_in import UserSession
from tests import factories as f
from tests.authenticator import with_authenticator
from tests.browser import (
    PHONE,
    Tab,
    enter_code,
    live_app,
    open_tab,
    sign_in,
)
from tests.flows import ACCEPT_LINK
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link, text_of
from tests.servers import SmtpServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
async def http(base: str) -> AsyncIterator[GraphQLClient]:
    """The API of the running app, over HTTP."""
    async with AsyncClient(base_url=base) as client:
        yield GraphQLClient(client)


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


async def test_a_person_signs_in_with_a_password_and_signs_out(tab: Tab, db: Settings) -> None:
    # Given Contoso's admin, who has a password and an authenticator app
    admin, _ = await contoso_and_fabrikam()
    await with_authenticator(await f.with_password(admin))
    page = tab.page

    # When someone opens a console page without signing in
    await page.goto("/partners")

    # Then the sign-in form asks for an email address and a password
    await expect(page).to_have_url(re.compile(r"/signin\?next=%2Fpartners$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Partnerhub")
    await expect(page.get_by_role("link", name="Forgot password?")).to_be_visible()
    await tab.shot("sign-in")
    email = page.get_by_label("Email address")
    password = page.get_by_label("Password", exact=True)

    # When a wrong password is given
    await email.fill("admin@contoso.com")
    await password.fill("not the right one")
    await page.get_by_role("button", name="Sign in").click()

    # Then it is refused next to the password, saying no more than that
    await expect(page.locator('[data-field="password"] .field-error')).to_have_text(
        "The email address or password is not right."
    )
    await expect(password).to_have_attribute("aria-invalid", "true")
    await expect(password).to_have_value("")
    assert await tab.accessibility_problems() == []
    await tab.shot("sign-in-refused")

    # When the right one is given
    await password.fill(f.PASSWORD)
    await page.get_by_role("button", name="Sign in").click()

    # Then a code from their authenticator app is asked for, and a wrong one refused
    code = page.get_by_label("Code from your authenticator app")
    await expect(code).to_be_focused()
    await code.fill("000000")
    await page.get_by_role("button", name="Verify and sign in").click()
    await expect(page.locator('[data-field="totpCode"] .field-error')).to_contain_text(
        "That code is not right."
    )
    assert await tab.accessibility_problems() == []
    await tab.shot("sign-in-code")

    # When the app's code is given
    await enter_code(tab, admin)

    # Then the customer side opens where they were going
    await expect(page).to_have_url(re.compile(r"/partners$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Partner relationships")
    await expect(page.get_by_role("navigation", name="Console")).to_contain_text(
        "Partner relationships"
    )
    await expect(page.get_by_text("Alex Wilber")).to_be_visible()
    await expect(page.get_by_text("You have no partners yet.")).to_be_visible()
    # And the session is in an HttpOnly cookie: the page's scripts hold no secret of it
    cookies = {c["name"]: c for c in await tab.context.cookies()}
    assert cookies["partnerhub_session"]["httpOnly"] is True
    assert cookies["partnerhub_session"]["sameSite"] == "Lax"
    assert "partnerhub_session" not in await page.evaluate("document.cookie")
    assert await page.evaluate("Object.keys(sessionStorage).length") == 0
    assert await page.evaluate("Object.keys(localStorage).length") == 0

    # When they sign out
    await page.get_by_role("button", name="Sign out").click()

    # Then the session has ended and the sign-in form is back
    await expect(page).to_have_url(re.compile(r"/signin$"))
    await expect(page.get_by_role("status").filter(has_text="You signed out.")).to_be_visible()
    assert "partnerhub_session" not in {c["name"] for c in await tab.context.cookies()}
    assert await UserSession.filter(user_id=admin.user.id).count() == 0
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
    await sign_in(tab, admin)
    await expect(page).to_have_url(re.compile(r"/partners$"))

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
    await expect(page.get_by_role("button", name="Decline invitation")).to_be_enabled()
    await tab.shot("invitation")
    await page.get_by_label("I have read and accept the Customer Agreement").check()
    await expect(accept).to_be_enabled()

    # When the admin accepts
    await accept.click()

    # Then the page says so, and the partner is in the Partner relationships list
    await expect(
        page.get_by_role("status").filter(has_text="You accepted the invitation")
    ).to_be_visible()
    await expect(page.get_by_role("heading", level=1)).to_have_text("This invitation was accepted")
    await expect(page.get_by_role("region", name="Invitation status")).to_contain_text("Accepted")
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
    await expect(dialog.get_by_role("button", name="Yes")).to_be_disabled()
    await expect(dialog.get_by_role("checkbox", name="User Administrator")).not_to_be_checked()
    await expect(dialog.get_by_role("checkbox", name="Helpdesk Administrator")).not_to_be_checked()

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

    # When the admin picks User Administrator only
    await remove.click()
    await dialog.get_by_role("checkbox", name="User Administrator").check()

    # Then the dialog says what Yes removes, from whom, and what stays
    await expect(dialog.get_by_role("checkbox", name="All roles")).not_to_be_checked()
    await expect(dialog).to_contain_text(
        "Yes removes User Administrator from Fabrikam. Fabrikam keeps Helpdesk Administrator."
    )
    await tab.shot("remove-roles", full_page=False)

    # When they answer Yes
    await dialog.get_by_role("button", name="Yes").click()

    # Then it is gone from Fabrikam's roles, the other stays, and the history shows it ended
    await expect(dialog).to_be_hidden()
    await expect(
        page.get_by_role("status").filter(has_text="Removed User Administrator")
    ).to_be_visible()
    await expect(roles).not_to_contain_text("User Administrator")
    await expect(roles).to_contain_text("Helpdesk Administrator")
    history = page.get_by_role("region", name="History").get_by_role("table", name="Role grants")
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


DARS = """
query($id: ID!) { relationship(id: $id) {
  roleGrants { role status } delegatedAdminRelationships { displayName status roles }
} }
"""


async def test_two_delegated_admin_relationships_show_apart_and_one_is_ended(
    tab: Tab, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given Contoso accepted two GDAP invitations from Fabrikam sharing License Administrator:
    # "Licensing" for 30 days, "Support" for 365
    admin, agent = await contoso_and_fabrikam()
    for name, roles, days in (
        ("Licensing", ["LICENSE_ADMINISTRATOR", "USER_ADMINISTRATOR"], 30),
        ("Support", ["LICENSE_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"], 365),
    ):
        _, link = await emailed_link(
            http, smtp_server, agent, roles=roles, durationDays=days, displayName=name
        )
        token = parse_qs(urlsplit(link).query)["token"][0]
        assert (await f.accept(http, admin, token))["errors"] == []
    page = tab.page
    await sign_in(tab, admin)

    # Then the list has one row for Fabrikam, with each one's end date
    row = page.get_by_role("row", name=re.compile("Fabrikam"))
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Licensing:")
    await expect(row).to_contain_text("Support:")

    # And Fabrikam's page lists both, each with its roles
    await row.get_by_role("link", name="Fabrikam").click()
    licensing = page.get_by_role("group", name="Licensing")
    support = page.get_by_role("group", name="Support")
    for dar, names in (
        (licensing, ("License Administrator", "User Administrator")),
        (support, ("License Administrator", "Helpdesk Administrator")),
    ):
        for name in names:
            await expect(dar).to_contain_text(name)
    await expect(licensing).to_contain_text("Expiring")
    await tab.shot("delegated-admin-relationships")

    # And Remove roles shows License Administrator once for each of them
    await page.get_by_role("button", name="Remove roles").click()
    dialog = page.get_by_role("dialog", name="Remove roles?")
    await expect(dialog.get_by_role("checkbox", name="License Administrator")).to_have_count(2)
    await dialog.get_by_role("checkbox", name="License Administrator in Support").check()
    await expect(dialog).to_contain_text(
        "Yes removes License Administrator (Support) from Fabrikam."
    )
    await dialog.get_by_role("button", name="No").click()
    await expect(dialog).to_be_hidden()

    # When the admin ends "Licensing"
    await licensing.get_by_role("button", name="End Licensing").click()
    ending = page.get_by_role("dialog", name="End Licensing?")
    await ending.get_by_role("button", name="Yes").click()

    # Then it is gone from the roles, "Support" and its License Administrator stay
    await expect(page.get_by_role("status").filter(has_text="Licensing has ended.")).to_be_visible()
    await expect(page.get_by_role("group", name="Licensing")).to_have_count(0)
    await expect(support).to_contain_text("License Administrator")
    history = page.get_by_role("region", name="History")
    await expect(history.get_by_role("row", name=re.compile("^Licensing"))).to_contain_text(
        "Terminated"
    )

    # And the API agrees with the page
    relationship = (await Relationship.get(customer__name="Contoso")).id
    data = await http.query(DARS, {"id": str(encode_id("Relationship", relationship))}, admin.token)
    found = data["relationship"]
    assert [(d["displayName"], d["status"]) for d in found["delegatedAdminRelationships"]] == [
        ("Licensing", "TERMINATED"),
        ("Support", "ACTIVE"),
    ]
    active = sorted(g["role"] for g in found["roleGrants"] if g["status"] == "ACTIVE")
    assert active == ["HELPDESK_ADMINISTRATOR", "LICENSE_ADMINISTRATOR"]
    assert tab.errors == []


async def test_removing_a_role_of_another_type_leaves_the_delegated_admin_relationships_one(
    tab: Tab, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given Contoso accepted Fabrikam as its Advisor (Global and Helpdesk Administrator) and
    # a GDAP invitation "Support" granting Helpdesk Administrator too
    admin, agent = await contoso_and_fabrikam()
    for fields in (
        {"type": "ADVISOR", "roles": None, "durationDays": None},
        {"roles": ["HELPDESK_ADMINISTRATOR"], "durationDays": 365, "displayName": "Support"},
    ):
        _, link = await emailed_link(http, smtp_server, agent, **fields)
        token = parse_qs(urlsplit(link).query)["token"][0]
        assert (await f.accept(http, admin, token))["errors"] == []
    page = tab.page
    await sign_in(tab, admin)
    await (
        page.get_by_role("row", name=re.compile("Fabrikam"))
        .get_by_role("link", name="Fabrikam")
        .click()
    )

    # When the admin removes Helpdesk Administrator listed under "Other relationship types"
    await page.get_by_role("button", name="Remove roles").click()
    dialog = page.get_by_role("dialog", name="Remove roles?")
    await dialog.get_by_role(
        "checkbox", name="Helpdesk Administrator in Other relationship types"
    ).check()
    await dialog.get_by_role("button", name="Yes").click()
    await expect(dialog).to_be_hidden()

    # Then only the Advisor's grant of it is removed: "Support" still grants it
    support = page.get_by_role("group", name="Support")
    await expect(support).to_contain_text("Helpdesk Administrator")
    relationship = (await Relationship.get(customer__name="Contoso")).id
    data = await http.query(
        DARS_GRANTS, {"id": str(encode_id("Relationship", relationship))}, admin.token
    )
    found = data["relationship"]
    # (REVOKING, or REVOKED once the console's worker carried it through)
    grants = sorted((g["role"], g["type"], g["status"] == "ACTIVE") for g in found["roleGrants"])
    assert grants == [
        ("GLOBAL_ADMINISTRATOR", "ADVISOR", True),
        ("HELPDESK_ADMINISTRATOR", "ADVISOR", False),
        ("HELPDESK_ADMINISTRATOR", "GDAP_PARTNER", True),
    ]
    assert [(d["displayName"], d["status"]) for d in found["delegatedAdminRelationships"]] == [
        ("Support", "ACTIVE")
    ]
    assert tab.errors == []


DARS_GRANTS = """
query($id: ID!) { relationship(id: $id) {
  roleGrants { role type status } delegatedAdminRelationships { displayName status }
} }
"""


GRANTS = "query($id: ID!) { relationship(id: $id) { roleGrants { role status } } }"


async def grant_statuses(
    http: GraphQLClient, admin: f.Person, relationship_id: str
) -> dict[str, str]:
    """Each role of the relationship and its grant's status, as the API tells the admin."""
    data = await http.query(GRANTS, {"id": relationship_id}, admin.token)
    return {g["role"]: g["status"] for g in data["relationship"]["roleGrants"]}


async def test_enter_never_removes_roles(tab: Tab, http: GraphQLClient) -> None:
    # Given Contoso granted Fabrikam three roles
    admin, agent = await contoso_and_fabrikam()
    roles = ["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR", "LICENSE_ADMINISTRATOR"]
    relationship = encode_id("Relationship", (await f.granted(agent, admin, roles)).id)
    page = tab.page
    await sign_in(tab, admin)
    await page.goto(f"/partners/{relationship}")

    # When the admin opens Remove roles
    await page.get_by_role("button", name="Remove roles").click()
    dialog = page.get_by_role("dialog", name="Remove roles?")

    # Then nothing is chosen, Yes is disabled, and the dialog says nothing is chosen yet
    for name in ("All roles", "User Administrator", "Helpdesk Administrator"):
        await expect(dialog.get_by_role("checkbox", name=name)).not_to_be_checked()
    yes = dialog.get_by_role("button", name="Yes")
    await expect(yes).to_be_disabled()
    await expect(dialog).to_contain_text("No role is chosen yet")
    assert await tab.accessibility_problems() == []

    # When they press Enter at once
    await page.keyboard.press("Enter")

    # And again, after choosing every role from inside the dialog with the keyboard
    all_roles = dialog.get_by_role("checkbox", name="All roles")
    await all_roles.focus()
    await page.keyboard.press("Space")
    await expect(dialog).to_contain_text(
        "Yes removes all of Fabrikam's roles: Helpdesk Administrator, License Administrator, "
        "and User Administrator."
    )
    await expect(yes).to_be_enabled()
    await page.keyboard.press("Enter")
    await dialog.get_by_role("checkbox", name="User Administrator").focus()
    await page.keyboard.press("Enter")

    # Then the question is still open, and the API says every role is still granted
    await expect(dialog).to_be_visible()
    assert await grant_statuses(http, admin, relationship) == dict.fromkeys(roles, "ACTIVE")

    # And No, the first of the answers, closes it with nothing removed
    buttons = dialog.get_by_role("button")
    await expect(buttons).to_have_text(["No", "Yes"])
    await dialog.get_by_role("button", name="No").click()
    await expect(dialog).to_be_hidden()
    assert await grant_statuses(http, admin, relationship) == dict.fromkeys(roles, "ACTIVE")
    assert tab.errors == []


async def test_removing_one_chosen_role_removes_that_one_only(
    tab: Tab, http: GraphQLClient
) -> None:
    # Given Contoso granted Fabrikam two roles
    admin, agent = await contoso_and_fabrikam()
    roles = ["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"]
    relationship = encode_id("Relationship", (await f.granted(agent, admin, roles)).id)
    page = tab.page
    await sign_in(tab, admin)
    await page.goto(f"/partners/{relationship}")

    # When the admin chooses Helpdesk Administrator in Remove roles
    await page.get_by_role("button", name="Remove roles").click()
    dialog = page.get_by_role("dialog", name="Remove roles?")
    await dialog.get_by_text("Helpdesk Administrator", exact=True).click()

    # Then Yes says exactly that, before it is pressed
    await expect(dialog).to_contain_text(
        "Yes removes Helpdesk Administrator from Fabrikam. Fabrikam keeps User Administrator."
    )

    # When they answer Yes
    await dialog.get_by_role("button", name="Yes").click()

    # Then only that role is removed, as the page and the API say
    await expect(dialog).to_be_hidden()
    await expect(
        page.get_by_role("status").filter(has_text="Removed Helpdesk Administrator.")
    ).to_be_visible()
    statuses = await grant_statuses(http, admin, relationship)
    assert statuses["USER_ADMINISTRATOR"] == "ACTIVE"
    assert statuses["HELPDESK_ADMINISTRATOR"] in ("REVOKING", "REVOKED")
    assert tab.errors == []


async def test_a_partner_agent_sends_an_invitation_through_the_form(
    tab: Tab, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given Fabrikam's admin agent, signed in
    _, agent = await contoso_and_fabrikam()
    page = tab.page
    await sign_in(tab, agent)
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

    # When the agent sends GDAP with neither an email nor a role
    await form.get_by_role("button", name="Send invitation").click()

    # Then every refusal of the service shows, each next to its field, and focus goes to the
    # first of them in the form
    email = form.get_by_label("Customer contact email")
    await expect(page.locator('[data-field="roles"] .field-error')).to_contain_text(
        "at least one role"
    )
    await expect(page.locator('[data-field="customerEmail"] .field-error')).to_be_visible()
    await expect(email).to_have_attribute("aria-invalid", "true")
    await expect(email).to_be_focused()

    # When the agent fills in the email only
    await email.fill("admin@contoso.com")
    await form.get_by_role("button", name="Send invitation").click()

    # Then only the roles are refused, and nothing is sent
    await expect(page.locator('[data-field="customerEmail"] .field-error')).to_be_hidden()
    await expect(page.locator('[data-field="roles"] .field-error')).to_contain_text(
        "at least one role"
    )
    await expect(roles.get_by_role("checkbox").first).to_be_focused()

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
    await sign_in(tab, admin)

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
    await sign_in(tab, agent)

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


PUBLISH_PROFILE = """
mutation {
  updatePartnerProfile(input: {
    description: "Fabrikam helps organizations move to the cloud.", locations: ["US"],
    industries: ["HEALTHCARE"], products: ["SECURITY"], organizationSizes: ["SIZE_10_49"],
    languages: ["en"], contactEmail: "hello@fabrikam.example.com",
    website: "https://fabrikam.example.com", published: true
  }) { partner { id } errors { field message code } }
}
"""
LEAD_ID = "query { leads(first: 1) { edges { node { id } } } }"
CUSTOMER_ID = "query { customers(first: 1) { edges { node { id } } } }"


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
    # And the partner's published directory profile, a lead from it, and the customer's data
    contoso = await Organization.get(name="Contoso")
    fabrikam = await Organization.get(name="Fabrikam")
    await f.tenant(contoso)
    profile = await http.query(PUBLISH_PROFILE, {}, agent.token)
    assert profile["updatePartnerProfile"]["errors"] == []
    partner = profile["updatePartnerProfile"]["partner"]["id"]
    assert (await f.contact(http, fabrikam))["errors"] == []
    lead_id = await http.query(LEAD_ID, {}, agent.token)
    customer_id = (await http.query(CUSTOMER_ID, {}, agent.token))["customers"]
    customer_pages = [
        "/partners",
        f"/partners/{relationship['id']}",
        "/agreement",
        "/organization",
        "/directory",
        "/directory?industries=AGRICULTURE&text=nobody",  # the empty state
        f"/directory/{partner}",
        link,
        "/invitations/accept?token=not-a-real-one",
        "/people",
        "/api-clients",
        "/customers",  # a partner's page: explained, not shown
    ]
    partner_pages = [
        "/invitations",
        "/invitations?status=PENDING",
        "/invitations/new",
        "/customers",
        f"/customers/{relationship['id']}",
        f"/customer-data/{customer_id['edges'][0]['node']['id']}",
        "/customer-data/not-an-id",
        "/leads",
        "/leads?status=CLOSED",
        f"/leads/{lead_id['leads']['edges'][0]['node']['id']}",
        "/leads/not-an-id",
        "/directory-profile",
        "/security-groups",
        "/templates",
        "/bulk-send",
        "/bulk-operations/not-an-id",
        "/people",
        "/api-clients",
        "/directory",
        f"/directory/{partner}",
        "/directory/not-an-id",
        "/partners/not-an-id",
    ]

    # When each side visits every page, on a wide screen and on a phone
    # Then each is well formed for assistive technology, and (below) logs no error
    for viewport in (None, PHONE):
        for person, paths in ((admin, customer_pages), (agent, partner_pages)):
            async with open_tab(chromium, base, viewport) as tab:
                await sign_in(tab, person)
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
        await sign_in(phone, admin)
        await expect(phone.page.get_by_role("row", name=re.compile("Fabrikam"))).to_be_visible()
        await phone.shot("phone-partner-relationships")
        assert phone.errors == []


async def test_a_customer_declines_an_invitation_instead_of_accepting_it(
    tab: Tab, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given Fabrikam's emailed invitation, opened by Contoso's admin before signing in
    admin, agent = await contoso_and_fabrikam()
    sent, link = await emailed_link(
        http, smtp_server, agent, roles=["USER_ADMINISTRATOR"], message="Hi Alex from Fabrikam"
    )
    page = tab.page
    await with_authenticator(await f.with_password(admin))
    await page.goto(link)

    # Then the page offers to sign in where it stands, its second step too, and comes back
    await page.get_by_label("Email address").fill(admin.email)
    await page.get_by_label("Password", exact=True).fill(f.PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await enter_code(tab, admin)
    await expect(page).to_have_url(link)
    decline = page.get_by_role("button", name="Decline invitation")

    # When the admin declines the invitation, the question defaults to No
    await decline.click()
    dialog = page.get_by_role("dialog", name="Decline the invitation?")
    await expect(dialog.get_by_role("button", name="No")).to_be_focused()
    assert await tab.accessibility_problems() == []
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_hidden()
    await expect(decline).to_be_focused()

    # And answering Yes declines it: the page says so, and offers nothing more to do
    await decline.click()
    await dialog.get_by_role("button", name="Yes").click()
    await expect(
        page.get_by_role("status").filter(has_text="You declined the invitation.")
    ).to_be_visible()
    await expect(page.get_by_role("heading", level=1)).to_have_text("This invitation was declined")
    await expect(page.get_by_role("region", name="Invitation status")).to_contain_text("Declined")
    await expect(page.get_by_role("button")).to_have_text(["Sign out"])
    data = await http.query(
        "query($id: ID!) { invitation(id: $id) { status } }", {"id": sent["id"]}, agent.token
    )
    assert data["invitation"] == {"status": "DECLINED"}
    assert tab.errors == []


CANCEL_INVITATION = """
mutation($input: InvitationIdInput!) { cancelInvitation(input: $input) { errors { code } } }
"""


async def test_a_closed_invitations_link_shows_only_its_status(
    chromium: Browser, base: str, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given an invitation with a message that Fabrikam then canceled
    admin, agent = await contoso_and_fabrikam()
    sent, link = await emailed_link(
        http, smtp_server, agent, roles=["USER_ADMINISTRATOR"], message="Hi Alex from Fabrikam"
    )
    canceled = await http.query(CANCEL_INVITATION, {"input": {"id": sent["id"]}}, agent.token)
    assert canceled["cancelInvitation"]["errors"] == []

    # When a visitor, then Contoso's admin, open its link
    for person in (None, admin):
        async with open_tab(chromium, base) as tab:
            if person:
                await sign_in(tab, person)
            await tab.page.goto(link)

            # Then it says it was withdrawn, and shows no email, organization, role or message
            await expect(tab.page.get_by_role("heading", level=1)).to_have_text(
                "This invitation was withdrawn"
            )
            main = tab.page.get_by_role("main")
            await expect(main.get_by_role("region", name="Invitation status")).to_contain_text(
                "Canceled"
            )
            for secret in ("admin@contoso.com", "Fabrikam", "Contoso", "User Admin", "Hi Alex"):
                await expect(main).not_to_contain_text(secret)
            await expect(main.get_by_role("button")).to_have_count(0)
            assert await tab.accessibility_problems() == []
            assert tab.errors == []


async def test_a_billing_admin_reads_why_they_may_not_accept_before_trying(
    tab: Tab, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given a GDAP invitation (it grants admin roles), opened by Contoso's billing admin
    admin, agent = await contoso_and_fabrikam()
    contoso = await Organization.get(name="Contoso")
    billing = await f.person(contoso, "BILLING_ADMINISTRATOR")
    _, link = await emailed_link(http, smtp_server, agent, roles=["USER_ADMINISTRATOR"])
    page = tab.page
    await sign_in(tab, billing)
    await page.goto(link)

    # Then Accept & Authorize is disabled, and the page says why, in the service's words
    answer = page.get_by_role("form", name="Answer the invitation")
    accept = answer.get_by_role("button", name="Accept & Authorize")
    await expect(accept).to_be_disabled()
    await expect(accept).to_have_accessible_description(
        "Granting admin roles to a partner needs a Global Administrator or a Privileged Role "
        "Administrator."
    )
    agreement = page.get_by_label("I have read and accept the Customer Agreement")
    await expect(agreement).to_be_disabled()
    await expect(answer.get_by_role("button", name="Decline invitation")).to_be_enabled()
    assert await tab.accessibility_problems() == []

    # When the global admin opens the same link, they may accept it
    await page.get_by_role("button", name="Sign out").click()
    await sign_in(tab, admin)
    await page.goto(link)
    await page.get_by_label("I have read and accept the Customer Agreement").check()
    await expect(accept).to_be_enabled()
    await expect(answer).not_to_contain_text("needs a Global Administrator")
    assert tab.errors == []


async def test_top_level_refusals_show_as_messages_and_an_ended_session_returns_to_sign_in(
    tab: Tab, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given an invitation, opened by Contoso's helpdesk admin, who may not answer it at all
    admin, agent = await contoso_and_fabrikam()
    contoso = await Organization.get(name="Contoso")
    helpdesk = await f.person(contoso, "HELPDESK_ADMINISTRATOR")
    _, link = await emailed_link(http, smtp_server, agent, roles=["USER_ADMINISTRATOR"])
    page = tab.page
    await sign_in(tab, helpdesk)
    await page.goto(link)

    # When they decline it
    await page.get_by_role("button", name="Decline invitation").click()
    dialog = page.get_by_role("dialog", name="Decline the invitation?")
    await dialog.get_by_role("button", name="Yes").click()

    # Then the FORBIDDEN refusal is shown as a message, and nothing changed
    await expect(dialog.get_by_role("alert")).to_contain_text("Global or Billing Administrator")
    await dialog.get_by_role("button", name="No").click()
    await expect(page.get_by_role("region", name="What the invitation offers")).to_contain_text(
        "Pending"
    )

    # When their session ends while they are signed in (signed out everywhere elsewhere), and
    # they go on
    await UserSession.filter(user_id=helpdesk.user.id).delete()
    await page.get_by_role("link", name="Partner relationships").click()

    # Then the console returns to sign-in, saying why, and comes back once signed in again
    await expect(page).to_have_url(re.compile(r"/signin\?next=%2Fpartners$"))
    await expect(page.get_by_role("status").filter(has_text="no longer valid")).to_be_visible()
    await with_authenticator(await f.with_password(admin))
    await page.get_by_label("Email address").fill(admin.email)
    await page.get_by_label("Password", exact=True).fill(f.PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await enter_code(tab, admin)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Partner relationships")
    assert tab.errors == []


async def test_an_unknown_address_shows_the_consoles_not_found_page(tab: Tab) -> None:
    # When someone opens an address the console has no page for
    response = await tab.page.goto("/no/such/page")

    # Then the server says not found, and the console's own page says so with a way home
    assert response is not None
    assert response.status == 404
    await expect(tab.page.get_by_role("heading", level=1)).to_have_text("Page not found")
    await tab.page.get_by_role("link", name="Go to the start page").click()
    await expect(tab.page).to_have_url(re.compile(r"/(signin)?$"))
    # (Chromium reports the 404 of the address itself, which is the point)
    assert [e for e in tab.errors if "/no/such/page" not in e] == []


# --- Find a partner, Contact me, leads and customer data ----------------------------------


async def test_a_visitor_finds_a_partner_and_sends_contact_me(
    tab: Tab, smtp_server: SmtpServer
) -> None:
    # Given two listed partners in different places and industries, and one unpublished
    fabrikam, _ = await f.listed_partner(
        "Fabrikam", industries=["HEALTHCARE"], locations=["US"], products=["SECURITY"]
    )
    await f.listed_partner("Northwind", industries=["RETAIL"], locations=["US"])
    await f.listed_partner("Litware", industries=["HEALTHCARE"], locations=["DE"])
    await f.listed_partner("Hidden", published=False, industries=["HEALTHCARE"])
    page = tab.page

    # When a visitor, not signed in, goes from the sign-in page to Find a partner
    await page.goto("/signin")
    await page.get_by_role("main").get_by_role("link", name="Find a partner").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Find a partner")
    await expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
    results = page.locator(".results > li")
    await expect(results).to_have_count(3)
    await tab.shot("find-a-partner")

    # And filters by industry and location
    search = page.get_by_role("search", name="Find a partner")
    await search.get_by_label("Industry").select_option("HEALTHCARE")
    await search.get_by_label("Location").select_option("US")
    await search.get_by_role("button", name="Search").click()

    # Then only Fabrikam is found, with its description, locations and industries
    await expect(page).to_have_url(re.compile(r"/directory\?(?=.*industries=HEALTHCARE)"))
    await expect(results).to_have_count(1)
    await expect(results).to_contain_text("Fabrikam helps organizations move to the cloud.")
    await expect(results).to_contain_text("United States")
    await expect(results).to_contain_text("Healthcare")
    await expect(page.get_by_role("status").filter(has_text="Showing 1 of 1")).to_be_visible()

    # And a search nothing matches says so
    await page.goto("/directory?industries=AGRICULTURE")
    await expect(page.get_by_text("No partner matches this search.")).to_be_visible()
    await page.go_back()

    # When the visitor opens Fabrikam and sends Contact me empty
    await page.get_by_role("link", name="Fabrikam").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Fabrikam")
    await expect(page.get_by_role("region", name="Profile")).to_contain_text("Security")
    form = page.get_by_role("form", name="Contact me")
    await form.get_by_role("button", name="Send").click()

    # Then focus goes to the first field of the form, not to the first refusal the service
    # listed (Location)
    await expect(page.locator('[data-field="location"] .field-error')).to_be_visible()
    await expect(form.get_by_label("Your name")).to_be_focused()

    # When they fill it in, with a bad email
    await form.get_by_label("Your name").fill("Dana Visitor")
    await form.get_by_label("Email").fill("dana-at-tailspin")
    await form.get_by_label("Phone (optional)").fill("+1 425 555 0100")
    await form.get_by_label("Organization name").fill("Tailspin Toys")
    await form.get_by_label("Organization size").select_option("SIZE_50_249")
    await form.get_by_label("Location").select_option("US")
    await form.get_by_label("Industry focus").select_option("RETAIL")
    await form.get_by_label("Business needs").fill("We want to move our email to the cloud.")
    await form.get_by_role("button", name="Send").click()

    # Then the refusal is next to the email field, and no lead was stored
    email_error = page.locator('[data-field="email"] .field-error')
    await expect(email_error).to_be_visible()
    await expect(form.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    await expect(form.get_by_label("Email")).to_be_focused()
    await tab.shot("contact-me-refused")
    assert await Lead.all().count() == 0

    # When the email is corrected
    seen = len(smtp_server.messages)
    await form.get_by_label("Email").fill("dana@tailspin.example.com")
    await form.get_by_role("button", name="Send").click()

    # Then the confirmation shows, the lead is stored and the partner is emailed
    confirmation = page.get_by_role("status").filter(has_text="Request sent")
    await expect(confirmation).to_be_visible()
    await expect(confirmation).to_contain_text("dana@tailspin.example.com")
    await tab.shot("contact-me-sent")
    lead = await Lead.get(email="dana@tailspin.example.com")
    assert lead.partner_id == fabrikam.id
    mails = await smtp_server.await_for(seen + 1)
    assert "Tailspin Toys" in text_of(mails[seen])
    assert tab.errors == []


async def test_find_a_partner_shows_more_results_a_page_at_a_time(tab: Tab) -> None:
    # Given more listed partners than one page of results holds
    for n in range(21):
        await f.listed_partner(f"Partner {n:02}")
    page = tab.page

    # When a visitor opens Find a partner
    await page.goto("/directory")

    # Then the first page shows, in name order, with a button for the rest
    results = page.locator(".results > li h2")
    await expect(results).to_have_count(20)
    await expect(results.first).to_have_text("Partner 00")
    await expect(page.get_by_role("status").filter(has_text="Showing 20 of 21")).to_be_visible()

    # When they ask for more
    await page.get_by_role("button", name="More results").click()

    # Then the last one is added below the others, and there is nothing more to ask for
    await expect(results).to_have_count(21)
    await expect(results.last).to_have_text("Partner 20")
    await expect(page.get_by_role("status").filter(has_text="Showing 21 of 21")).to_be_visible()
    await expect(page.get_by_role("button", name="More results")).to_have_count(0)
    assert tab.errors == []


async def test_too_many_contact_requests_are_refused_as_a_message(
    tab: Tab, http: GraphQLClient
) -> None:
    # Given a visitor who already sent as many requests as the limit allows
    fabrikam, _ = await f.listed_partner("Fabrikam")
    while (await f.contact(http, fabrikam))["errors"] == []:
        pass
    page = tab.page
    await page.goto(f"/directory/{f.partner_id(fabrikam)}")

    # When they send one more through the form
    form = page.get_by_role("form", name="Contact me")
    for label, value in (
        ("Your name", "Dana Visitor"),
        ("Email", "dana@tailspin.example.com"),
        ("Organization name", "Tailspin Toys"),
        ("Business needs", "Email in the cloud."),
    ):
        await form.get_by_label(label).fill(value)
    for label, value in (
        ("Organization size", "SIZE_50_249"),
        ("Location", "US"),
        ("Industry focus", "RETAIL"),
    ):
        await form.get_by_label(label).select_option(value)
    await form.get_by_role("button", name="Send").click()

    # Then the refusal is a message of the form, and the form stays
    await expect(form.get_by_role("alert")).to_contain_text(re.compile("[Tt]oo many"))
    await expect(form).to_be_visible()
    assert tab.errors == []


async def test_an_agent_works_a_lead_and_invites_from_it(
    tab: Tab, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given a lead sent to Fabrikam through Contact me
    fabrikam, agent = await f.listed_partner("Fabrikam")
    sent = await f.contact(http, fabrikam, contactName="Dana Visitor")
    assert sent["errors"] == [], sent["errors"]
    page = tab.page
    await sign_in(tab, agent)

    # When the agent opens Leads from the nav
    await page.get_by_role("navigation", name="Console").get_by_role("link", name="Leads").click()

    # Then the lead is listed as new
    row = page.get_by_role("row", name=re.compile("Dana Visitor"))
    await expect(row).to_contain_text("New")
    await expect(row).to_contain_text("Tailspin Toys")
    await tab.shot("leads")

    # When they open it and mark it contacted
    await row.get_by_role("link", name="Dana Visitor").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Dana Visitor, Tailspin Toys")
    await expect(page.get_by_role("region", name="Request")).to_contain_text(
        "We want to move our email to the cloud."
    )
    await page.get_by_role("button", name="Mark as contacted").click()
    await expect(page.get_by_role("status").filter(has_text="now contacted")).to_be_visible()
    status = page.get_by_role("form", name="Status")
    await expect(status).to_contain_text("Contacted")

    # And send an invitation from it: prefilled with the lead's email, a refusal first
    invite = page.get_by_role("form", name="Send invitation")
    await expect(invite.get_by_label("Customer contact email")).to_have_value(
        "dana@tailspin.example.com"
    )
    await tab.shot("lead")
    await invite.get_by_label("Duration (days)").fill("900")
    await invite.get_by_text("User Administrator", exact=True).click()
    await invite.get_by_role("button", name="Send invitation").click()
    await expect(page.locator('[data-field="durationDays"] .field-error')).to_be_visible()
    assert await Invitation.all().count() == 0
    await invite.get_by_label("Duration (days)").fill("90")
    seen = len(smtp_server.messages)
    await invite.get_by_role("button", name="Send invitation").click()

    # Then the lead shows INVITED, linked to the invitation, which is emailed
    await expect(page.get_by_role("status").filter(has_text="now invited")).to_be_visible()
    await expect(status).to_contain_text("Invited")
    await expect(page.get_by_role("region", name="Invitation")).to_contain_text(
        "A Granular delegated admin (GDAP) invitation was sent to dana@tailspin.example.com"
    )
    lead = await Lead.get(email="dana@tailspin.example.com")
    assert lead.status is LeadStatus.INVITED
    invitation = await Invitation.get(id=lead.invitation_id)
    assert invitation.customer_email == "dana@tailspin.example.com"
    mails = await smtp_server.await_for(seen + 1)
    assert any("dana@tailspin.example.com" in m.rcpt_tos for m in mails[seen:])
    await tab.shot("lead-invited")

    # And an invited lead can only be closed
    await expect(status.get_by_role("button")).to_have_text(["Close"])

    # And the list's filter finds it among the invited
    await page.goto("/leads?status=INVITED")
    await expect(page.get_by_role("row", name=re.compile("Dana Visitor"))).to_contain_text(
        "Invited"
    )
    assert tab.errors == []


async def test_a_helpdesk_agent_resets_a_password_and_is_refused_invoices(tab: Tab) -> None:
    # Given Contoso granted Fabrikam HELPDESK_ADMINISTRATOR, assigned to a group of its agents
    contoso = await f.customer("Contoso")
    fabrikam = await f.partner("Fabrikam")
    admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR")
    lead_agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    helpdesk = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT)
    relationship = await f.granted(
        lead_agent, admin, ["HELPDESK_ADMINISTRATOR"], RelationshipType.GDAP_PARTNER
    )
    group = await f.group(lead_agent, "Helpdesk", helpdesk)
    await f.assign(group, relationship, "HELPDESK_ADMINISTRATOR")
    # With the tenant's 2 and Contoso's Global Administrator (one directory), 21 users: more
    # than a page of 20
    for n in range(18):
        await User.create(
            organization=contoso,
            display_name=f"Old {n}",
            email=f"old{n}@contoso.{contoso.id.hex[:8]}.test",
        )
    data = await f.tenant(contoso, "contoso")  # its users are the newest: on the first page
    # And a group of Contoso's directory, as its identity provider made it (a SCIM Group)
    sales = await SecurityGroup.create(partner=contoso, name="Sales team", external_id="idp-1")
    await SecurityGroupMember.create(group=sales, user=data.user)
    page = tab.page
    await sign_in(tab, helpdesk)

    # Then they start on Customers, and the nav offers no list their roles do not open
    await expect(page).to_have_url(re.compile(r"/customers$"))
    nav = page.get_by_role("navigation", name="Console")
    await expect(nav.get_by_role("link", name="Customers")).to_be_visible()
    for refused in ("Invitations", "Send an invitation", "Leads"):
        await expect(nav.get_by_role("link", name=refused, exact=True)).to_have_count(0)

    # When the agent opens Contoso from Customers
    await (
        page.get_by_role("navigation", name="Console").get_by_role("link", name="Customers").click()
    )
    await page.get_by_role("link", name="Contoso").click()
    await page.get_by_role("link", name="Open Contoso's data").click()

    # Then its roles open the users and incidents; invoices are refused in their place
    await expect(page.get_by_role("heading", level=1)).to_have_text("Contoso")
    await expect(page.get_by_role("region", name="Your access")).to_contain_text(
        "Helpdesk Administrator"
    )
    invoices = page.get_by_role("region", name="Invoices")
    await expect(invoices).to_contain_text("Your roles don't include this")
    await expect(invoices.get_by_role("table")).to_have_count(0)
    await expect(page.get_by_role("region", name="Support incidents")).to_contain_text(
        "Mail down contoso"
    )
    await expect(page.get_by_role("region", name="Your access")).not_to_contain_text(
        "Bills and payments"
    )
    await tab.shot("customer-data")

    # And the directory's groups show with their members, as the users do
    groups = page.get_by_role("region", name="Groups")
    await expect(groups.locator("tbody tr")).to_have_count(1)
    await expect(groups.locator("tbody tr")).to_contain_text("Sales team")
    assert data.user.display_name is not None
    await expect(groups.locator("tbody tr")).to_contain_text(data.user.display_name)

    # And the users come a page at a time
    users = page.get_by_role("region", name="Users")
    await expect(users.locator("tbody tr")).to_have_count(20)
    await users.get_by_role("button", name="Show more users").click()
    await expect(users.locator("tbody tr")).to_have_count(21)
    await expect(users.get_by_text("Showing 21 of 21.")).to_be_focused()
    await expect(users.get_by_role("button", name="Show more users")).to_have_count(0)

    # When they reset a user's password
    user = data.user.display_name
    await page.get_by_role("button", name=f"Reset password of {user}").click()
    dialog = page.get_by_role("dialog", name="Reset password?")
    await dialog.get_by_role("button", name="Yes").click()

    # Then the temporary password is shown and the reset recorded
    await expect(page.get_by_role("status").filter(has_text="Temporary password")).to_be_visible()
    await data.user.refresh_from_db()
    assert data.user.password_reset_at is not None

    # When they open an incident without a title, then with one
    incident = page.get_by_role("form", name="Open incident")
    await incident.get_by_label("Description").fill("The printer queue is stuck.")
    await incident.get_by_label("Severity").select_option("LOW")
    await incident.get_by_role("button", name="Open incident").click()
    await expect(page.locator('[data-field="title"] .field-error')).to_contain_text("title")
    await expect(incident.get_by_label("Title")).to_be_focused()
    await incident.get_by_label("Title").fill("Printer queue stuck")
    await incident.get_by_role("button", name="Open incident").click()

    # Then it is listed among the customer's incidents, opened by Fabrikam
    await expect(page.get_by_role("status").filter(has_text="Printer queue stuck")).to_be_visible()
    row = page.get_by_role("region", name="Support incidents").get_by_role(
        "row", name=re.compile("Printer queue stuck")
    )
    await expect(row).to_contain_text("Fabrikam")
    await expect(row).to_contain_text("Low")
    assert tab.errors == []


async def test_a_customer_admin_sees_its_own_organization(tab: Tab) -> None:
    # Given a customer with its data, and an admin holding only Billing Administrator
    contoso = await f.customer("Contoso")
    billing = await f.person(contoso, "BILLING_ADMINISTRATOR")
    await f.tenant(contoso, "contoso")
    page = tab.page
    await sign_in(tab, billing)

    # When they open Your organization
    await (
        page.get_by_role("navigation", name="Console")
        .get_by_role("link", name="Your organization")
        .click()
    )

    # Then their invoices are there, and what billing rights do not open says so
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your organization")
    await expect(page.get_by_role("region", name="Invoices")).to_contain_text("INV-contoso")
    await expect(page.get_by_role("region", name="Devices")).to_contain_text(
        "Your roles don't include this"
    )
    await tab.shot("your-organization")
    assert tab.errors == []


async def test_an_admin_agent_edits_and_publishes_the_directory_profile(tab: Tab) -> None:
    # Given a partner's admin agent, with no directory profile yet, and a sales agent
    fabrikam = await f.partner("Fabrikam")
    admin = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    page = tab.page

    # Then only the admin agent finds Directory profile in the nav
    await sign_in(tab, sales)
    nav = page.get_by_role("navigation", name="Console")
    await expect(nav.get_by_role("link", name="Leads")).to_be_visible()
    await expect(nav.get_by_role("link", name="Directory profile")).to_have_count(0)
    await page.get_by_role("button", name="Sign out").click()
    await sign_in(tab, admin)
    await nav.get_by_role("link", name="Directory profile").click()

    # When the admin publishes a profile with only a description
    form = page.get_by_role("form", name="Directory profile")
    await form.get_by_label("Description").fill("Fabrikam runs your cloud.")
    await form.get_by_label("Listing").select_option("true")
    await form.get_by_role("button", name="Save profile").click()

    # Then each missing field is refused next to its own control, saying what it needs
    location_error = page.locator('[data-field="locations"] .field-error')
    await expect(location_error).to_have_text("A published profile needs at least one location.")
    email_error = page.locator('[data-field="contactEmail"] .field-error')
    await expect(email_error).to_have_text("A published profile needs a contact email.")
    await expect(page.locator('[data-field="description"] .field-error')).to_be_hidden()
    await expect(page.get_by_text("Saved.", exact=True)).to_have_count(0)
    await tab.shot("directory-profile-refused")

    # When they add a location, an industry and a contact email
    await form.get_by_role("group", name="Location").get_by_label("United States").check()
    await form.get_by_role("group", name="Industry").get_by_label("Healthcare").check()
    await form.get_by_label("Contact email").fill("hello@fabrikam.example.com")
    await form.get_by_role("button", name="Save profile").click()

    # Then it is saved and published, the form shows it, and visitors find it
    await expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_focused()
    saved = page.get_by_role("region", name="Your listing")
    await expect(saved).to_contain_text("Published")
    await expect(form.get_by_label("Contact email")).to_have_value("hello@fabrikam.example.com")
    await tab.shot("directory-profile")
    await saved.get_by_role("link", name="See it as visitors do").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Fabrikam")
    await expect(page.get_by_role("region", name="Profile")).to_contain_text(
        "Fabrikam runs your cloud."
    )

    # When the admin comes back to the page, the form shows the saved profile, and nothing
    # says "Saved" before they save again
    await nav.get_by_role("link", name="Directory profile").click()
    await expect(form.get_by_label("Description")).to_have_value("Fabrikam runs your cloud.")
    await expect(page.get_by_role("region", name="Your listing")).to_contain_text("Published")
    await expect(page.get_by_text("Saved", exact=True)).to_have_count(0)
    await expect(page.get_by_text("Saved.", exact=True)).to_have_count(0)
    await expect(form.get_by_label("Contact email")).to_have_value("hello@fabrikam.example.com")
    location = form.get_by_role("group", name="Location").get_by_label("United States")
    industry = form.get_by_role("group", name="Industry").get_by_label("Healthcare")
    await expect(location).to_be_checked()
    await expect(industry).to_be_checked()
    await expect(form.get_by_label("Listing")).to_have_value("true")

    # And unchecking the industry and saving clears it
    await industry.uncheck()
    await form.get_by_role("button", name="Save profile").click()
    await expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    await expect(page.get_by_role("region", name="Your listing")).to_contain_text("Industry: none")
    profile = await PartnerProfile.get(organization_id=fabrikam.id)
    assert (profile.industries, profile.locations) == ([], ["US"])

    await page.get_by_role("button", name="Sign out").click()
    await page.goto("/directory?locations=US")
    await expect(page.locator(".results > li")).to_contain_text(["Fabrikam"])
    assert tab.errors == []


async def test_an_admin_agent_assigns_a_granted_role_to_a_security_group(tab: Tab) -> None:
    # Given Contoso granted Fabrikam HELPDESK_ADMINISTRATOR, and Fabrikam's Helpdesk group
    contoso = await f.customer("Contoso")
    fabrikam = await f.partner("Fabrikam")
    admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR")
    lead_agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT, email="lead@fabrikam.com")
    helpdesk = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT, email="help@fabrikam.com")
    relationship = await f.granted(lead_agent, admin, ["HELPDESK_ADMINISTRATOR"])
    await f.group(lead_agent, "Helpdesk", helpdesk)
    page = tab.page
    await sign_in(tab, lead_agent)
    await (
        page.get_by_role("navigation", name="Console")
        .get_by_role("link", name="Security groups")
        .click()
    )

    # When the admin agent creates a group under a name already taken
    create = page.get_by_role("form", name="Create a group")
    await create.get_by_label("New group's name").fill("Helpdesk")
    await create.get_by_role("button", name="Create group").click()

    # Then the refusal is next to the name; another name creates the group
    await expect(page.locator('[data-field="name"] .field-error')).to_be_visible()
    await create.get_by_label("New group's name").fill("Night shift")
    await create.get_by_role("button", name="Create group").click()
    await expect(
        page.get_by_role("status").filter(has_text="Night shift was created")
    ).to_be_visible()

    # When they add themselves to the Helpdesk group through the picker
    group = page.get_by_role("region", name="Helpdesk")
    await expect(group).to_contain_text("help@fabrikam.com")
    add = group.get_by_role("form", name="Add a member to Helpdesk")
    await add.get_by_role("button", name="Add").click()
    await expect(add.locator('[data-field="userId"] .field-error')).to_contain_text(
        "Choose an agent"
    )
    picker = add.get_by_label("Add a member")
    await expect(picker.locator("option")).to_have_count(2)  # the prompt, and lead@ only
    await picker.select_option(label=f"{lead_agent.user.display_name} (lead@fabrikam.com)")
    await add.get_by_role("button", name="Add").click()

    # Then the group lists both agents, and every agent is in it
    await expect(
        page.get_by_role("status").filter(has_text="was added to Helpdesk")
    ).to_be_visible()
    group = page.get_by_role("region", name="Helpdesk")
    await expect(group).to_contain_text("lead@fabrikam.com")
    await expect(group).to_contain_text("Every agent of your organization is in this group.")
    members = SecurityGroupMember.filter(group__name="Helpdesk").prefetch_related("user")
    assert {member.user.email for member in await members} == {
        "lead@fabrikam.com",
        "help@fabrikam.com",
    }

    # When they assign Contoso's granted role, in the delegated admin relationship that
    # grants it, to the Helpdesk group
    dar = await DelegatedAdminRelationship.get(relationship_id=relationship.id)
    assign = group.get_by_role("form", name="Assign a role to Helpdesk")
    await assign.get_by_label("Assign a role").select_option(
        label=f"Contoso · {dar.display_name}: Helpdesk Administrator"
    )
    await assign.get_by_role("button", name="Assign").click()

    # Then the group holds it for Contoso in that one, and its member acts with it
    row = group.get_by_role("row", name=re.compile("Contoso"))
    await expect(row).to_contain_text("Helpdesk Administrator")
    await expect(row).to_contain_text(dar.display_name)
    await tab.shot("security-groups")
    assignment = await AccessAssignment.get(relationship_id=relationship.id)
    assert assignment.role == "HELPDESK_ADMINISTRATOR"
    assert assignment.delegated_admin_relationship_id == dar.id

    # When they remove it again, through the question
    await group.get_by_role(
        "button",
        name=f"Remove Helpdesk Administrator for Contoso in {dar.display_name} from Helpdesk",
    ).click()
    await page.get_by_role("dialog").get_by_role("button", name="Yes").click()

    # Then the group holds no role
    await expect(page.get_by_role("region", name="Helpdesk")).to_contain_text("No roles assigned.")
    assert await AccessAssignment.filter(relationship_id=relationship.id).count() == 0
    assert tab.errors == []


# --- The local mailbox of `partnerhub dev` ---------------------------------------------------


FRAME_FITS_ITS_MESSAGE = """() => {
  const frame = document.querySelector("iframe");
  const message = frame.contentDocument;
  return message?.readyState === "complete"
    && message.documentElement.scrollHeight <= frame.clientHeight;
}"""


async def test_the_dev_mailbox_previews_the_whole_message(
    chromium: Browser, db: Settings, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    # Given an invitation email kept in the local mailbox
    async with live_app(dataclasses.replace(db, mailbox_dir=str(tmp_path))) as base:
        async with AsyncClient(base_url=base) as client:
            _, agent = await contoso_and_fabrikam()
            await emailed_link(GraphQLClient(client), smtp_server, agent)
        [mail] = smtp_server.messages
        MailFolder(tmp_path).store(mail.message.as_bytes())

        # When the developer opens it in the mailbox
        async with open_tab(chromium, base) as tab:
            await tab.page.goto("/dev/mail/1")

            # Then the preview frame is as tall as the message: nothing is cut off, its
            # button included
            frame = tab.page.locator("iframe")
            message = tab.page.frame_locator("iframe")
            link = message.get_by_role("link", name="Review the invitation")
            await expect(link).to_be_visible()
            await tab.page.wait_for_function(FRAME_FITS_ITS_MESSAGE)
            outer = await frame.bounding_box()
            button = await link.bounding_box()
            assert outer is not None
            assert button is not None
            assert button["y"] + button["height"] <= outer["y"] + outer["height"]

            # And the message still runs no script of its own
            assert await frame.get_attribute("sandbox") == "allow-same-origin"
            assert tab.errors == []


async def test_a_forgotten_password_is_reset_from_the_emailed_link(
    tab: Tab, smtp_server: SmtpServer
) -> None:
    # Given Contoso's admin, who forgot their password (and has an authenticator app)
    admin, _ = await contoso_and_fabrikam()
    await with_authenticator(await f.with_password(admin))
    page = tab.page

    # When they ask for a link from the sign-in page
    await page.goto("/signin")
    await page.get_by_role("link", name="Forgot password?").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Forgot your password?")
    await page.get_by_label("Email address").fill("admin@contoso.com")
    await page.get_by_role("button", name="Email me a link").click()

    # Then the page says what it would say for any address
    await expect(
        page.get_by_role("status").filter(has_text="If an account signs in as admin@contoso.com")
    ).to_be_visible()
    assert await tab.accessibility_problems() == []
    await tab.shot("forgot-password")
    # And the worker emailed them a link to the console's set-password page
    [mail] = await smtp_server.await_for(1)
    assert mail.rcpt_tos == ["admin@contoso.com"]
    found = re.search(r"http://\S+/set-password\?token=\S+", text_of(mail))
    assert found is not None
    link = found.group(0)

    # When they open it, and choose a common password
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    chosen, again = page.get_by_label("New password"), page.get_by_label("Type it again")
    submit = page.get_by_role("button", name="Set password and sign in")
    await chosen.fill("password1")
    await again.fill("password1")
    await submit.click()

    # Then it is refused next to the field, in the service's words
    await expect(page.locator('[data-field="password"] .field-error')).to_contain_text("too common")
    assert await tab.accessibility_problems() == []
    await tab.shot("set-password-refused")
    # And two copies that differ are caught before anything is sent
    await chosen.fill("seven silver spoons")
    await again.fill("seven silver spoon")
    await submit.click()
    await expect(page.locator('[data-field="repeat"] .field-error')).to_have_text(
        "The two passwords differ."
    )

    # When they choose a good one
    await again.fill("seven silver spoons")
    await submit.click()

    # Then the password is set, and they sign in with it and a code (a link proves the
    # mailbox, not the authenticator), landing on their start page
    await expect(page).to_have_url(re.compile(r"/signin$"))
    await expect(page.get_by_role("status").filter(has_text="Your password is set")).to_be_visible()
    await page.get_by_label("Email address").fill(admin.email)
    await page.get_by_label("Password", exact=True).fill("seven silver spoons")
    await page.get_by_role("button", name="Sign in").click()
    await enter_code(tab, admin)
    await expect(page).to_have_url(re.compile(r"/partners$"))

    # And the link works once
    await page.get_by_role("button", name="Sign out", exact=True).click()
    await page.goto(link)
    await chosen.fill("eight golden forks")
    await again.fill("eight golden forks")
    await submit.click()
    await expect(page.get_by_role("alert")).to_contain_text("This link was used already")
    # And the new password is the one that signs in
    await sign_in(tab, admin, "seven silver spoons")
    assert tab.errors == []


async def test_the_security_page_signs_out_other_sessions_and_manages_tokens(
    chromium: Browser, base: str, tab: Tab, http: GraphQLClient
) -> None:
    # Given Contoso's admin, signed in on two browsers
    admin, _ = await contoso_and_fabrikam()
    page = tab.page
    async with open_tab(chromium, base) as other:
        await sign_in(other, admin)
        await sign_in(tab, admin)

        # When they open Security from the navigation
        await page.get_by_role("link", name="Security").click()

        # Then it lists both sessions, this one marked
        await expect(page.get_by_role("heading", level=1)).to_have_text("Security")
        sessions = page.get_by_role("table", name="Where you're signed in")
        await expect(sessions.locator("tbody tr")).to_have_count(2)
        await expect(sessions.get_by_text("This browser")).to_be_visible()
        await expect(sessions).to_contain_text("Chrome on Linux")
        assert await tab.accessibility_problems() == []
        await tab.shot("security")

        # When they sign out the other browser's session
        await sessions.get_by_role("button", name=re.compile("^Sign out Chrome")).click()
        dialog = page.get_by_role("dialog", name="Sign out that session?")
        await dialog.get_by_role("button", name="Sign out").click()

        # Then it is gone from the list, and the other browser must sign in again
        await expect(
            page.get_by_role("status").filter(has_text="That session was signed out.")
        ).to_be_visible()
        await expect(sessions.locator("tbody tr")).to_have_count(1)
        await other.page.get_by_role("link", name="Partner relationships").click()
        await expect(other.page).to_have_url(re.compile(r"/signin\?next="))
        assert other.errors == []

    # When they create an API token
    await page.get_by_label("Token name").fill("Nightly export")
    await page.get_by_role("button", name="Create token").click()

    # Then its value is shown this once, and it works as a bearer token
    shown = page.get_by_label('The token "Nightly export"')
    token = await shown.input_value()
    assert token.startswith("ph_")
    assert (await http.query("{ viewer { email } }", token=token))["viewer"] == {
        "email": "admin@contoso.com"
    }
    await tab.shot("security-new-token")
    await page.reload()
    await expect(shown).to_have_count(0)
    tokens = page.get_by_role("table", name="Your API tokens")
    await expect(tokens).to_contain_text("Nightly export")

    # When they revoke it
    await tokens.get_by_role("button", name="Revoke Nightly export").click()
    await (
        page.get_by_role("dialog", name='Revoke "Nightly export"?')
        .get_by_role("button", name="Revoke")
        .click()
    )

    # Then it stops working at once
    await expect(
        page.get_by_role("status").filter(has_text='The token "Nightly export" was revoked.')
    ).to_be_visible()
    assert await http.error_code("{ viewer { email } }", token=token) == "UNAUTHENTICATED"

    # When they change their password, first giving a wrong current one
    form = page.get_by_role("form", name="Change your password")
    await form.get_by_label("Current password").fill("not my password")
    await form.get_by_label("New password").fill("seven silver spoons")
    await form.get_by_label("Type it again").fill("seven silver spoons")
    await form.get_by_role("button", name="Change password").click()
    await expect(form.locator('[data-field="currentPassword"] .field-error')).to_have_text(
        "Your current password is not right."
    )
    await form.get_by_label("Current password").fill(f.PASSWORD)
    await form.get_by_label("New password").fill("seven silver spoons")
    await form.get_by_label("Type it again").fill("seven silver spoons")
    await form.get_by_role("button", name="Change password").click()

    # Then it is changed, and this browser stays signed in
    await expect(
        page.get_by_role("status").filter(has_text="Your password is changed.")
    ).to_be_visible()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Security")
    assert tab.errors == []


async def test_a_temporary_password_is_changed_before_anything_else(tab: Tab) -> None:
    # Given Contoso's admin, whose password was set by someone else
    admin, _ = await contoso_and_fabrikam()
    await f.with_password(admin)
    await User.filter(id=admin.user.id).update(must_change_password=True)
    page = tab.page

    # When they sign in
    await sign_in(tab, admin)

    # Then the console asks them to change it before anything else
    await expect(page).to_have_url(re.compile(r"/change-password\?next=%2F$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Change your temporary password"
    )
    await page.goto("/organization")
    await expect(page).to_have_url(re.compile(r"/change-password\?next=%2Forganization$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Change your temporary password"
    )
    assert await tab.accessibility_problems() == []
    await tab.shot("change-temporary-password")

    # When they choose their own
    await page.get_by_label("Current password").fill(f.PASSWORD)
    await page.get_by_label("New password").fill("my very own words")
    await page.get_by_label("Type it again").fill("my very own words")
    await page.get_by_role("button", name="Change password").click()

    # Then the page they were going to opens
    await expect(page).to_have_url(re.compile(r"/organization$"))
    await expect(
        page.get_by_role("status").filter(has_text="Your password is changed.")
    ).to_be_visible()
    assert tab.errors == []
