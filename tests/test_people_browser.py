"""The People page in headless Chromium, against the real app, a real worker and real mail:
an admin invites a colleague, who sets a password from the email and signs in; the admin
gives them a role, disables them (their open session stops working), and removes them.
Browser tests run on SQLite only; screenshots go to docs/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from models.tables.access import SecurityGroup, SecurityGroupMember
from models.tables.mfa import TotpFactor
from models.tables.organizations import User
from tests import factories as f
from tests.authenticator import with_authenticator
from tests.browser import open_tab, sign_in
from tests.jobs import text_of
from tests.servers import SmtpServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


async def named(person: f.Person, name: str) -> f.Person:
    person.user.display_name = name
    await person.user.save(update_fields=["display_name"])
    return person


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


async def test_an_admin_invites_a_colleague_gives_them_a_role_then_disables_and_removes_them(
    chromium: Browser, base: str, smtp_server: SmtpServer
) -> None:
    # Given Contoso's Global Administrator, signed in
    contoso = await f.customer("Contoso")
    admin = await named(
        await f.person(contoso, "GLOBAL_ADMINISTRATOR", email="admin@contoso.com"), "Alex Wilber"
    )
    async with open_tab(chromium, base) as tab, open_tab(chromium, base) as megans:
        page = tab.page
        await sign_in(tab, admin)

        # When they open People from the console's navigation
        await (
            page.get_by_role("navigation", name="Console")
            .get_by_role("link", name="People")
            .click()
        )
        await expect(heading(page)).to_have_text("People")

        # And invite a colleague, without any role yet
        await page.get_by_label("Email address").fill("megan@contoso.com")
        await page.get_by_label("Name (optional)").fill("Megan Bowen")
        await page.get_by_role("button", name="Send invitation").click()

        # Then the page says so, and lists her as invited
        await expect(
            page.get_by_role("status").filter(has_text="Megan Bowen was invited")
        ).to_be_visible()
        row = page.get_by_role("row", name=re.compile("Megan Bowen"))
        await expect(row).to_contain_text("Invited")
        await expect(row).to_contain_text("No roles")
        await expect(row.get_by_role("button")).to_have_text(
            ["Change roles", "Resend invitation", "Cancel invitation"]
        )
        assert await tab.accessibility_problems() == []
        await tab.shot("people")

        # When she opens the link of the email the worker sent her, and chooses a password
        [mail] = await smtp_server.await_for(1)
        assert mail.rcpt_tos == ["megan@contoso.com"]
        found = re.search(r"http://\S+/set-password\?token=\S+", text_of(mail))
        assert found is not None
        her = megans.page
        await her.goto(found.group(0))
        await expect(heading(her)).to_have_text("Choose your password")
        await her.get_by_label("New password").fill("seven silver spoons")
        await her.get_by_label("Type it again").fill("seven silver spoons")
        await her.get_by_role("button", name="Set password and sign in").click()

        # Then she is signed in; without a role, she starts on her own Security page (no list
        # is hers to open yet), and People is not in her navigation
        await expect(her.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
        await expect(heading(her)).to_have_text("Security")
        await expect(her.get_by_role("link", name="People")).to_have_count(0)

        # When the admin gives her Helpdesk Administrator
        await page.reload()
        await expect(row).to_contain_text("Active")
        await row.get_by_role("button", name="Change roles").click()
        dialog = page.get_by_role("dialog", name="Change Megan Bowen's roles?")
        save = dialog.get_by_role("button", name="Save roles")
        await expect(save).to_be_disabled()
        await dialog.get_by_role("checkbox", name=re.compile("^Helpdesk Administrator")).check()
        await expect(dialog).to_contain_text("Yes gives Helpdesk Administrator.")
        await page.keyboard.press("Enter")  # never an answer
        await expect(dialog).to_be_visible()
        assert await tab.accessibility_problems() == []
        await tab.shot("people-change-roles", full_page=False)
        await save.click()

        # Then the list shows it, and her start page is now her partner relationships
        await expect(
            page.get_by_role("status").filter(has_text="Megan Bowen's roles were changed")
        ).to_be_visible()
        await expect(row).to_contain_text("Helpdesk Administrator")
        await her.goto("/")
        await expect(heading(her)).to_have_text("Partner relationships")

        # When the admin asks to disable her, and presses Enter
        await row.get_by_role("button", name="Disable").click()
        dialog = page.get_by_role("dialog", name="Disable Megan Bowen?")
        await expect(dialog).to_contain_text("signed out everywhere at once")
        await page.keyboard.press("Enter")
        # Then Enter answers No (the answer that changes nothing), and she is still active
        await expect(dialog).to_be_hidden()
        await expect(row).to_contain_text("Active")

        # When they ask again and answer Disable
        await row.get_by_role("button", name="Disable").click()
        await expect(dialog).to_be_visible()
        assert await tab.accessibility_problems() == []
        await tab.shot("people-disable", full_page=False)
        await dialog.get_by_role("button", name="Disable").click()
        await expect(row).to_contain_text("Disabled")

        # Then her open session stops working: her next step returns to sign-in, saying why
        await her.get_by_role("link", name="Security").click()
        await expect(her).to_have_url(re.compile(r"/signin\?next=%2Fsecurity$"))
        await expect(her.get_by_role("status").filter(has_text="no longer valid")).to_be_visible()
        # And signing in again says the account is disabled
        await her.get_by_label("Email address").fill("megan@contoso.com")
        await her.get_by_label("Password", exact=True).fill("seven silver spoons")
        await her.get_by_role("button", name="Sign in").click()
        await expect(her.locator('[data-field="email"] .field-error')).to_contain_text(
            "This account is disabled"
        )

        # When the admin asks to remove her: Enter leaves her be
        await row.get_by_role("button", name="Remove").click()
        dialog = page.get_by_role("dialog", name="Remove Megan Bowen?")
        await expect(dialog).to_contain_text("This cannot be undone")
        await page.keyboard.press("Enter")
        await expect(dialog).to_be_hidden()
        assert await User.exists(email="megan@contoso.com")
        # ... and Remove removes her
        await row.get_by_role("button", name="Remove").click()
        await dialog.get_by_role("button", name="Remove").click()
        await expect(
            page.get_by_role("status").filter(has_text="Megan Bowen was removed")
        ).to_be_visible()
        await expect(row).to_have_count(0)
        assert not await User.exists(email="megan@contoso.com")
        assert tab.errors == []
        assert megans.errors == []


async def test_the_last_global_administrator_is_told_why_they_cannot_step_down(
    chromium: Browser, base: str
) -> None:
    # Given Contoso's only Global Administrator, on the People page
    contoso = await f.customer("Contoso")
    admin = await named(
        await f.person(contoso, "GLOBAL_ADMINISTRATOR", email="admin@contoso.com"), "Alex Wilber"
    )
    billing = await named(
        await f.person(contoso, "BILLING_ADMINISTRATOR", email="billing@contoso.com"),
        "Diego Siciliani",
    )
    async with open_tab(chromium, base) as tab:
        page = tab.page
        await sign_in(tab, admin)
        await page.goto("/people")

        # When they try to give up Global Administrator
        row = page.get_by_role("row", name=re.compile("Alex Wilber"))
        await expect(row).to_contain_text("(you)")
        await row.get_by_role("button", name="Change roles").click()
        dialog = page.get_by_role("dialog", name="Change Alex Wilber's roles?")
        await dialog.get_by_role("checkbox", name=re.compile("^Global Administrator")).uncheck()
        await dialog.get_by_role("button", name="Save roles").click()

        # Then the refusal is shown next to the roles, and nothing changed
        await expect(dialog.locator('[data-field="roles"] .field-error')).to_contain_text(
            "You are the last active Global Administrator"
        )
        assert await tab.accessibility_problems() == []
        await tab.shot("people-last-admin", full_page=False)
        await dialog.get_by_role("button", name="No").click()
        await expect(row).to_contain_text("Global Administrator")

    # And a Billing Administrator finds no People page in the navigation, nor behind its
    # address
    async with open_tab(chromium, base) as other:
        await sign_in(other, billing)
        await expect(
            other.page.get_by_role("navigation", name="Console").get_by_role("link", name="People")
        ).to_have_count(0)
        await other.page.goto("/people")
        await expect(other.page.get_by_role("main")).to_contain_text(
            "Your roles don't include managing your organization's people."
        )
        assert other.errors == []


async def test_an_admin_resets_a_colleagues_lost_authenticator_from_the_people_page(
    chromium: Browser, base: str
) -> None:
    # Given Contoso's Global Administrator, and a colleague with an authenticator app
    contoso = await f.customer("Contoso")
    admin = await named(
        await f.person(contoso, "GLOBAL_ADMINISTRATOR", email="admin@contoso.com"), "Alex Wilber"
    )
    colleague = await named(
        await f.person(contoso, "BILLING_ADMINISTRATOR", email="billing@contoso.com"),
        "Diego Siciliani",
    )
    await with_authenticator(await f.with_password(colleague))
    # And a group of Contoso's directory, as its identity provider made it (a SCIM Group)
    finance = await SecurityGroup.create(partner=contoso, name="Finance", external_id="idp-9")
    await SecurityGroupMember.create(group=finance, user=admin.user)
    async with open_tab(chromium, base) as tab:
        page = tab.page
        await sign_in(tab, admin)
        await page.goto("/people")

        # Then the page lists the directory's groups with their members
        groups = page.get_by_role("region", name="Groups (1)")
        await expect(groups.get_by_role("row", name=re.compile("Finance"))).to_contain_text(
            "Alex Wilber"
        )

        # When the admin resets the colleague's authenticator, answering the question
        row = page.get_by_role("row", name=re.compile("Diego Siciliani"))
        await row.get_by_role("button", name="Reset authenticator").click()
        dialog = page.get_by_role("dialog", name="Reset Diego Siciliani's authenticator app?")
        await expect(dialog).to_contain_text("signed out everywhere")
        assert await tab.accessibility_problems() == []
        await dialog.get_by_role("button", name="Reset authenticator").click()

        # Then the page says so, the button goes, and the app is gone
        await expect(
            page.get_by_role("status").filter(has_text="authenticator app was reset")
        ).to_be_visible()
        await expect(row.get_by_role("button", name="Reset authenticator")).to_have_count(0)
        assert not await TotpFactor.exists(user_id=colleague.user.id)
        # ... and their own row offers no such reset of the admin's own
        own = page.get_by_role("row", name=re.compile("Alex Wilber"))
        await expect(own.get_by_role("button", name="Reset authenticator")).to_have_count(0)
        assert tab.errors == []
