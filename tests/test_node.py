"""Relay's object identification: `node(id:)` answers what each type's by-id query answers."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from graphql import GraphQLObjectType, get_named_type
from strawberry.types.base import get_object_definition

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.enums import PartnerRole
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.directory import PartnerProfile
from models.tables.organizations import Organization
from schema import build_schema
from schema.node import NODE_QUERIES
from tests import factories as f
from tests.graphql import GraphQLClient


@dataclass(frozen=True)
class Door:
    """One registered type: its by-id query, what to select of it, and an object of it."""

    type_name: str
    query: str
    selection: str
    id: str


@dataclass(frozen=True)
class World:
    """Fabrikam (a partner) and Contoso (its customer), one object of each Node type
    between them, who may see each, and two outsiders."""

    doors: list[Door]
    viewer_of: dict[str, f.Person]
    role_grant_id: str
    customer_admin: f.Person
    other_partner: f.Person
    other_customer: f.Person


CREATE_ENDPOINT = """
mutation($url: String!) {
  createWebhookEndpoint(input: {url: $url, eventTypes: ["invitation.sent"]}) {
    webhookEndpoint { id } errors { code }
  }
}
"""


async def given_one_of_each(api: GraphQLClient) -> World:
    fabrikam, agent = await f.listed_partner("Fabrikam")
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR")
    relationship = await f.granted(agent, admin, ["USER_ADMINISTRATOR"])
    data = await api.query(
        "{ invitations(first: 1) { edges { node { id } } } "
        "relationships(first: 1) { edges { node { roleGrants { id } } } } }",
        token=agent.token,
    )
    [invitation] = data["invitations"]["edges"]
    [grant] = data["relationships"]["edges"][0]["node"]["roleGrants"]
    assert (await f.contact(api, fabrikam))["errors"] == []
    [lead] = (await api.query("{ leads { edges { node { id } } } }", token=agent.token))["leads"][
        "edges"
    ]
    group = await f.group(agent, "Helpdesk tier 1")
    dar = await DelegatedAdminRelationship.get(relationship_id=relationship.id)
    endpoint = await api.query(CREATE_ENDPOINT, {"url": "https://8.8.8.8/hooks"}, agent.token)
    # An unpublished profile: only Fabrikam's own agents see it.
    await PartnerProfile.filter(organization_id=fabrikam.id).update(published=False)

    doors = [
        Door(
            "Relationship", "relationship", "id status", encode_id("Relationship", relationship.id)
        ),
        Door(
            "DelegatedAdminRelationship",
            "delegatedAdminRelationship",
            "id displayName status roles",
            encode_id("DelegatedAdminRelationship", dar.id),
        ),
        Door("Invitation", "invitation", "id status customerEmail", invitation["node"]["id"]),
        Door("Lead", "lead", "id status contactName", lead["node"]["id"]),
        Door("SecurityGroup", "securityGroup", "id name", encode_id("SecurityGroup", group.id)),
        Door(
            "WebhookEndpoint",
            "webhookEndpoint",
            "id url",
            endpoint["createWebhookEndpoint"]["webhookEndpoint"]["id"],
        ),
        Door("Partner", "partner", "id name", f.partner_id(fabrikam)),
        Door("Customer", "customer", "id name onBehalf", encode_id("Organization", contoso.id)),
    ]
    other_partner = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    other_customer = await f.person(await f.customer("Litware"), "GLOBAL_ADMINISTRATOR")
    return World(
        doors=doors,
        viewer_of={door.type_name: agent for door in doors} | {"Customer": admin},
        customer_admin=admin,
        role_grant_id=grant["id"],
        other_partner=other_partner,
        other_customer=other_customer,
    )


async def _ask(api: GraphQLClient, query: str, id_: str, token: str | None) -> Any:
    """The one field a query answers, or the codes of its errors."""
    body = await api.raw(query, {"id": id_}, token)
    if body.get("errors"):
        return sorted(error["extensions"]["code"] for error in body["errors"])
    [answer] = (body["data"] or {}).values()
    return answer


async def by_id_and_node(api: GraphQLClient, door: Door, token: str | None) -> tuple[Any, Any]:
    """What the type's by-id query answers the holder of `token`, and what `node(id:)`
    answers them, in the by-id query's shape (without `__typename`) when they match."""
    by_id = await _ask(
        api, f"query($id: ID!) {{ {door.query}(id: $id) {{ {door.selection} }} }}", door.id, token
    )
    node = await _ask(
        api,
        f"query($id: ID!) {{ node(id: $id) {{ __typename ... on {door.type_name} "
        f"{{ {door.selection} }} }} }}",
        door.id,
        token,
    )
    if isinstance(node, dict):
        assert node.pop("__typename") == door.type_name
    return by_id, node


async def test_node_answers_each_type_as_its_own_by_id_query_does(
    api: GraphQLClient, db: Settings
) -> None:
    # Given one object of each Node type, and a viewer who may see it
    world = await given_one_of_each(api)

    for door in world.doors:
        # When that viewer asks for it by its by-id query and by node(id:)
        by_id, node = await by_id_and_node(api, door, world.viewer_of[door.type_name].token)

        # Then both answer the same object
        assert (by_id or {}).get("id") == door.id, door
        assert node == by_id, door


async def test_both_sides_reach_a_delegated_admin_relationship_by_node(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam's delegated admin relationship with Contoso
    world = await given_one_of_each(api)
    (door,) = [d for d in world.doors if d.type_name == "DelegatedAdminRelationship"]

    # When Contoso's admin and Fabrikam's agent ask for it by node(id:)
    answers = [
        await by_id_and_node(api, door, who.token)
        for who in (world.customer_admin, world.viewer_of[door.type_name])
    ]

    # Then each gets it, as the by-id query shows it, with its roles
    for by_id, node in answers:
        assert (
            node
            == by_id
            == {
                "id": door.id,
                "displayName": by_id["displayName"],
                "status": "ACTIVE",
                "roles": ["USER_ADMINISTRATOR"],
            }
        )


def test_every_type_with_a_by_id_query_is_a_node() -> None:
    # Given the schema's queries that read one object by its `id`
    schema = build_schema(production=False)._schema
    assert schema.query_type is not None
    by_id = {
        name: get_named_type(field.type).name
        for name, field in schema.query_type.fields.items()
        if list(field.args) == ["id"] and name != "node"
    }

    # When the registry of node(id:) and the Node interface's types are read
    node_interface = schema.type_map["Node"]
    implementing = {
        name
        for name, type_ in schema.type_map.items()
        if isinstance(type_, GraphQLObjectType) and node_interface in type_.interfaces
    }
    registered = {
        get_object_definition(query.node_type, strict=True).name
        for queries in NODE_QUERIES.values()
        for query in queries
    }

    # Then each by-id query is a door of node(id:), and each Node has one
    assert set(by_id.values()) == registered == implementing


async def test_other_organizations_get_from_node_what_the_by_id_query_gives_them(
    api: GraphQLClient, db: Settings
) -> None:
    # Given one object of each Node type between Fabrikam and Contoso
    world = await given_one_of_each(api)

    # When another partner's admin agent and another customer's admin ask for each
    answers = {
        (door.type_name, who): await by_id_and_node(api, door, person.token)
        for door in world.doors
        for who, person in (
            ("another partner", world.other_partner),
            ("another customer", world.other_customer),
        )
    }

    # Then node(id:) shows them nothing, as the by-id queries do
    assert answers == dict.fromkeys(answers, (None, None))


async def test_a_visitor_gets_from_node_what_the_by_id_query_gives_a_visitor(
    api: GraphQLClient, db: Settings
) -> None:
    # Given one object of each Node type, Fabrikam's profile published again
    world = await given_one_of_each(api)
    await PartnerProfile.all().update(published=True)

    # When a visitor, without a token, asks for each
    answers = {door.type_name: await by_id_and_node(api, door, None) for door in world.doors}

    # Then the public profile answers both ways, and the rest ask both ways for a sign-in
    partner = answers.pop("Partner")
    assert partner[0] == partner[1] == {"id": f.partner_id(await _fabrikam()), "name": "Fabrikam"}
    assert answers == dict.fromkeys(answers, (["UNAUTHENTICATED"], ["UNAUTHENTICATED"]))


async def _fabrikam() -> Organization:
    return await Organization.get(name="Fabrikam")


async def test_an_unknown_or_malformed_id_gets_null(api: GraphQLClient, db: Settings) -> None:
    # Given a viewer who sees Fabrikam's objects, and IDs that name none of them
    world = await given_one_of_each(api)
    agent = world.viewer_of["Relationship"]
    ids = {
        "no such relationship": encode_id("Relationship", uuid4()),
        "a role grant, which is no Node": world.role_grant_id,
        "not base64": "not-an-id!",
        "empty": "",
        "no UUID inside": base64.urlsafe_b64encode(b"Relationship:42").decode(),
        "no type inside": base64.urlsafe_b64encode(str(uuid4()).encode()).decode(),
    }

    # When they ask node(id:) for each
    answers = {
        what: await _ask(api, "query($id: ID!) { node(id: $id) { id } }", id_, agent.token)
        for what, id_ in ids.items()
    }

    # Then each is null, with no error
    assert answers == dict.fromkeys(ids)
