"""Security groups and access assignments leave their activity entries: a group's own changes
for its partner, roles assigned to it or taken from it for both sides of the relationship,
and the system's when revocation or expiry drops an assignment; no one else sees them."""

from __future__ import annotations

from datetime import timedelta

from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.rules.lifecycle import sweep_grants
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.relationships import RoleGrant
from tests import factories as f
from tests.activity_entries import (
    assert_relationship_entries_name_both_sides,
    entries,
    mutate,
    text_of,
    who_and_whom,
)
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.servers import SmtpServer

GROUP = "{ securityGroup { id } errors { field code } }"
CREATE = (
    f"mutation($input: CreateSecurityGroupInput!) {{ createSecurityGroup(input: $input) {GROUP} }}"
)
RENAME = (
    f"mutation($input: RenameSecurityGroupInput!) {{ renameSecurityGroup(input: $input) {GROUP} }}"
)
DELETE = f"mutation($input: SecurityGroupIdInput!) {{ deleteSecurityGroup(input: $input) {GROUP} }}"
ADD = (
    "mutation($input: SecurityGroupMemberInput!) "
    f"{{ addSecurityGroupMember(input: $input) {GROUP} }}"
)
REMOVE = (
    "mutation($input: SecurityGroupMemberInput!) "
    f"{{ removeSecurityGroupMember(input: $input) {GROUP} }}"
)
ASSIGN = f"mutation($input: GroupRoleInput!) {{ assignRoleToGroup(input: $input) {GROUP} }}"
UNASSIGN = f"mutation($input: GroupRoleInput!) {{ removeRoleFromGroup(input: $input) {GROUP} }}"

HELPDESK, USERS = AdminRole.HELPDESK_ADMINISTRATOR, AdminRole.USER_ADMINISTRATOR


class World:
    agent: f.Person
    helpdesk: f.Person
    admin: f.Person
    outsiders: list[f.Person]
    relationship_id: str
    dar: str  # the delegated admin relationship's name, where the roles are assigned


async def _world() -> World:
    world = World()
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    world.agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    world.helpdesk = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT)
    world.admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    world.outsiders = [
        await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT),
        await f.person(await f.customer("Tailspin"), AdminRole.GLOBAL_ADMINISTRATOR),
    ]
    relationship = await f.granted(world.agent, world.admin, [HELPDESK, USERS])
    world.relationship_id = str(encode_id("Relationship", relationship.id))
    dar = await DelegatedAdminRelationship.get(relationship_id=relationship.id)
    world.dar = dar.display_name
    return world


async def test_each_change_to_a_group_and_its_roles_is_recorded_for_the_sides_it_concerns(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam's GDAP relationship with Contoso
    world = await _world()
    agent, member_id = world.agent, str(encode_id("User", world.helpdesk.user.id))

    def role(name: str) -> dict[str, str]:
        return {"groupId": group_id, "relationshipId": world.relationship_id, "role": name}

    # When Fabrikam's admin agent creates a group, renames it, adds an agent (twice), assigns
    # a role (twice), takes it away, removes the agent, assigns another role, deletes the group
    created = await mutate(api, CREATE, {"name": "Helpdesk"}, agent)
    group_id = created["securityGroup"]["id"]
    await mutate(api, RENAME, {"groupId": group_id, "name": "Tier 1"}, agent)
    for _ in range(2):
        await mutate(api, ADD, {"groupId": group_id, "userId": member_id}, agent)
    for _ in range(2):
        await mutate(api, ASSIGN, role(HELPDESK), agent)
    await mutate(api, UNASSIGN, role(HELPDESK), agent)
    await mutate(api, REMOVE, {"groupId": group_id, "userId": member_id}, agent)
    await mutate(api, ASSIGN, role(USERS), agent)
    await mutate(api, DELETE, {"groupId": group_id}, agent)

    # Then the partner sees every change that changed something, on the group (roles in
    # the delegated admin relationship that grants them)
    history = await entries(api, agent, objectId=group_id)
    in_dar = {"delegatedAdminRelationship": world.dar}
    assert [(e["action"], e["changes"]) for e in history] == [
        ("security_group.created", {"group": "Helpdesk"}),
        ("security_group.renamed", {"group": "Tier 1", "previousName": "Helpdesk"}),
        ("security_group.member_added", {"group": "Tier 1", "member": world.helpdesk.email}),
        ("access.role_assigned", {"group": "Tier 1", "roles": [HELPDESK], **in_dar}),
        ("access.role_unassigned", {"group": "Tier 1", "roles": [HELPDESK], **in_dar}),
        ("security_group.member_removed", {"group": "Tier 1", "member": world.helpdesk.email}),
        ("access.role_assigned", {"group": "Tier 1", "roles": [USERS], **in_dar}),
        ("security_group.deleted", {"group": "Tier 1"}),
        (
            "access.role_unassigned",
            {"group": "Tier 1", "roles": [USERS], "reason": "The group was deleted"},
        ),
    ]
    assert {who_and_whom(e)["actor"] for e in history} == {agent.email}
    # And the customer sees the roles opened to the group and closed again, in the
    # relationship, not the group's own changes
    customer_view = await entries(api, world.admin, objectId=group_id)
    assert [e["action"] for e in customer_view] == [
        "access.role_assigned",
        "access.role_unassigned",
        "access.role_assigned",
        "access.role_unassigned",
    ]
    for entry in customer_view:
        assert entry["relationshipId"] == world.relationship_id
        assert who_and_whom(entry) == {
            "actor": agent.email,
            "actingOrganization": "Fabrikam",
            "onBehalfOf": None,
            "customer": "Contoso",
            "partner": "Fabrikam",
        }
    # And a group's own changes concern its partner only
    assert {who_and_whom(e)["customer"] for e in history if e["action"].startswith("security")} == {
        None
    }
    # And every entry of the relationship names both of its sides
    await assert_relationship_entries_name_both_sides()
    # And another organization sees none of it
    for outsider in world.outsiders:
        assert await entries(api, outsider, objectId=group_id) == []
        assert group_id not in text_of(await entries(api, outsider))


async def test_removal_and_expiry_drop_assignments_for_both_sides(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a group holding both granted roles for the relationship
    world = await _world()
    relationship = await RoleGrant.filter(role=HELPDESK).values_list("relationship_id", flat=True)
    group = await f.group(world.agent, "Tier 1", world.helpdesk)
    for role in (HELPDESK, USERS):
        await mutate(
            api,
            ASSIGN,
            {
                "groupId": str(encode_id("SecurityGroup", group.id)),
                "relationshipId": world.relationship_id,
                "role": role,
            },
            world.agent,
        )
    group_id = str(encode_id("SecurityGroup", group.id))

    # When the customer removes the helpdesk role and the revocation job runs
    response = await api.http.post(
        "/graphql",
        json={
            "query": f.REMOVE_ROLES,
            "variables": {"input": {"relationshipId": world.relationship_id, "roles": [HELPDESK]}},
        },
        headers={"Authorization": f"Bearer {world.admin.token}", "X-Request-ID": "req-remove"},
    )
    assert response.json()["data"]["removeRoles"]["errors"] == []
    await run_jobs(db)
    # And the other role's grant reaches its end date and the sweep runs
    past = utcnow() - timedelta(minutes=1)
    await RoleGrant.filter(role=USERS, relationship_id__in=relationship).update(
        expires_at=past, next_notice_at=past
    )
    assert (await sweep_grants(Operation(actor=None, sealer=Sealer("t")))).expired == 1

    # Then both sides see each role leave the group, and why: the removal in the customer's
    # own request (the assignment goes with it at once), the expiry as the system's change
    for insider in (world.agent, world.admin):
        dropped = [
            e
            for e in await entries(api, insider, objectId=group_id)
            if e["action"] == "access.role_unassigned"
        ]
        assert [e["changes"] for e in dropped] == [
            {
                "group": "Tier 1",
                "roles": [HELPDESK],
                "reason": "Removed by the customer",
                "delegatedAdminRelationship": world.dar,
            },
            {
                "group": "Tier 1",
                "roles": [USERS],
                "reason": "The customer's grant expired",
                "delegatedAdminRelationship": world.dar,
            },
        ]
        for entry in dropped:
            assert entry["relationshipId"] == world.relationship_id
        removal, expiry = (who_and_whom(entry) for entry in dropped)
        assert removal == {
            "actor": world.admin.email,
            "actingOrganization": "Contoso",
            "onBehalfOf": None,
            "customer": "Contoso",
            "partner": "Fabrikam",
        }
        assert expiry == {
            "actor": None,
            "actingOrganization": None,
            "onBehalfOf": None,
            "customer": "Contoso",
            "partner": "Fabrikam",
        }
        # the removal's entry traces back to the customer's request; the sweep has none
        assert [e["requestId"] for e in dropped] == ["req-remove", None]
    # And every entry of the relationship names both of its sides
    await assert_relationship_entries_name_both_sides()
    # And another organization sees none of it
    for outsider in world.outsiders:
        assert group_id not in text_of(await entries(api, outsider))
