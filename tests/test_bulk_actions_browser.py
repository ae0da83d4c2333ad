"""The console's bulk actions on the customers list: an admin agent selects customers (or
delegated admin relationships), gives a security group a granted role for all of them at
once (or ends them), and watches the operation's progress live to its per-item results."""

from __future__ import annotations

import re

from playwright.async_api import expect

from models.reference.catalog import AdminRole
from models.reference.enums import (
    BulkOperationKind,
    DelegatedAdminRelationshipStatus,
    PartnerRole,
)
from models.tables.access import AccessAssignment
from models.tables.bulk import BulkOperation
from models.tables.delegated_admin import DelegatedAdminRelationship
from tests import factories as f
from tests.browser import Tab, sign_in


async def test_an_admin_agent_assigns_a_groups_role_to_the_customers_they_select(
    tab: Tab,
) -> None:
    # Given a partner's admin agent with a group; Contoso and Litware granting User
    # Administrator, Tailspin only Helpdesk Administrator, and Northwind not selected
    fabrikam = await f.partner("Fabrikam")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT, email="lead@fabrikam.com")
    group = await f.group(agent, "Tier 1")
    granted = {}
    for name, role in (
        ("Contoso", AdminRole.USER_ADMINISTRATOR),
        ("Litware", AdminRole.USER_ADMINISTRATOR),
        ("Tailspin", AdminRole.HELPDESK_ADMINISTRATOR),
        ("Northwind", AdminRole.USER_ADMINISTRATOR),
    ):
        admin = await f.person(
            await f.customer(name), "GLOBAL_ADMINISTRATOR", email=f"ga@{name.lower()}.example"
        )
        granted[name] = await f.granted(agent, admin, [role])
    page = tab.page
    await sign_in(tab, agent)

    # When they select three customers on the Customers page and assign the group a role
    await (
        page.get_by_role("navigation", name="Console").get_by_role("link", name="Customers").click()
    )
    for name in ("Contoso", "Litware", "Tailspin"):
        await page.get_by_role("checkbox", name=f"Select {name}", exact=True).check()
    panel = page.get_by_role("region", name="Bulk actions")
    await expect(panel).to_contain_text("3 customers and 0 delegated admin relationships selected.")
    form = panel.get_by_role("form", name="Assign a group's roles to the selected customers")
    await form.get_by_label("Security group").select_option(label="Tier 1")
    await form.get_by_label("User Administrator", exact=True).check()
    assert await tab.accessibility_problems() == []
    await tab.shot("bulk-actions")
    await form.get_by_role("button", name="Assign to selected customers").click()

    # Then the progress page follows the operation to its end
    await expect(page.get_by_role("heading", level=1)).to_have_text("Bulk access assignment")
    progress = page.get_by_role("region", name="Progress")
    await expect(progress).to_contain_text("2 assigned, 1 refused, 0 to go, of 3.", timeout=60_000)
    await expect(progress).to_contain_text("Completed")
    # And the results say why Tailspin was refused
    refused = page.get_by_role("row", name=re.compile("Failed"))
    await expect(refused).to_contain_text("Role not granted")
    await tab.shot("bulk-access-results")

    # And the group holds the role for the two customers that granted it, and no other
    [operation] = await BulkOperation.all()
    assert operation.kind is BulkOperationKind.ASSIGN_ACCESS
    held = await AccessAssignment.filter(group_id=group.id).values_list(
        "relationship_id", flat=True
    )
    assert sorted(map(str, held)) == sorted(
        str(granted[name].id) for name in ("Contoso", "Litware")
    )
    assert tab.errors == []


async def test_an_admin_agent_ends_the_delegated_admin_relationships_they_select(
    tab: Tab,
) -> None:
    # Given a partner's admin agent, and Contoso and Litware each with a delegated admin
    # relationship granting User Administrator
    fabrikam = await f.partner("Fabrikam")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT, email="lead@fabrikam.com")
    relationships = {}
    for name in ("Contoso", "Litware"):
        admin = await f.person(
            await f.customer(name), "GLOBAL_ADMINISTRATOR", email=f"ga@{name.lower()}.example"
        )
        relationships[name] = await f.granted(agent, admin, [AdminRole.USER_ADMINISTRATOR])
    page = tab.page
    await sign_in(tab, agent)

    # When they select Contoso's on the Customers page and end it, confirming
    await (
        page.get_by_role("navigation", name="Console").get_by_role("link", name="Customers").click()
    )
    await page.get_by_role("checkbox", name=re.compile(r"^Select .+ \(Contoso\)$")).check()
    panel = page.get_by_role("region", name="Bulk actions")
    await expect(panel).to_contain_text("0 customers and 1 delegated admin relationship selected.")
    await panel.get_by_role("button", name="End selected delegated admin relationships").click()
    dialog = page.get_by_role("dialog", name="End the selected delegated admin relationships?")
    await dialog.get_by_role("button", name="End them").click()

    # Then the progress page follows the ending to its end
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bulk ending of delegated admin relationships"
    )
    progress = page.get_by_role("region", name="Progress")
    await expect(progress).to_contain_text("1 ended, 0 refused, 0 to go, of 1.", timeout=60_000)
    await expect(page.get_by_role("row", name=re.compile("Contoso"))).to_contain_text("Succeeded")

    # And Contoso's is terminated, Litware's in force
    statuses = {
        name: (await DelegatedAdminRelationship.get(relationship_id=r.id)).status
        for name, r in relationships.items()
    }
    assert statuses == {
        "Contoso": DelegatedAdminRelationshipStatus.TERMINATED,
        "Litware": DelegatedAdminRelationshipStatus.ACTIVE,
    }
    assert tab.errors == []
