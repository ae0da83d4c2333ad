"""Multi-factor authentication in the web console, in headless Chromium: a Global
Administrator is brought to set up an authenticator app, scans its QR code (the test reads
the key beside it and computes codes with pyotp), saves the recovery codes shown once, then
signs in with a password and a code, and once with a recovery code; the Security page makes
new recovery codes and sets the organization's requirement."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.async_api import Request, expect

from models.tables.mfa import TotpFactor
from models.tables.organizations import Organization
from tests import factories as f
from tests.authenticator import next_code
from tests.browser import Tab, enter_code, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


async def sign_in_with_password(tab: Tab, person: f.Person) -> None:
    page = tab.page
    await page.goto("/signin")
    await page.get_by_label("Email address").fill(person.email)
    await page.get_by_label("Password", exact=True).fill(f.PASSWORD)
    await page.get_by_role("button", name="Sign in").click()


async def test_an_admin_sets_up_an_authenticator_then_signs_in_with_its_codes(
    tab: Tab, base: str
) -> None:
    # Given Contoso's Global Administrator, who has a password and no authenticator app
    contoso = await f.customer("Contoso")
    admin = await f.with_password(
        await f.person(contoso, "GLOBAL_ADMINISTRATOR", email="admin@contoso.com")
    )
    page = tab.page
    requested: list[str] = []

    def note(request: Request) -> None:
        requested.append(request.url)

    page.on("request", note)

    # When they sign in with their password
    await sign_in_with_password(tab, admin)

    # Then the console brings them to set up an authenticator app, and keeps them there
    await expect(page).to_have_url(re.compile(r"/security/authenticator\?next=%2F"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    await expect(page.get_by_text("nothing else opens until you do")).to_be_visible()
    # (the navigation offers none of the lists, which such a sign-in may not read)
    await expect(page.get_by_role("link", name="Partner relationships")).to_have_count(0)
    await page.goto(f"{base}/partners")
    await expect(page).to_have_url(re.compile(r"/security/authenticator\?next=%2Fpartners$"))
    # And it shows the service's QR code and the key beside it
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    await expect(qr).to_be_visible()
    assert (await qr.get_attribute("src") or "").startswith("data:image/svg+xml")
    key = (await page.get_by_label("Key for your authenticator app").inner_text()).replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", key)
    assert await tab.accessibility_problems() == []
    await tab.shot("authenticator-setup")

    # When they type a wrong code, then the one their app shows
    code = page.get_by_label("Code from the app")
    await code.fill("000000")
    await page.get_by_role("button", name="Turn on").click()
    await expect(page.locator('[data-field="code"] .field-error')).to_contain_text(
        "That code is not right."
    )
    await code.fill(pyotp.TOTP(key).now())
    await page.get_by_role("button", name="Turn on").click()

    # Then it is on, and ten recovery codes are shown, once
    codes_list = page.get_by_role("list", name="Your recovery codes")
    await expect(codes_list.get_by_role("listitem")).to_have_count(10)
    recovery_codes = [
        text.strip() for text in await codes_list.get_by_role("listitem").all_inner_texts()
    ]
    assert all(re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", c) for c in recovery_codes)
    assert await tab.accessibility_problems() == []
    await tab.shot("recovery-codes")

    # When they go on
    await page.get_by_role("button", name="I saved them, continue").click()

    # Then the page they were going to opens
    await expect(page).to_have_url(re.compile(r"/partners$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Partner relationships")
    # And the key never left for another site: every request went to the service
    assert all(url.startswith((base, "data:")) for url in requested), requested
    assert (await TotpFactor.get(user_id=admin.user.id)).secret_sealed is not None

    # When they sign out, and sign in with their password and a code of the app
    admin.totp_secret = key
    await page.get_by_role("button", name="Sign out", exact=True).click()
    await sign_in_with_password(tab, admin)
    await enter_code(tab, admin)

    # Then they are in, with nothing more to set up
    await expect(page).to_have_url(re.compile(r"/partners$"))

    # When they sign out and sign in with a recovery code instead
    await page.get_by_role("button", name="Sign out", exact=True).click()
    await sign_in_with_password(tab, admin)
    await page.get_by_role("button", name="Use a recovery code instead").click()
    recovery = page.get_by_label("Recovery code")
    await expect(recovery).to_be_focused()
    await recovery.fill(recovery_codes[0])
    await page.get_by_role("button", name="Verify and sign in").click()

    # Then they are in; and that recovery code does not work a second time
    await expect(page).to_have_url(re.compile(r"/partners$"))
    await page.get_by_role("button", name="Sign out", exact=True).click()
    await sign_in_with_password(tab, admin)
    await page.get_by_role("button", name="Use a recovery code instead").click()
    await page.get_by_label("Recovery code").fill(recovery_codes[0])
    await page.get_by_role("button", name="Verify and sign in").click()
    await expect(page.locator('[data-field="recoveryCode"] .field-error')).to_have_text(
        "That recovery code is not right, or was used already."
    )
    assert tab.errors == []


async def test_the_security_page_makes_new_recovery_codes_and_sets_the_requirement(
    tab: Tab,
) -> None:
    # Given Contoso's Global Administrator with an authenticator app, signed in
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR", email="admin@contoso.com")
    await sign_in(tab, admin)
    page = tab.page

    # When they open Security
    await page.get_by_role("link", name="Security").click()

    # Then it says multi-factor authentication is on, and that their role keeps it on
    mfa = page.get_by_role("region", name="Multi-factor authentication")
    await expect(mfa).to_contain_text("On: you sign in with your password and a code")
    await expect(mfa).to_contain_text("so it stays on")
    await expect(mfa.get_by_role("button", name="Turn off")).to_have_count(0)

    # When they make new recovery codes with a code of their app
    form = page.get_by_role("form", name="Make new recovery codes")
    await form.get_by_label("Code from your authenticator app, or a recovery code").fill(
        await next_code(admin)
    )
    await form.get_by_role("button", name="Make new recovery codes").click()

    # Then the new codes are shown, once
    await expect(
        page.get_by_role("status").filter(has_text="New recovery codes were made")
    ).to_be_visible()
    await expect(
        page.get_by_role("list", name="Your recovery codes").get_by_role("listitem")
    ).to_have_count(10)
    assert await tab.accessibility_problems() == []
    await tab.shot("security-mfa")

    # When they require a second factor of everyone in Contoso
    organization = page.get_by_role("region", name="Your organization")
    await organization.get_by_label("Everyone in Contoso signs in with a second factor").check()
    await organization.get_by_role("button", name="Save").click()

    # Then it is saved
    await expect(
        page.get_by_role("status").filter(has_text="Everyone in Contoso now signs in")
    ).to_be_visible()
    assert (await Organization.get(id=contoso.id)).mfa_required is True
    assert tab.errors == []
