"""A customer's directory groups, as its identity provider provisions them (SCIM Groups), shown
in the customer's data: `customer(id:) { groups }`, each with its members, by the same IDs as
`customer(id:) { users }` gives. Read as the users are (READ_USERS), and by no one else."""

from __future__ import annotations

from typing import Any

from models.foundation.ids import encode_id
from models.reference.enums import PartnerRole
from models.tables.organizations import Organization
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.test_scim import GROUP_SCHEMA, Scim, directory, patch

GROUPS = """
query($id: ID!) { customer(id: $id) {
  users(first: 100) { edges { node { id email } } }
  groups(first: 100) { totalCount edges { node {
    id displayName externalId
    members(first: 100) { totalCount edges { node { id email } } }
  } } }
} }
"""


async def _groups(api: GraphQLClient, customer: Organization, token: str) -> dict[str, list[str]]:
    """Each group's name and its members' addresses, checking that the members are people of
    `users` with the same IDs."""
    data = await api.query(GROUPS, {"id": str(encode_id("Organization", customer.id))}, token)
    users = {e["node"]["id"]: e["node"]["email"] for e in data["customer"]["users"]["edges"]}
    shown: dict[str, list[str]] = {}
    for edge in data["customer"]["groups"]["edges"]:
        group = edge["node"]
        members = group["members"]
        assert members["totalCount"] == len(members["edges"])
        for member in members["edges"]:
            assert users[member["node"]["id"]] == member["node"]["email"]
        shown[group["displayName"]] = sorted(m["node"]["email"] for m in members["edges"])
    assert data["customer"]["groups"]["totalCount"] == len(shown)
    return shown


async def _provisioned(scim: Scim) -> dict[str, Any]:
    """An identity provider's typical calls: two people, then a group of one of them."""
    alice = await scim.create_user("alice", "alice@contoso.example.com")
    await scim.create_user("bob", "bob@contoso.example.com")
    created = await scim.call(
        "POST",
        "/Groups",
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "Sales",
            "externalId": "b1c2",
            "members": [{"value": alice["id"]}],
        },
    )
    assert created.status_code == 201, created.text
    group: dict[str, Any] = created.json()
    return group


async def test_the_identity_providers_group_changes_show_in_the_customers_data(
    api: GraphQLClient,
) -> None:
    # Given a customer whose identity provider created a group holding Alice
    customer, admin, scim = await directory(api)
    assert await _groups(api, customer, admin.token) == {}
    group = await _provisioned(scim)
    assert await _groups(api, customer, admin.token) == {"Sales": ["alice@contoso.example.com"]}
    bob = (await scim.call("GET", '/Users?filter=userName eq "bob"')).json()["Resources"][0]

    # When it adds Bob and removes Alice, as Entra ID does (PATCH of members)
    location = f"/Groups/{group['id']}"
    added = await scim.call(
        "PATCH", location, patch({"op": "add", "path": "members", "value": [{"value": bob["id"]}]})
    )
    assert added.status_code == 200, added.text
    both = await _groups(api, customer, admin.token)
    alice_id = next(m["value"] for m in added.json()["members"] if m["value"] != bob["id"])
    removed = await scim.call(
        "PATCH", location, patch({"op": "remove", "path": f'members[value eq "{alice_id}"]'})
    )
    assert removed.status_code == 200, removed.text

    # Then the customer's data shows each change, the group under its SCIM ID
    assert both == {"Sales": ["alice@contoso.example.com", "bob@contoso.example.com"]}
    assert await _groups(api, customer, admin.token) == {"Sales": ["bob@contoso.example.com"]}
    data = await api.query(GROUPS, {"id": str(encode_id("Organization", customer.id))}, admin.token)
    [shown] = [e["node"] for e in data["customer"]["groups"]["edges"]]
    assert shown["id"] == str(encode_id("SecurityGroup", group["id"]))
    assert shown["externalId"] == "b1c2"

    # And when it deletes the group, the customer's data no longer shows it
    assert (await scim.call("DELETE", location)).status_code == 204
    assert await _groups(api, customer, admin.token) == {}


async def test_groups_are_read_as_users_are_and_by_no_one_else(api: GraphQLClient) -> None:
    # Given a customer's group, a partner whose agents' group holds GLOBAL_READER for it, and
    # a billing administrator of the customer (whose role reads no users)
    customer, admin, scim = await directory(api)
    await _provisioned(scim)
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    readers = await f.group(agent, "Readers", agent)
    await f.assign(readers, await f.granted(agent, admin, ["GLOBAL_READER"]), "GLOBAL_READER")
    billing = await f.person(customer, "BILLING_ADMINISTRATOR")
    stranger = await f.person(await f.customer(), "GLOBAL_ADMINISTRATOR")
    other_agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    variables = {"id": str(encode_id("Organization", customer.id))}

    # Then the partner's agent reads the same groups, with the same members
    expected = {"Sales": ["alice@contoso.example.com"]}
    assert await _groups(api, customer, agent.token) == expected

    # And the billing administrator gets null groups, with FORBIDDEN at its path
    body = await api.raw(GROUPS, variables, billing.token)
    assert body["data"]["customer"]["groups"] is None
    assert {(tuple(e["path"]), e["extensions"]["code"]) for e in body["errors"]} == {
        (("customer", "users"), "FORBIDDEN"),
        (("customer", "groups"), "FORBIDDEN"),
    }

    # And another customer's admin, or another partner's agent, gets nothing of the customer
    for outsider in (stranger, other_agent):
        body = await api.raw(GROUPS, variables, outsider.token)
        assert body == {"data": {"customer": None}}


BY_ID = """
query($id: ID!) {
  directoryGroup(id: $id) { id displayName members { edges { node { email } } } }
  node(id: $id) { __typename id ... on DirectoryGroup { displayName } }
}
"""


async def test_a_group_is_read_again_by_its_id_by_those_who_read_the_users(
    api: GraphQLClient,
) -> None:
    # Given a customer's group, a partner whose agents' group holds GLOBAL_READER for it, and
    # people who may not read the customer's users
    customer, admin, scim = await directory(api)
    group = await _provisioned(scim)
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    readers = await f.group(agent, "Readers", agent)
    await f.assign(readers, await f.granted(agent, admin, ["GLOBAL_READER"]), "GLOBAL_READER")
    billing = await f.person(customer, "BILLING_ADMINISTRATOR")
    stranger = await f.person(await f.customer(), "GLOBAL_ADMINISTRATOR")
    other_agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    group_id = str(encode_id("SecurityGroup", group["id"]))

    # Then the customer's admin and the partner's agent get it by directoryGroup and by node
    for reader in (admin, agent):
        data = await api.query(BY_ID, {"id": group_id}, reader.token)
        assert data["directoryGroup"] == {
            "id": group_id,
            "displayName": "Sales",
            "members": {"edges": [{"node": {"email": "alice@contoso.example.com"}}]},
        }
        assert data["node"] == {
            "__typename": "DirectoryGroup",
            "id": group_id,
            "displayName": "Sales",
        }

    # And whoever may not read the customer's users gets nothing: not even its name
    for outsider in (billing, stranger, other_agent):
        body = await api.raw(BY_ID, {"id": group_id}, outsider.token)
        assert body == {"data": {"directoryGroup": None, "node": None}}

    # And the partner's own security group is still its agents' through node, and no one else's
    readers_id = str(encode_id("SecurityGroup", readers.id))
    own = await api.query(BY_ID, {"id": readers_id}, agent.token)
    assert own["directoryGroup"] is None
    assert own["node"] == {"__typename": "SecurityGroup", "id": readers_id}
    assert await api.query(BY_ID, {"id": readers_id}, admin.token) == {
        "directoryGroup": None,
        "node": None,
    }
