"""A customer's data as its own admins and its partners' agents read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.organizations import User
from tests import factories as f
from tests.graphql import GraphQLClient

CUSTOMER = """
query($id: ID!) {
  customer(id: $id) {
    id name onBehalf roles
    subscriptions { edges { node {
      offerName sku quantity status assignedLicenses soldBy { name } } } }
    licenses { edges { node { user { userPrincipalName } subscription { sku } } } }
    invoices { edges { node { number amount currency periodStart periodEnd status } } }
    devices { edges { node { serialNumber model } } }
    domains { edges { node { name verified subscription { years } } } }
  }
}
"""
CUSTOMERS = "query { customers { totalCount edges { node { id name onBehalf roles } } } }"
USERS = """
query($id: ID!, $after: String) {
  customer(id: $id) {
    users(first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { userPrincipalName } }
    }
  }
}
"""


def _oid(row: Any) -> str:
    return str(encode_id("Organization", row.id))


async def test_a_customer_admin_reads_its_own_data_by_its_roles(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's data, with a subscription sold by Fabrikam
    contoso, fabrikam = await f.customer("Contoso"), await f.partner("Fabrikam")
    data = await f.tenant(contoso, "contoso")
    await type(data.subscription).filter(id=data.subscription.id).update(sold_by_id=fabrikam.id)
    global_admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    billing = await f.person(contoso, AdminRole.BILLING_ADMINISTRATOR)

    # When its global admin reads it
    got = (await api.query(CUSTOMER, {"id": _oid(contoso)}, global_admin.token))["customer"]

    # Then every part shows, as stored
    assert got["name"] == "Contoso"
    assert got["onBehalf"] is False
    assert got["roles"] == ["GLOBAL_ADMINISTRATOR"]
    assert got["subscriptions"]["edges"] == [
        {
            "node": {
                "offerName": "Office contoso",
                "sku": "O365-contoso",
                "quantity": 5,
                "status": "ACTIVE",
                "assignedLicenses": 1,
                "soldBy": {"name": "Fabrikam"},
            }
        }
    ]
    assert got["licenses"]["edges"] == [
        {
            "node": {
                "user": {"userPrincipalName": data.user.email},
                "subscription": {"sku": "O365-contoso"},
            }
        }
    ]
    assert got["invoices"]["edges"] == [
        {
            "node": {
                "number": data.invoice.number,
                "amount": "120.00",
                "currency": "USD",
                "periodStart": "2026-11-01",
                "periodEnd": "2026-11-30",
                "status": "DUE",
            }
        }
    ]
    assert got["devices"]["edges"] == [
        {"node": {"serialNumber": data.device.serial_number, "model": "Surface contoso"}}
    ]
    assert got["domains"]["edges"] == [
        {"node": {"name": data.domain.name, "verified": True, "subscription": None}}
    ]

    # When its billing admin reads it: billing yes, devices and domains no
    body = await api.raw(CUSTOMER, {"id": _oid(contoso)}, billing.token)
    assert sorted(e["path"][-1] for e in body["errors"]) == ["devices", "domains"]
    assert body["data"]["customer"]["invoices"] == got["invoices"]
    assert body["data"]["customer"]["devices"] is None

    # And `customers` is its own organization, for either admin
    for admin in (global_admin, billing):
        listed = await api.query(CUSTOMERS, token=admin.token)
        assert [e["node"]["name"] for e in listed["customers"]["edges"]] == ["Contoso"]

    # While a Contoso user without admin roles sees nothing at all, and may not list customers
    user = await f.person(contoso)
    assert (await api.query(CUSTOMER, {"id": _oid(contoso)}, user.token))["customer"] is None
    assert await api.error_code(CUSTOMERS, token=user.token) == "FORBIDDEN"


async def test_a_partner_lists_its_active_customers_and_reads_them_by_its_roles(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam serves Contoso (agent assigned USER_ADMINISTRATOR) and Tailspin (nothing
    # assigned), and once served Litware
    fabrikam = await f.partner("Fabrikam")
    admin_agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    agent = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    admins = {}
    for name in ("Contoso", "Tailspin", "Litware"):
        admins[name] = await f.person(await f.customer(name), AdminRole.GLOBAL_ADMINISTRATOR)
    contoso = await f.granted(admin_agent, admins["Contoso"], ["USER_ADMINISTRATOR"])
    await f.granted(admin_agent, admins["Tailspin"], ["USER_ADMINISTRATOR"])
    litware = await f.granted(admin_agent, admins["Litware"], ["USER_ADMINISTRATOR"])
    await f.assign(await f.group(admin_agent, "Users", agent), contoso, "USER_ADMINISTRATOR")
    await api.query(
        f.END,
        {"input": {"relationshipId": str(encode_id("Relationship", litware.id))}},
        admin_agent.token,
    )

    # When the agent lists its customers
    listed = await api.query(CUSTOMERS, token=agent.token)

    # Then it sees the active ones, newest relationship first, with its roles for each
    assert [
        (e["node"]["name"], e["node"]["onBehalf"], e["node"]["roles"])
        for e in listed["customers"]["edges"]
    ] == [("Tailspin", True, []), ("Contoso", True, ["USER_ADMINISTRATOR"])]

    # And Litware, whose relationship ended, is no longer its to read
    litware_id = str(encode_id("Organization", litware.customer_id))
    assert (await api.query(CUSTOMER, {"id": litware_id}, agent.token))["customer"] is None
    # And neither is an ID that names no customer, or names something else
    for bad in (
        str(encode_id("Organization", fabrikam.id)),
        "nope",
        str(encode_id("User", agent.user.id)),
    ):
        assert (await api.query(CUSTOMER, {"id": bad}, agent.token))["customer"] is None


async def test_users_page_by_cursor_newest_first(api: GraphQLClient, db: Settings) -> None:
    # Given a customer with five directory users
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, AdminRole.USER_ADMINISTRATOR)
    # (the admin is one of its people too: the oldest)
    await User.filter(id=admin.user.id).update(created_at=datetime(2025, 1, 1, tzinfo=UTC))
    for n in range(5):
        user = await User.create(
            organization=contoso,
            display_name=f"U{n}",
            email=f"u{n}@contoso.{contoso.id.hex[:8]}.test",
        )
        created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
        await User.filter(id=user.id).update(created_at=created)

    # When its admin pages through them two at a time
    seen, after = [], None
    while True:
        page = (await api.query(USERS, {"id": _oid(contoso), "after": after}, admin.token))[
            "customer"
        ]["users"]
        assert page["totalCount"] == 6
        seen += [e["node"]["userPrincipalName"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # Then it sees each once, newest first
    assert seen == [f"u{n}@contoso.{contoso.id.hex[:8]}.test" for n in reversed(range(5))] + [
        admin.user.email
    ]
    # And a bad cursor is refused
    bad = await api.raw(USERS, {"id": _oid(contoso), "after": "nope"}, admin.token)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


TWO_ASSIGNMENTS = """
mutation($a: LicenseInput!, $b: LicenseInput!) {
  a: assignLicense(input: $a) { subscription { assignedLicenses } errors { code } }
  b: assignLicense(input: $b) { subscription { assignedLicenses } errors { code } }
}
"""


async def test_each_mutation_of_a_document_reads_the_data_as_the_ones_before_left_it(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's subscription, one of its licenses assigned, and two users without one
    contoso = await f.customer("Contoso")
    data = await f.tenant(contoso)
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    other = await User.create(
        organization=contoso, display_name="Bo", email=f"bo@contoso.{contoso.id.hex[:8]}.test"
    )

    def license_for(user: User) -> dict[str, str]:
        return {
            "customerId": _oid(contoso),
            "subscriptionId": str(encode_id("Subscription", data.subscription.id)),
            "userId": str(encode_id("User", user.id)),
        }

    # When one document assigns a license to each, one after the other
    got = await api.query(
        TWO_ASSIGNMENTS, {"a": license_for(data.admin_user), "b": license_for(other)}, admin.token
    )

    # Then each payload counts the licenses as its own assignment left them
    assert got["a"] == {"subscription": {"assignedLicenses": 2}, "errors": []}
    assert got["b"] == {"subscription": {"assignedLicenses": 3}, "errors": []}
