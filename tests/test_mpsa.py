"""MPSA partners see each other's purchases only while the customer allows it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.reference.enums import PartnerRole, RelationshipType
from models.tables.organizations import Organization
from models.tables.tenant import Purchase
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.test_partner_actions import MPSA_PURCHASES, org_id

UPDATE_SETTINGS = """
mutation($input: UpdateCustomerSettingsInput!) {
  updateCustomerSettings(input: $input) { settings { shareMpsaPurchases } errors { code } }
}
"""
SETTINGS = "query { customerSettings { shareMpsaPurchases } }"


async def bought(customer: Organization, product: str, partner: Organization | None) -> None:
    await Purchase.create(
        customer=customer,
        product_name=product,
        quantity=1,
        amount=Decimal("10.00"),
        partner=partner,
        purchased_at=utcnow(),
    )


async def products(api: GraphQLClient, who: f.Person, customer: Organization) -> list[str]:
    data = await api.query(MPSA_PURCHASES, {"customerId": org_id(customer)}, who.token)
    page = data["mpsaPurchases"]
    names = sorted(edge["node"]["productName"] for edge in page["edges"])
    assert page["totalCount"] == len(names)
    return names


async def share(api: GraphQLClient, who: f.Person, on: bool) -> dict[str, Any]:
    return await api.raw(UPDATE_SETTINGS, {"input": {"shareMpsaPurchases": on}}, who.token)


async def test_mpsa_partners_see_each_others_purchases_only_while_the_setting_is_on(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a customer with two MPSA partners and a reseller, each having bought something for
    # it, the customer's own purchase, and an MPSA partner's purchase for another customer
    contoso, tailspin = await f.customer("Contoso"), await f.customer("Tailspin")
    admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR")
    tailspin_admin = await f.person(tailspin, "GLOBAL_ADMINISTRATOR")
    agents = {}
    for name, type_ in (
        ("Fabrikam", RelationshipType.MPSA_PARTNER),
        ("Northwind", RelationshipType.MPSA_PARTNER),
        ("Litware", RelationshipType.RESELLER),
    ):
        partner = await f.partner(name)
        agents[name] = await f.person(partner, PartnerRole.SALES_AGENT)
        await f.related(agents[name], admin, type_)
        await bought(contoso, f"{name} for Contoso", partner)
    await f.related(agents["Fabrikam"], tailspin_admin, RelationshipType.MPSA_PARTNER)
    fabrikam = await Organization.get(name="Fabrikam")
    await bought(tailspin, "Fabrikam for Tailspin", fabrikam)
    await bought(contoso, "Contoso itself", None)
    fab, nw = agents["Fabrikam"], agents["Northwind"]

    # When the setting is off (the default), Then each MPSA partner sees its own purchases only
    assert (await api.query(SETTINGS, token=admin.token))["customerSettings"] == {
        "shareMpsaPurchases": False
    }
    assert await products(api, fab, contoso) == ["Fabrikam for Contoso"]
    assert await products(api, nw, contoso) == ["Northwind for Contoso"]

    # When the customer's admin turns it on
    body = await share(api, admin, True)
    assert body["data"]["updateCustomerSettings"] == {
        "settings": {"shareMpsaPurchases": True},
        "errors": [],
    }
    # Then each sees the other MPSA partner's purchases too, but never the reseller's, the
    # customer's own, or those of another customer
    both = ["Fabrikam for Contoso", "Northwind for Contoso"]
    assert await products(api, fab, contoso) == both
    assert await products(api, nw, contoso) == both
    # And the other customer's setting is its own: still off there
    assert await products(api, fab, tailspin) == ["Fabrikam for Tailspin"]
    # And the reseller is no MPSA partner: it may not list them at all
    assert (
        await api.raw(MPSA_PURCHASES, {"customerId": org_id(contoso)}, agents["Litware"].token)
    )["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # When a billing administrator turns it off again, Then each is back to its own
    billing = await f.person(contoso, "BILLING_ADMINISTRATOR")
    assert (await share(api, billing, False))["data"]["updateCustomerSettings"]["errors"] == []
    assert await products(api, fab, contoso) == ["Fabrikam for Contoso"]
    assert await products(api, nw, contoso) == ["Northwind for Contoso"]


async def test_only_a_global_or_billing_administrator_changes_the_setting(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a customer with an MPSA partner
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR")
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    await f.related(agent, admin, RelationshipType.MPSA_PARTNER)
    others = {
        "helpdesk admin": await f.person(contoso, "HELPDESK_ADMINISTRATOR"),
        "user without roles": await f.person(contoso),
        "the MPSA partner": agent,
        "another customer's global admin": await f.person(
            await f.customer("Tailspin"), "GLOBAL_ADMINISTRATOR"
        ),
    }

    # When anyone else tries to turn it on, or to read it
    for name, who in others.items():
        body = await share(api, who, True)
        # Then it is FORBIDDEN (the other customer's admin would change only its own anyway)
        if name == "another customer's global admin":
            assert body["data"]["updateCustomerSettings"]["errors"] == [], name
            continue
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", name
        assert await api.error_code(SETTINGS, token=who.token) == "FORBIDDEN", name

    # And Contoso's setting is still off
    assert (await api.query(SETTINGS, token=admin.token))["customerSettings"] == {
        "shareMpsaPurchases": False
    }
