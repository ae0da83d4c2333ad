"""Nested lists on a page of customers: each customer's own rows, by its own roles, paged per
customer, with cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.organizations import Organization, User
from models.tables.tenant import Domain
from tests import factories as f
from tests.factories import Person
from tests.graphql import GraphQLClient

CUSTOMERS = """
query($first: Int, $after: String) {
  customers {
    edges { node {
      name roles
      users(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { userPrincipalName } }
      }
      domains(first: 1) { totalCount edges { node { name } } }
    } }
  }
}
"""
USERS = """
query($first: Int, $after: String) {
  customers { edges { node {
    name
    users(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor } edges { node { userPrincipalName } }
    }
  } } }
}
"""
TWO_PAGES = """
query($id: ID!, $after: String) {
  customer(id: $id) {
    first: users(first: 2) { edges { node { userPrincipalName } } }
    next: users(first: 2, after: $after) {
      pageInfo { hasNextPage } edges { node { userPrincipalName } }
    }
  }
}
"""


async def _data(customer: Organization, users: int) -> None:
    """`users` directory users (u0 the oldest) and two domains of the customer."""
    mark = customer.name.lower()
    for n in range(users):
        row = await User.create(
            organization=customer,
            display_name=f"U{n}",
            email=f"u{n}@{mark}.{customer.id.hex[:8]}.test",
        )
        created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
        await User.filter(id=row.id).update(created_at=created)
    for n in range(2):
        await Domain.create(customer=customer, name=f"{mark}{n}.test")


async def _served(agent: Person, name: str, role: AdminRole, users: int) -> Organization:
    """A customer of the agent's partner whose grant of `role` the agent holds by its group."""
    customer = await f.customer(name)
    admin = await f.person(customer, AdminRole.GLOBAL_ADMINISTRATOR)
    # The admin is a person of the directory too: the oldest, last of its pages
    await User.filter(id=admin.user.id).update(created_at=datetime(2025, 1, 1, tzinfo=UTC))
    await _data(customer, users)
    relationship = await f.granted(agent, admin, [role])
    await f.assign(await f.group(agent, name, agent), relationship, role)
    return customer


def _by_name(body: dict[str, Any]) -> dict[str, Any]:
    return {e["node"]["name"]: e["node"] for e in body["data"]["customers"]["edges"]}


def _upns(connection: dict[str, Any]) -> list[str]:
    """Each user's sign-in name, without the customer's own part: `u4@contoso`."""
    return [e["node"]["userPrincipalName"].split(".")[0] for e in connection["edges"]]


async def test_a_page_of_customers_shows_each_its_own_rows_by_its_own_roles(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an agent who reads Contoso's users (USER_ADMINISTRATOR) and Tailspin's domains
    # (DOMAIN_NAME_ADMINISTRATOR), each customer holding users and domains
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    await _served(agent, "Contoso", AdminRole.USER_ADMINISTRATOR, 5)
    await _served(agent, "Tailspin", AdminRole.DOMAIN_NAME_ADMINISTRATOR, 3)

    # When it reads both on one page, two users of each
    body = await api.raw(CUSTOMERS, {"first": 2}, agent.token)

    # Then each customer shows its own rows, newest first, two of them, with its own count
    nodes = _by_name(body)
    assert _upns(nodes["Contoso"]["users"]) == ["u4@contoso", "u3@contoso"]
    assert nodes["Contoso"]["users"]["totalCount"] == 6  # and its Global Administrator
    assert nodes["Contoso"]["users"]["pageInfo"]["hasNextPage"] is True
    assert nodes["Tailspin"]["domains"]["totalCount"] == 2
    [domain] = nodes["Tailspin"]["domains"]["edges"]
    assert domain["node"]["name"].startswith("tailspin")
    # And each list its roles do not open is null, with FORBIDDEN at that customer's path only
    assert nodes["Contoso"]["domains"] is None
    assert nodes["Tailspin"]["users"] is None
    refused = {
        (_customer_at(body, e["path"]), e["path"][-1], e["extensions"]["code"])
        for e in body["errors"]
    }
    assert refused == {("Contoso", "domains", "FORBIDDEN"), ("Tailspin", "users", "FORBIDDEN")}


def _customer_at(body: dict[str, Any], path: list[Any]) -> str:
    """The name of the customer a path of the customers page points into."""
    name: str = body["data"]["customers"]["edges"][path[2]]["node"]["name"]
    return name


async def test_nested_pages_follow_their_cursors(api: GraphQLClient, db: Settings) -> None:
    # Given an agent who reads the users of Contoso (5 users) and Litware (2 users)
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    contoso = await _served(agent, "Contoso", AdminRole.USER_ADMINISTRATOR, 5)
    await _served(agent, "Litware", AdminRole.USER_ADMINISTRATOR, 2)

    # When it pages through Contoso's users from the page of customers, two at a time
    seen, after = [], None
    while True:
        body = await api.query(USERS, {"first": 2, "after": after}, agent.token)
        users = _by_name({"data": body})["Contoso"]["users"]
        seen += _upns(users)
        if not users["pageInfo"]["hasNextPage"]:
            break
        after = users["pageInfo"]["endCursor"]

    # Then it sees each once, newest first
    assert seen[:5] == [f"u{n}@contoso" for n in reversed(range(5))]
    assert len(seen) == 6  # the Global Administrator, the oldest, last

    # And a first page and the next one, asked in one request, are each their own page
    oid = str(encode_id("Organization", contoso.id))
    first = await api.query(USERS, {"first": 2}, agent.token)
    cursor = _by_name({"data": first})["Contoso"]["users"]["pageInfo"]["endCursor"]
    both = (await api.query(TWO_PAGES, {"id": oid, "after": cursor}, agent.token))["customer"]
    assert _upns(both["first"]) == ["u4@contoso", "u3@contoso"]
    assert _upns(both["next"]) == ["u2@contoso", "u1@contoso"]
    assert both["next"]["pageInfo"]["hasNextPage"] is True

    # And a bad cursor, or a page size out of bounds, is refused
    for variables in ({"first": 2, "after": "nope"}, {"first": 101}):
        refused = await api.raw(USERS, variables, agent.token)
        codes = {e["extensions"]["code"] for e in refused["errors"]}
        assert codes == {"BAD_USER_INPUT"}, refused
