"""A partner's page of customers costs a fixed number of SQL queries, whatever it nests.

Every nested list of `Customer` reads all the page's customers at once (one UNION ALL query
for the pages, one statement of COUNTs for the totalCounts), each related row through a loader
batch, and the agent's access to every customer in one pass: `customers(first: 1)` and
`customers(first: 30)` with every nested list send the same statements.
"""

from __future__ import annotations

from typing import Any

from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.access import SecurityGroup
from models.tables.organizations import Organization, User
from tests import factories as f
from tests.factories import Person
from tests.graphql import GraphQLClient
from tests.statements import logged_statements
from tests.test_query_counts import MANY, _listing, _tenant_rows

# Each nested list and the fields of its rows that cost a query (as in test_query_counts).
NESTED: dict[str, str] = {
    "users": "id userPrincipalName passwordResetByPartner { name }",
    "groups": (
        "id displayName members(first: 1) { totalCount pageInfo { hasNextPage } "
        "edges { node { id userPrincipalName passwordResetByPartner { name } } } }"
    ),
    "subscriptions": "id offerName assignedLicenses soldBy { name }",
    "licenses": (
        "id user { userPrincipalName } subscription { offerName } assignedByPartner { name }"
    ),
    "purchases": "id productName partner { name }",
    "billingNotifications": "id subject",
    "invoices": "id number",
    "supportIncidents": "id title openedBy openedByPartner { name }",
    "devices": "id serialNumber registeredByPartner { name }",
    "apps": "id name submittedByPartner { name }",
    "domains": "id name subscription { years }",
}
# Never open to a partner acting on behalf of a customer (the capability table's
# CUSTOMER_ONLY): null with a FORBIDDEN error for every customer, at no query.
NOT_UNDER_AOBO = {"purchases", "invoices"}
ROWS_EACH = 2  # rows of each kind per customer; the nested pages show one, and say more follow
# Users: each of the tenant's rows brings a user and an admin user; and the customer's Global
# Administrator is one of its people too.
TOTALS = {name: 2 * ROWS_EACH + 1 if name == "users" else ROWS_EACH for name in NESTED}

CUSTOMERS = (
    "query($first: Int!, $nested: Int!) { customers(first: $first) { totalCount edges { node {"
    " id name roles "
    + " ".join(
        f"{name}(first: $nested) {{ totalCount pageInfo {{ hasNextPage endCursor }} "
        f"edges {{ node {{ {fields} }} }} }}"
        for name, fields in NESTED.items()
    )
    + " } } } }"
)

# The page, for a partner agent (in no fixed order past the first ones):
#   1. the bearer token, with its user and organization
#   2. the page of relationships
#   3-5. the agent's access to every customer of the page, in one pass: their relationships,
#      the agent's groups' assignments, the active grants
#   6. the customers' totalCount
#   7. the customers' names (organization loader batch)
#   8-25. each of the 9 lists the agent may read: its pages (one UNION ALL query) and its
#      totalCounts (one UNION ALL of COUNTs)
#   26-27. the members of every group of the page: their pages and their totalCounts
#   28-31. the related rows: users and subscriptions of licenses, assigned license counts,
#      domain subscriptions (one batch each)
#   32. the partners named on rows (organization loader batch)
#   33. the people who opened incidents (user loader batch)
CUSTOMERS_WITH_EVERY_LIST_QUERIES = 33

USERS_AFTER = """
query($first: Int!, $after: String!) { customers(first: $first) { edges { node {
  users(first: 1, after: $after) { edges { node { id } } }
} } } }
"""
# Nested pages after a cursor are branches of the same statement as the others, each with
# its own cursor (here every customer is asked with the same one):
#   1. the token  2. the page of relationships  3-5. the agent's access  6. the users' pages
USERS_AFTER_QUERIES = 6


async def _customer_of(agent: Person, group: SecurityGroup) -> Organization:
    """Another customer of the agent's partner, granting GLOBAL_READER, which the agent's group
    holds, with ROWS_EACH rows of each kind of data."""
    admin = await f.person(await f.customer(), AdminRole.GLOBAL_ADMINISTRATOR)
    relationship = await f.granted(agent, admin, ["GLOBAL_READER"])
    await f.assign(group, relationship, "GLOBAL_READER")
    customer = await Organization.get(id=admin.user.organization_id)
    partner = await Organization.get(id=agent.user.organization_id)
    for _ in range(ROWS_EACH):
        await _tenant_rows(customer, partner, agent)
    # Its admin users too, so that whichever user comes first has a partner to load
    await User.filter(organization=customer).update(password_reset_by_partner_id=partner.id)
    return customer


def _check(body: dict[str, Any], customers: int) -> None:
    """Every customer shows each list it may read whole, and only its own rows."""
    page = body["data"]["customers"]
    assert page["totalCount"] == len(page["edges"]) == customers
    forbidden = sorted(
        (e["path"][2], e["path"][-1], e["extensions"]["code"]) for e in body.get("errors", [])
    )
    assert forbidden == sorted(
        (n, name, "FORBIDDEN") for n in range(customers) for name in NOT_UNDER_AOBO
    )
    for edge in page["edges"]:
        node = edge["node"]
        assert node["roles"] == ["GLOBAL_READER"]
        mark = node["name"].lower().replace(" ", "")
        for name in NESTED:
            if name in NOT_UNDER_AOBO:
                assert node[name] is None, name
                continue
            nested = node[name]
            assert nested["totalCount"] == TOTALS[name], (node["name"], name)
            assert nested["pageInfo"]["hasNextPage"] is True, (node["name"], name)
            [row] = [e["node"] for e in nested["edges"]]
            assert None not in row.values(), (name, row)  # every loader had a row to load
        # The rows are the customer's own, not another's of the same page
        assert mark in node["users"]["edges"][0]["node"]["userPrincipalName"]
        members = node["groups"]["edges"][0]["node"]["members"]
        assert members["totalCount"] == 2
        assert members["pageInfo"]["hasNextPage"] is True
        [member] = [e["node"] for e in members["edges"]]
        assert mark in member["userPrincipalName"]
        assert member["passwordResetByPartner"] is not None
        assert mark in node["domains"]["edges"][0]["node"]["name"]
        license_ = node["licenses"]["edges"][0]["node"]
        assert mark in license_["user"]["userPrincipalName"]
        assert license_["subscription"]["offerName"].lower().endswith(mark)


async def _page(api: GraphQLClient, agent: Person, first: int) -> tuple[dict[str, Any], list[str]]:
    with logged_statements() as queries:
        body = await api.raw(CUSTOMERS, {"first": first, "nested": 1}, agent.token)
    return body, list(queries)


async def _after(api: GraphQLClient, agent: Person, first: int, cursor: str) -> list[str]:
    with logged_statements() as queries:
        data = await api.query(USERS_AFTER, {"first": first, "after": cursor}, agent.token)
    assert len(data["customers"]["edges"]) == first
    return list(queries)


async def test_a_page_of_customers_with_every_nested_list_costs_the_same_for_1_or_30(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner's agent whose group holds GLOBAL_READER for one customer with data
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    group = await f.group(agent, "Readers", agent)
    await _customer_of(agent, group)
    one, one_queries = await _page(api, agent, 1)
    _check(one, 1)
    cursor = one["data"]["customers"]["edges"][0]["node"]["users"]["pageInfo"]["endCursor"]
    after_one = await _after(api, agent, 1, cursor)

    # When the partner has thirty such customers
    for _ in range(1, MANY):
        await _customer_of(agent, group)
    many, many_queries = await _page(api, agent, MANY)
    after_many = await _after(api, agent, MANY, cursor)

    # Then a page of thirty, with every list of each, costs what a page of one costs
    _check(many, MANY)
    assert len(one_queries) == len(many_queries) == CUSTOMERS_WITH_EVERY_LIST_QUERIES, (
        f"expected {CUSTOMERS_WITH_EVERY_LIST_QUERIES} queries for 1 customer and for {MANY}, "
        f"got {len(one_queries)} and {len(many_queries)}"
        f"\nfor 1:\n{_listing(one_queries)}\nfor {MANY}:\n{_listing(many_queries)}"
    )
    # And so does a nested page after a cursor
    assert len(after_one) == len(after_many) == USERS_AFTER_QUERIES, (
        f"\nfor 1:\n{_listing(after_one)}\nfor {MANY}:\n{_listing(after_many)}"
    )
