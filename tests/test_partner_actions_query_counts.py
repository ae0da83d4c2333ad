"""Each list of the partner actions costs a fixed number of SQL queries, for 1 row or 30.

Rows are made straight in the tables (and relationships through the rules): what is
measured is the list request only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.reference.enums import PartnerRole, RelationshipType
from models.tables.organizations import Organization
from models.tables.tenant import CustomerSettings, Device, LobApp, Purchase, Subscription
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.test_partner_actions import org_id
from tests.test_query_counts import MANY, _assert_cost, _page

# The lists of `customer(id:)` the partner actions fill, as the customer's own admin reads
# them with a different partner on every row (purchases, subscriptions, devices, apps):
#   1. the bearer token, with its user and organization (its own roles: no access query)
#   2. the page
#   3. organizations: every partner on the page (one loader batch)
#   4. totalCount
CUSTOMER_LIST_QUERIES = 4
# A partner's lists for one customer (devices, lobApps):
#   1. the bearer token
#   2. whether the partner holds the type with the customer, in force
#   3. the page
#   4. organizations (one loader batch)
#   5. totalCount
PARTNER_LIST_QUERIES = 5
# mpsaPurchases while the customer shares them: as a partner's list, plus
#   whether the customer shares them, and which of its partners are MPSA partners
MPSA_LIST_QUERIES = 7

FIELDS = {
    "purchases": "id productName amount partner { id name }",
    "subscriptions": "id sku quantity status soldBy { id name }",
    "devices": "id serialNumber model registeredByPartner { id name }",
    "apps": "id name version description submittedByPartner { id name }",
}


def _list(name: str, fields: str, arguments: str = "") -> str:
    return (
        f"query {{ {name}(first: 100{arguments}) {{ totalCount "
        f"edges {{ cursor node {{ {fields} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    )


def _customer_list(name: str, customer: Organization) -> str:
    """The `name` list of `customer(id:)`, as `_list` asks for a top-level one."""
    return (
        _list(name, FIELDS[name]).replace(
            "query { ", f'query {{ customer(id: "{org_id(customer)}") {{ ', 1
        )
        + " }"
    )


def _check(data: dict[str, Any], rows: int) -> None:
    """Every row is there whole, with its partner: no field was skipped to save a query."""
    [page] = data.values()
    if "customer" in data:
        [page] = page.values()
    assert page["totalCount"] == rows
    assert len(page["edges"]) == rows
    for edge in page["edges"]:
        node = edge["node"]
        partner = next(value for key, value in node.items() if isinstance(value, dict))
        assert partner["name"].startswith("Partner")


async def _customer_rows(customer: Organization, partner: Organization, n: int) -> None:
    """One purchase, subscription, device and app by `partner`, the n-th of the customer."""
    subscription = await Subscription.create(
        customer=customer, offer_name="Microsoft 365 E3", sku="M365_E3", quantity=n, sold_by=partner
    )
    await Purchase.create(
        customer=customer, product_name="Microsoft 365 E3", quantity=n, amount=Decimal(36 * n),
        partner=partner, subscription=subscription, purchased_at=utcnow(),
    )  # fmt: skip
    await Device.create(
        customer=customer, serial_number=f"SN-{n}", hardware_hash=f"SEFTSC0{n}",
        model="Surface", registered_by_partner=partner,
    )  # fmt: skip
    await LobApp.create(
        customer=customer, name=f"App {n}", version="1.0", package_url="https://a.example/p",
        submitted_by_partner=partner,
    )  # fmt: skip


async def test_the_customers_own_lists_cost_the_same_for_1_or_30_rows(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a customer with one row of each kind, by one partner
    customer = await f.customer()
    admin = await f.person(customer, "GLOBAL_ADMINISTRATOR")
    await _customer_rows(customer, await f.partner(), 1)
    ones = {name: await _page(api, _customer_list(name, customer), admin) for name in FIELDS}

    # When it has thirty, each by another partner
    for n in range(2, MANY + 1):
        await _customer_rows(customer, await f.partner(), n)

    for name in FIELDS:
        many, many_queries = await _page(api, _customer_list(name, customer), admin)
        # Then each list shows them all for the same number of queries
        one, one_queries = ones[name]
        _check(one, 1)
        _check(many, MANY)
        _assert_cost(one_queries, many_queries, CUSTOMER_LIST_QUERIES)


async def test_the_partners_lists_cost_the_same_for_1_or_30_rows(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an OEM and LOB partner with one device and one app for a customer
    customer = await f.customer()
    admin = await f.person(customer, "GLOBAL_ADMINISTRATOR")
    partner = await f.partner()
    agent = await f.person(partner, PartnerRole.ADMIN_AGENT)
    await f.related(agent, admin, RelationshipType.OEM, RelationshipType.LOB_PARTNER)
    await _customer_rows(customer, partner, 1)
    arguments = f', customerId: "{org_id(customer)}"'
    lists = {
        "devices": _list("devices", FIELDS["devices"], arguments),
        "lobApps": _list("lobApps", FIELDS["apps"], arguments),
    }
    ones = {name: await _page(api, query, agent) for name, query in lists.items()}

    # When it has thirty of each
    for n in range(2, MANY + 1):
        await _customer_rows(customer, partner, n)

    for name, query in lists.items():
        many, many_queries = await _page(api, query, agent)
        # Then each list shows them all for the same number of queries
        one, one_queries = ones[name]
        _check(one, 1)
        _check(many, MANY)
        _assert_cost(one_queries, many_queries, PARTNER_LIST_QUERIES)


async def test_mpsa_purchases_cost_the_same_for_1_or_30_partners(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a customer sharing its MPSA partners' purchases, and one MPSA partner's purchase
    customer = await f.customer()
    admin = await f.person(customer, "GLOBAL_ADMINISTRATOR")
    await CustomerSettings.create(customer=customer, share_mpsa_purchases=True)

    async def mpsa_partner(n: int) -> f.Person:
        partner = await f.partner()
        agent = await f.person(partner, PartnerRole.SALES_AGENT)
        await f.related(agent, admin, RelationshipType.MPSA_PARTNER)
        await _customer_rows(customer, partner, n)
        return agent

    viewer = await mpsa_partner(1)
    query = _list("mpsaPurchases", FIELDS["purchases"], f', customerId: "{org_id(customer)}"')
    one, one_queries = await _page(api, query, viewer)

    # When thirty MPSA partners bought something
    for n in range(2, MANY + 1):
        await mpsa_partner(n)
    many, many_queries = await _page(api, query, viewer)

    # Then the viewer sees all their purchases for the same number of queries
    _check(one, 1)
    _check(many, MANY)
    _assert_cost(one_queries, many_queries, MPSA_LIST_QUERIES)
