"""The console's Templates page and bulk send: an admin agent saves a template, uploads a
CSV of a few hundred customers, watches the operation's progress, and reads which customers
were refused and why."""

from __future__ import annotations

import re

from playwright.async_api import FilePayload, expect

from models.reference.enums import PartnerRole
from models.tables.bulk import BulkOperation
from models.tables.invitations import Invitation
from models.tables.templates import InvitationTemplate
from tests import factories as f
from tests.browser import Tab, sign_in

CUSTOMERS = 300


async def test_an_admin_agent_sends_a_template_to_hundreds_of_customers_from_a_csv(
    tab: Tab,
) -> None:
    # Given a partner's admin agent with a security group, signed in
    fabrikam = await f.partner("Fabrikam")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT, email="lead@fabrikam.com")
    await f.group(agent, "Tier 1")
    page = tab.page
    await sign_in(tab, agent)

    # When they save a template on the Templates page
    await (
        page.get_by_role("navigation", name="Console").get_by_role("link", name="Templates").click()
    )
    form = page.get_by_role("form", name="New template")
    await form.get_by_label("Template name").fill("Helpdesk GDAP")
    await form.get_by_label("User Administrator", exact=True).check()
    await form.get_by_label("Duration (days)").fill("180")
    await form.get_by_label("Give the roles to this security group on acceptance").select_option(
        label="Tier 1"
    )
    await form.get_by_role("button", name="Save template").click()

    # Then it is listed, with the group its roles go to
    await expect(
        page.get_by_role("status").filter(has_text="Helpdesk GDAP was saved")
    ).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Helpdesk GDAP"))
    await expect(row).to_contain_text("Tier 1: User Administrator")
    await tab.shot("templates")

    # When they upload a CSV of 300 customers, one of them an address the API refuses
    await page.get_by_role("link", name="Send a template to many customers").click()
    lines = ["email,customer id"] + [
        f"admin{n}@customer{n}.example.com" if n != 7 else "not an address"
        for n in range(CUSTOMERS)
    ]
    send = page.get_by_role("form", name="Send a template to many customers")
    await send.get_by_label("Template").select_option(label="Helpdesk GDAP")
    await send.get_by_label("Customers (CSV file)").set_input_files(
        files=FilePayload(
            name="customers.csv", mimeType="text/csv", buffer="\n".join(lines).encode()
        )
    )
    await send.get_by_role("button", name="Send invitations").click()

    # Then the progress page follows the operation to its end
    await expect(page.get_by_role("heading", level=1)).to_have_text("Bulk send")
    progress = page.get_by_role("region", name="Progress")
    await expect(progress).to_contain_text(
        f"{CUSTOMERS - 1} sent, 1 refused, 0 to go, of {CUSTOMERS}.", timeout=60_000
    )
    await expect(progress).to_contain_text("Completed")
    # And the results name the refused customer and why
    refused = page.get_by_role("row", name=re.compile("not an address"))
    await expect(refused).to_contain_text("Failed")
    await expect(refused).to_contain_text("Invalid input")
    await tab.shot("bulk-send-results")
    # And the next page of results is a click away
    await page.get_by_role("button", name="Show more").click()
    await expect(page.get_by_role("row", name=re.compile("admin150@customer150"))).to_be_visible()

    # And every other customer was invited once, from the template
    [operation] = await BulkOperation.all()
    assert (operation.succeeded, operation.failed) == (CUSTOMERS - 1, 0 + 1)
    template = await InvitationTemplate.get(name="Helpdesk GDAP")
    invitations = await Invitation.filter(template_id=template.id)
    assert len({i.customer_email for i in invitations}) == len(invitations) == CUSTOMERS - 1
    assert {i.duration_days for i in invitations} == {180}
    assert tab.errors == []
