"""Access assignments: a partner's admin agent puts its agents in security groups and assigns
them roles that customers granted; an agent holds the roles of its groups that an active
grant still gives, and loses them when the grant is revoked or expires."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole, RelationshipType, RoleGrantStatus
from models.rules.lifecycle import sweep_grants
from models.tables.access import AccessAssignment, SecurityGroup
from models.tables.relationships import Relationship, RoleGrant
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)

GROUP_FIELDS = "securityGroup { id name members { email } assignments { role customer { name } } }"
CREATE = f"""mutation($input: CreateSecurityGroupInput!) {{
  createSecurityGroup(input: $input) {{ {GROUP_FIELDS} errors {{ field code }} }} }}"""
RENAME = f"""mutation($input: RenameSecurityGroupInput!) {{
  renameSecurityGroup(input: $input) {{ {GROUP_FIELDS} errors {{ field code }} }} }}"""
DELETE = f"""mutation($input: SecurityGroupIdInput!) {{
  deleteSecurityGroup(input: $input) {{ {GROUP_FIELDS} errors {{ field code }} }} }}"""
ADD = f"""mutation($input: SecurityGroupMemberInput!) {{
  addSecurityGroupMember(input: $input) {{ {GROUP_FIELDS} errors {{ field code }} }} }}"""
REMOVE = f"""mutation($input: SecurityGroupMemberInput!) {{
  removeSecurityGroupMember(input: $input) {{ {GROUP_FIELDS} errors {{ field code }} }} }}"""
ASSIGN = f"""mutation($input: GroupRoleInput!) {{
  assignRoleToGroup(input: $input) {{ {GROUP_FIELDS} errors {{ field code }} }} }}"""
UNASSIGN = f"""mutation($input: GroupRoleInput!) {{
  removeRoleFromGroup(input: $input) {{ {GROUP_FIELDS} errors {{ field code }} }} }}"""
GROUPS = "query { securityGroups(first: 100) { totalCount edges { node { id name } } } }"
ROLES = "query($id: ID!) { customer(id: $id) { roles capabilities } }"


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


def _gid(kind: str, row: Any) -> str:
    return str(encode_id(kind, row.id))


def _result(data: dict[str, Any]) -> dict[str, Any]:
    [payload] = data.values()
    result: dict[str, Any] = payload
    return result


async def _roles(api: GraphQLClient, who: f.Person, customer: Any) -> list[str]:
    data = await api.query(ROLES, {"id": _gid("Organization", customer)}, who.token)
    roles: list[str] = data["customer"]["roles"]
    return roles


class Scene:
    """Fabrikam (an admin agent, two helpdesk agents) and Contoso, which granted it roles."""

    partner: Any
    customer: Any
    admin_agent: f.Person
    agent: f.Person
    other_agent: f.Person
    global_admin: f.Person
    relationship: Relationship


async def _scene(roles: list[str], duration_days: int = 90) -> Scene:
    scene = Scene()
    scene.partner, scene.customer = await f.partner("Fabrikam"), await f.customer("Contoso")
    scene.admin_agent = await f.person(scene.partner, PartnerRole.ADMIN_AGENT)
    scene.agent = await f.person(scene.partner, PartnerRole.HELPDESK_AGENT)
    scene.other_agent = await f.person(scene.partner, PartnerRole.HELPDESK_AGENT)
    scene.global_admin = await f.person(scene.customer, AdminRole.GLOBAL_ADMINISTRATOR)
    scene.relationship = await f.granted(
        scene.admin_agent, scene.global_admin, roles, duration_days=duration_days
    )
    return scene


async def test_the_admin_agent_manages_groups_and_members_with_clear_refusals(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam's people, and people of other organizations
    scene = await _scene(["HELPDESK_ADMINISTRATOR"])
    sales = await f.person(scene.partner, PartnerRole.SALES_AGENT)
    stranger = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    admin = scene.admin_agent

    # When the admin agent creates a group, and adds an agent to it twice
    created = _result(await api.query(CREATE, {"input": {"name": " Helpdesk "}}, admin.token))
    group_id = created["securityGroup"]["id"]
    member = {"groupId": group_id, "userId": _gid("User", scene.agent.user)}
    _result(await api.query(ADD, {"input": member}, admin.token))
    added = _result(await api.query(ADD, {"input": member}, admin.token))

    # Then the group holds the agent once, under the trimmed name
    assert added == {
        "securityGroup": {
            "id": group_id,
            "name": "Helpdesk",
            "members": [{"email": scene.agent.email}],
            "assignments": [],
        },
        "errors": [],
    }

    # And bad names, taken names, and people outside Fabrikam are refused by field
    refusals = {
        "empty name": (CREATE, {"name": "  "}),
        "long name": (CREATE, {"name": "x" * 101}),
        "taken name": (CREATE, {"name": "Helpdesk"}),
        "rename to nothing": (RENAME, {"groupId": group_id, "name": ""}),
        "another partner's agent": (ADD, member | {"userId": _gid("User", stranger.user)}),
        "a customer's admin": (ADD, member | {"userId": _gid("User", scene.global_admin.user)}),
    }
    got = {
        name: _result(await api.query(doc, {"input": value}, admin.token))["errors"]
        for name, (doc, value) in refusals.items()
    }
    assert got == {
        "empty name": [{"field": ["input", "name"], "code": "INVALID_INPUT"}],
        "long name": [{"field": ["input", "name"], "code": "INVALID_INPUT"}],
        "taken name": [{"field": ["input", "name"], "code": "NAME_TAKEN"}],
        "rename to nothing": [{"field": ["input", "name"], "code": "INVALID_INPUT"}],
        "another partner's agent": [{"field": ["input", "userId"], "code": "NOT_FOUND"}],
        "a customer's admin": [{"field": ["input", "userId"], "code": "NOT_FOUND"}],
    }
    # (another partner may use the same name)
    other = _result(await api.query(CREATE, {"input": {"name": "Helpdesk"}}, stranger.token))
    assert other["errors"] == []

    # And only Fabrikam's admin agents may manage groups
    for who in (sales, scene.agent, scene.global_admin):
        assert await api.error_code(CREATE, {"input": {"name": "G"}}, who.token) == "FORBIDDEN"
        assert await api.error_code(ADD, {"input": member}, who.token) == "FORBIDDEN"
    # And another partner's admin agent does not find Fabrikam's group
    for doc, value in ((RENAME, {"groupId": group_id, "name": "Mine"}), (ADD, member)):
        refused = _result(await api.query(doc, {"input": value}, stranger.token))
        assert refused["errors"] == [{"field": ["input", "groupId"], "code": "NOT_FOUND"}]
    assert await api.error_code(DELETE, {"input": {"groupId": group_id}}, sales.token) == (
        "FORBIDDEN"
    )

    # When the admin agent renames the group, removes the agent, then deletes the group
    renamed = _result(
        await api.query(RENAME, {"input": {"groupId": group_id, "name": "Tier 1"}}, admin.token)
    )
    assert renamed["securityGroup"]["name"] == "Tier 1"
    removed = _result(await api.query(REMOVE, {"input": member}, admin.token))
    assert removed["securityGroup"]["members"] == []
    deleted = _result(await api.query(DELETE, {"input": {"groupId": group_id}}, admin.token))
    assert deleted["errors"] == []

    # Then Fabrikam has no group left, and Northwind still has its own
    assert (await api.query(GROUPS, token=admin.token))["securityGroups"]["totalCount"] == 0
    assert await SecurityGroup.all().count() == 1


async def test_only_roles_the_relationship_holds_as_active_grants_can_be_assigned(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso granted Fabrikam USER_ADMINISTRATOR and HELPDESK_ADMINISTRATOR
    scene = await _scene(["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"])
    group = await f.group(scene.admin_agent, "Tier 1", scene.agent)
    # And Northwind has a relationship with Tailspin
    northwind_agent = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    tailspin_admin = await f.person(await f.customer("Tailspin"), "GLOBAL_ADMINISTRATOR")
    foreign = await f.granted(northwind_agent, tailspin_admin, ["USER_ADMINISTRATOR"])
    base = {
        "groupId": _gid("SecurityGroup", group),
        "relationshipId": _gid("Relationship", scene.relationship),
    }

    async def assign(**changes: str) -> list[dict[str, Any]]:
        data = await api.query(ASSIGN, {"input": base | changes}, scene.admin_agent.token)
        errors: list[dict[str, Any]] = _result(data)["errors"]
        return errors

    # When the admin agent assigns a role that was not granted, or another partner's relationship
    # Then each is refused, naming the field
    # (no delegated admin relationship grants it: the field to name one is at fault)
    assert await assign(role="GLOBAL_ADMINISTRATOR") == [
        {"field": ["input", "delegatedAdminRelationshipId"], "code": "ROLE_NOT_GRANTED"}
    ]
    assert await assign(
        role="USER_ADMINISTRATOR", relationshipId=_gid("Relationship", foreign)
    ) == [{"field": ["input", "relationshipId"], "code": "NOT_FOUND"}]

    # When it assigns a granted role (twice)
    assert await assign(role="USER_ADMINISTRATOR") == []
    assert await assign(role="USER_ADMINISTRATOR") == []
    # Then the agent holds it for Contoso, and the agent outside the group does not
    assert await _roles(api, scene.agent, scene.customer) == ["USER_ADMINISTRATOR"]
    assert await _roles(api, scene.other_agent, scene.customer) == []

    # When Contoso removes HELPDESK_ADMINISTRATOR, that role can no longer be assigned
    await api.query(
        f.REMOVE_ROLES,
        {
            "input": {
                "relationshipId": _gid("Relationship", scene.relationship),
                "roles": ["HELPDESK_ADMINISTRATOR"],
            }
        },
        scene.global_admin.token,
    )
    assert await assign(role="HELPDESK_ADMINISTRATOR") == [
        {"field": ["input", "delegatedAdminRelationshipId"], "code": "ROLE_NOT_GRANTED"}
    ]

    # When the partner ends the relationship, nothing can be assigned in it any more
    ended = await api.query(
        f.END,
        {"input": {"relationshipId": _gid("Relationship", scene.relationship)}},
        scene.admin_agent.token,
    )
    assert ended["endRelationship"]["errors"] == []
    assert await assign(role="USER_ADMINISTRATOR") == [
        {"field": ["input", "relationshipId"], "code": "RELATIONSHIP_ENDED"}
    ]
    # And the agent holds nothing for Contoso: it is no longer Fabrikam's customer
    data = await api.query(ROLES, {"id": _gid("Organization", scene.customer)}, scene.agent.token)
    assert data["customer"] is None
    # And once the revocation job ran, the assignments are gone
    await run_jobs(db)
    assert await AccessAssignment.all().count() == 0


async def test_effective_roles_are_the_groups_roles_intersected_with_active_grants(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an agent in two groups: one holding USER_ADMINISTRATOR, one HELPDESK_ADMINISTRATOR
    scene = await _scene(["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR", "GLOBAL_READER"])
    users = await f.group(scene.admin_agent, "Users", scene.agent)
    helpdesk = await f.group(scene.admin_agent, "Helpdesk", scene.agent, scene.other_agent)
    await f.assign(users, scene.relationship, "USER_ADMINISTRATOR")
    await f.assign(helpdesk, scene.relationship, "HELPDESK_ADMINISTRATOR")

    # Then the agent holds both, the other agent only the helpdesk role, and no one the
    # granted GLOBAL_READER that no group was assigned
    assert await _roles(api, scene.agent, scene.customer) == [
        "HELPDESK_ADMINISTRATOR",
        "USER_ADMINISTRATOR",
    ]
    assert await _roles(api, scene.other_agent, scene.customer) == ["HELPDESK_ADMINISTRATOR"]
    assert await _roles(api, scene.admin_agent, scene.customer) == []

    # When Contoso removes USER_ADMINISTRATOR: gone at once, before the job runs
    await api.query(
        f.REMOVE_ROLES,
        {
            "input": {
                "relationshipId": _gid("Relationship", scene.relationship),
                "roles": ["USER_ADMINISTRATOR"],
            }
        },
        scene.global_admin.token,
    )
    assert await _roles(api, scene.agent, scene.customer) == ["HELPDESK_ADMINISTRATOR"]
    # And after it ran, only that assignment is gone
    await run_jobs(db)
    assert [a.role for a in await AccessAssignment.all()] == ["HELPDESK_ADMINISTRATOR"]

    # When the agent leaves the helpdesk group, it holds nothing
    member = {"groupId": _gid("SecurityGroup", helpdesk), "userId": _gid("User", scene.agent.user)}
    await api.query(REMOVE, {"input": member}, scene.admin_agent.token)
    assert await _roles(api, scene.agent, scene.customer) == []
    # And when the group is deleted, the other agent holds nothing either
    await api.query(
        DELETE, {"input": {"groupId": _gid("SecurityGroup", helpdesk)}}, scene.admin_agent.token
    )
    assert await _roles(api, scene.other_agent, scene.customer) == []
    assert await AccessAssignment.all().count() == 0


async def test_an_expired_grant_gives_nothing_and_the_sweep_removes_its_assignments(
    api: GraphQLClient, db: Settings, clock: time_machine.Traveller
) -> None:
    # Given Contoso's ADVISOR grant of HELPDESK_ADMINISTRATOR (no end date), and a 30-day GDAP
    # grant of HELPDESK_ADMINISTRATOR and USER_ADMINISTRATOR, both assigned to a group in the
    # delegated admin relationship, and the helpdesk role through the Advisor's grant too
    scene = await _scene(["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"], duration_days=30)
    await f.granted(scene.admin_agent, scene.global_admin, [], type_=RelationshipType.ADVISOR)
    group = await f.group(scene.admin_agent, "Tier 1", scene.agent)
    await f.assign(group, scene.relationship, "USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR")
    await AccessAssignment.create(
        group=group, relationship=scene.relationship, role="HELPDESK_ADMINISTRATOR"
    )
    assert await _roles(api, scene.agent, scene.customer) == [
        "HELPDESK_ADMINISTRATOR",
        "USER_ADMINISTRATOR",
    ]

    # When the GDAP grants pass their end date, before any sweep ran
    clock.move_to(START + timedelta(days=30, minutes=1))

    # Then USER_ADMINISTRATOR gives nothing already; the ADVISOR grant keeps the helpdesk role
    assert await _roles(api, scene.agent, scene.customer) == ["HELPDESK_ADMINISTRATOR"]
    # And the role can no longer be assigned
    data = await api.query(
        ASSIGN,
        {
            "input": {
                "groupId": _gid("SecurityGroup", await f.group(scene.admin_agent, "New")),
                "relationshipId": _gid("Relationship", scene.relationship),
                "role": "USER_ADMINISTRATOR",
            }
        },
        scene.admin_agent.token,
    )
    assert _result(data)["errors"] == [
        {"field": ["input", "delegatedAdminRelationshipId"], "code": "ROLE_NOT_GRANTED"}
    ]

    # When the lifecycle sweep runs (twice: a repeat finds nothing)
    for _ in range(2):
        await sweep_grants(Operation(actor=None, sealer=Sealer("test")))

    # Then the GDAP grants are EXPIRED, and the delegated admin relationship's assignments
    # went with it; the one through the Advisor's grant stays
    gdap = await RoleGrant.filter(type=RelationshipType.GDAP_PARTNER)
    assert {g.status for g in gdap} == {RoleGrantStatus.EXPIRED}
    kept = await AccessAssignment.all()
    assert [(a.role, a.delegated_admin_relationship_id) for a in kept] == [
        ("HELPDESK_ADMINISTRATOR", None)
    ]
    assert await _roles(api, scene.agent, scene.customer) == ["HELPDESK_ADMINISTRATOR"]
