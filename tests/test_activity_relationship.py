"""`relationship.activity`: the relationship's history, the same for both sides' admins, for a
fixed number of SQL queries; nothing for anyone else."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.identity.actors import Actor
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.reference.catalog import AdminRole
from models.reference.enums import OrganizationKind, PartnerRole
from models.rules.access_groups import assign_role, create_group, unassign_role
from models.tables.organizations import Organization
from tests import factories as f
from tests.activity_entries import assert_relationship_entries_name_both_sides
from tests.graphql import GraphQLClient
from tests.statements import logged_statements

HISTORY = """
query($id: ID!, $first: Int, $after: String) {
  relationship(id: $id) {
    id
    activity(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        id action objectType changes actor { email } actingOrganization { name }
        onBehalfOf { name } customer { name } partner { name }
      } }
    }
  }
}
"""
# The history of one relationship:
#   1. the bearer token, with its user and organization
#   2. the relationship
#   3. the page of entries (through the (relationship_id, created_at) index)
#   4. users who acted (one loader batch)
#   5. organizations: acting, customer and partner, of every entry (one loader batch)
#   6. totalCount (one COUNT)
HISTORY_QUERIES = 6
MANY = 30


class World:
    partner: Organization
    agent: f.Person
    admin: f.Person
    relationship: UUID
    relationship_id: str
    op: Operation


async def _world() -> World:
    """Fabrikam's GDAP relationship with Contoso (five entries so far), and an operation
    as Fabrikam's admin agent."""
    world = World()
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    world.partner = fabrikam
    world.agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    world.admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    relationship = await f.granted(world.agent, world.admin, [AdminRole.USER_ADMINISTRATOR])
    world.relationship = relationship.id
    world.relationship_id = str(encode_id("Relationship", relationship.id))
    world.op = Operation(
        actor=Actor.of(world.agent.user, OrganizationKind.PARTNER), sealer=Sealer("t")
    )
    return world


async def _assign_and_unassign(world: World, times: int) -> None:
    """A group (an entry for the partner only), and `2 * times` more entries in the
    relationship, by the partner's admin agent."""
    group = await create_group(world.op, f"Group {times}")
    for _ in range(times):
        await assign_role(world.op, group.id, world.relationship, AdminRole.USER_ADMINISTRATOR)
        await unassign_role(world.op, group.id, world.relationship, AdminRole.USER_ADMINISTRATOR)


async def _history(api: GraphQLClient, who: f.Person, world: World, **more: Any) -> Any:
    data = await api.query(HISTORY, {"id": world.relationship_id, "first": 100, **more}, who.token)
    return data["relationship"]


async def test_both_sides_admins_read_the_same_history_and_no_one_else_any(
    api: GraphQLClient, db: Settings
) -> None:
    # Given the relationship, where the partner assigned a granted role to a group and took
    # it away again
    world = await _world()
    await _assign_and_unassign(world, 1)
    fabrikam_helpdesk = await f.person(world.partner, PartnerRole.HELPDESK_AGENT)
    outsiders = [
        await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT),
        await f.person(await f.customer("Tailspin"), AdminRole.GLOBAL_ADMINISTRATOR),
    ]

    # When each side's admin reads the relationship's history
    seen = [await _history(api, who, world) for who in (world.agent, world.admin)]

    # Then both read the same entries, newest first, all of them the relationship's
    partner_view, customer_view = seen
    assert [e["node"]["id"] for e in partner_view["activity"]["edges"]] == [
        e["node"]["id"] for e in customer_view["activity"]["edges"]
    ]
    actions = [e["node"]["action"] for e in reversed(customer_view["activity"]["edges"])]
    assert actions == [
        "invitation.accepted",
        "agreement.accepted",
        "relationship.created",
        "delegated_admin_relationship.activated",
        "roles.granted",
        "access.role_assigned",
        "access.role_unassigned",
    ]
    assert customer_view["activity"]["totalCount"] == 7
    latest = customer_view["activity"]["edges"][0]["node"]
    assert latest["actor"] == {"email": world.agent.email}
    assert latest["customer"] == {"name": "Contoso"}
    assert latest["partner"] == {"name": "Fabrikam"}
    # And it pages by cursor
    first = await _history(api, world.admin, world, first=4)
    assert first["activity"]["pageInfo"]["hasNextPage"] is True
    rest = await _history(api, world.admin, world, after=first["activity"]["pageInfo"]["endCursor"])
    assert [e["node"]["action"] for e in reversed(rest["activity"]["edges"])] == actions[:3]

    # And the partner's people who read no activity log see the relationship, not its history
    own_agent = await _history(api, fabrikam_helpdesk, world)
    assert own_agent["id"] == world.relationship_id
    assert own_agent["activity"]["totalCount"] == 0
    assert own_agent["activity"]["edges"] == []
    # And every entry of the relationship names both of its sides
    await assert_relationship_entries_name_both_sides()
    # And another organization sees neither
    for outsider in outsiders:
        assert await _history(api, outsider, world) is None


async def test_the_history_costs_the_same_for_few_or_many_entries(
    api: GraphQLClient, db: Settings
) -> None:
    # Given the relationship with its first five entries
    world = await _world()
    with logged_statements() as few_queries:
        few = await _history(api, world.admin, world)
    # When thirty more changes are recorded in it
    await _assign_and_unassign(world, MANY // 2)
    with logged_statements() as many_queries:
        many = await _history(api, world.admin, world)

    # Then the page of 35 costs what the page of 5 did
    assert few["activity"]["totalCount"] == 5
    assert many["activity"]["totalCount"] == 5 + MANY
    assert len(many["activity"]["edges"]) == 5 + MANY
    assert len(few_queries) == len(many_queries) == HISTORY_QUERIES, (few_queries, many_queries)
