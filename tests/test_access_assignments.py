"""Access assignments belong to each delegated admin relationship, as the anchor's do: made
in the one named (or the newest in force that grants the role), listed under it, ended with
it and only with it, and trimmed by the roles removed from it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.policy.customer_access import effective_roles
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.rules.lifecycle import sweep_grants
from models.tables.access import AccessAssignment
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.relationships import Relationship, RoleGrant
from tests import factories as f
from tests.flows import accepted
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.servers import SmtpServer

LICENSE = AdminRole.LICENSE_ADMINISTRATOR
USERS = AdminRole.USER_ADMINISTRATOR
HELPDESK = AdminRole.HELPDESK_ADMINISTRATOR

ASSIGN = """
mutation($input: GroupRoleInput!) { assignRoleToGroup(input: $input) {
  securityGroup { assignments { role delegatedAdminRelationship { displayName } } }
  errors { field code }
} }
"""
UNASSIGN = """
mutation($input: GroupRoleInput!) { removeRoleFromGroup(input: $input) { errors { field code } } }
"""
DARS = """
query($id: ID!) { relationship(id: $id) { delegatedAdminRelationships {
  id displayName status
  accessAssignments {
    role securityGroupName customer { name } delegatedAdminRelationship { id displayName }
  }
} } }
"""
REMOVE = """
mutation($input: RemoveRolesInput!) { removeRoles(input: $input) { errors { field code } } }
"""
END_DAR = """
mutation($input: IdInput!) { endDelegatedAdminRelationship(input: $input) { errors { code } } }
"""


class Scene:
    """Fabrikam's admin and helpdesk agents (the latter in "Tier 1"), and Contoso, which
    accepted two GDAP invitations sharing License Administrator: "Licensing" (License and
    User Administrator, 30 days), then "Support" (License and Helpdesk Administrator, a year).
    """

    async def create(self, api: GraphQLClient, db: Settings, smtp: SmtpServer) -> Scene:
        partner = await f.partner("Fabrikam")
        self.agent = await f.person(partner, PartnerRole.ADMIN_AGENT)
        self.helpdesk = await f.person(
            partner, PartnerRole.HELPDESK_AGENT, email="help@fabrikam.example.com"
        )
        self.admin = await f.person(await f.customer("Contoso"), "GLOBAL_ADMINISTRATOR")
        for name, roles, days in (
            ("Licensing", [LICENSE, USERS], 30),
            ("Support", [LICENSE, HELPDESK], 365),
        ):
            found = await accepted(
                api,
                db,
                smtp,
                self.agent,
                self.admin,
                roles=roles,
                durationDays=days,
                displayName=name,
            )
        self.relationship_id: str = found["id"]
        self.relationship = await Relationship.get(customer_id=self.admin.user.organization_id)
        self.dar = {
            d.display_name: str(encode_id("DelegatedAdminRelationship", d.id))
            for d in await DelegatedAdminRelationship.all()
        }
        self.group = await f.group(self.agent, "Tier 1", self.helpdesk)
        self.group_id = str(encode_id("SecurityGroup", self.group.id))
        return self

    async def assign(
        self, api: GraphQLClient, role: str, dar: str | None = None, **more: str
    ) -> dict[str, Any]:
        given = {"groupId": self.group_id, "relationshipId": self.relationship_id, "role": role}
        if dar is not None:
            given["delegatedAdminRelationshipId"] = self.dar.get(dar, dar)
        data = await api.query(ASSIGN, {"input": given | more}, self.agent.token)
        payload: dict[str, Any] = data["assignRoleToGroup"]
        return payload

    async def listed(
        self, api: GraphQLClient, viewer: f.Person
    ) -> dict[str, list[tuple[str, ...]]]:
        """Each delegated admin relationship's assignments, as (role, group, its own name)."""
        data = await api.query(DARS, {"id": self.relationship_id}, viewer.token)
        return {
            d["displayName"]: sorted(
                (a["role"], a["securityGroupName"], a["delegatedAdminRelationship"]["displayName"])
                for a in d["accessAssignments"]
            )
            for d in data["relationship"]["delegatedAdminRelationships"]
        }

    async def held(self) -> set[str]:
        return set(await effective_roles(self.helpdesk.user.id, self.relationship.id, utcnow()))

    async def rows(self) -> set[tuple[str, str]]:
        names = {d.id: d.display_name for d in await DelegatedAdminRelationship.all()}
        return {
            (a.role, names[a.delegated_admin_relationship_id])
            for a in await AccessAssignment.all()
            if a.delegated_admin_relationship_id is not None
        }


async def test_an_assignment_is_made_in_the_delegated_admin_relationship_that_grants_its_role(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given two delegated admin relationships sharing License Administrator
    scene = await Scene().create(api, db, smtp_server)
    stranger = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    tailspin = await f.person(await f.customer("Tailspin"), "GLOBAL_ADMINISTRATOR")
    foreign = await accepted(api, db, smtp_server, stranger, tailspin, roles=[LICENSE])
    (foreign_dar,) = await DelegatedAdminRelationship.filter(partner__name="Northwind")

    # When the admin agent assigns License Administrator naming none: the newest that grants
    # it ("Support"); naming "Licensing": there; User Administrator naming none: "Licensing"
    assert (await scene.assign(api, LICENSE))["errors"] == []
    assert (await scene.assign(api, LICENSE, "Licensing"))["errors"] == []
    done = await scene.assign(api, USERS)
    assert done["errors"] == []
    assert sorted(
        (a["role"], a["delegatedAdminRelationship"]["displayName"])
        for a in done["securityGroup"]["assignments"]
    ) == [(LICENSE, "Licensing"), (LICENSE, "Support"), (USERS, "Licensing")]
    # (assigning again changes nothing)
    assert (await scene.assign(api, USERS, "Licensing"))["errors"] == []
    assert await AccessAssignment.all().count() == 3

    # And what no delegated admin relationship grants, or another's, is refused by field
    refusals = {
        "a role the one named does not grant": await scene.assign(api, HELPDESK, "Licensing"),
        "a role none grants": await scene.assign(api, AdminRole.GLOBAL_READER),
        "another partner's": await scene.assign(
            api, LICENSE, str(encode_id("DelegatedAdminRelationship", foreign_dar.id))
        ),
        "another partner's, with its relationship": await scene.assign(
            api,
            LICENSE,
            str(encode_id("DelegatedAdminRelationship", foreign_dar.id)),
            relationshipId=foreign["id"],
        ),
    }
    assert {name: payload["errors"] for name, payload in refusals.items()} == {
        "a role the one named does not grant": [
            {"field": ["input", "role"], "code": "ROLE_NOT_GRANTED"}
        ],
        "a role none grants": [
            {"field": ["input", "delegatedAdminRelationshipId"], "code": "ROLE_NOT_GRANTED"}
        ],
        "another partner's": [
            {"field": ["input", "delegatedAdminRelationshipId"], "code": "NOT_FOUND"}
        ],
        "another partner's, with its relationship": [
            {"field": ["input", "relationshipId"], "code": "NOT_FOUND"}
        ],
    }
    assert await AccessAssignment.all().count() == 3

    # Then each delegated admin relationship lists its own, for both sides
    expected = {
        "Licensing": [(LICENSE, "Tier 1", "Licensing"), (USERS, "Tier 1", "Licensing")],
        "Support": [(LICENSE, "Tier 1", "Support")],
    }
    assert await scene.listed(api, scene.agent) == expected
    assert await scene.listed(api, scene.admin) == expected
    # And the agent holds the roles of both
    assert await scene.held() == {LICENSE, USERS}

    # When the admin agent takes License Administrator from the group in "Support" only
    data = await api.query(
        UNASSIGN,
        {
            "input": {
                "groupId": scene.group_id,
                "relationshipId": scene.relationship_id,
                "role": LICENSE,
                "delegatedAdminRelationshipId": scene.dar["Support"],
            }
        },
        scene.agent.token,
    )
    assert data["removeRoleFromGroup"]["errors"] == []
    # Then "Licensing" keeps its own
    assert await scene.rows() == {(LICENSE, "Licensing"), (USERS, "Licensing")}
    assert await scene.held() == {LICENSE, USERS}


async def test_removing_roles_and_ending_one_end_its_assignments_and_only_its_own(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given the group holding License Administrator in both, and User Administrator in
    # "Licensing", and Helpdesk Administrator in "Support"
    scene = await Scene().create(api, db, smtp_server)
    for role, dar in (
        (LICENSE, "Licensing"),
        (LICENSE, "Support"),
        (USERS, None),
        (HELPDESK, None),
    ):
        assert (await scene.assign(api, role, dar))["errors"] == []
    assert await scene.held() == {LICENSE, USERS, HELPDESK}

    # When the customer removes License Administrator from "Support" only
    removed = await api.query(
        REMOVE,
        {
            "input": {
                "relationshipId": scene.relationship_id,
                "roles": [LICENSE],
                "delegatedAdminRelationshipId": scene.dar["Support"],
            }
        },
        scene.admin.token,
    )
    assert removed["removeRoles"]["errors"] == []
    # Then only "Support"'s assignment of it goes, at once; the agent holds it through
    # "Licensing" still
    expected = {(LICENSE, "Licensing"), (USERS, "Licensing"), (HELPDESK, "Support")}
    assert await scene.rows() == expected
    assert await scene.held() == {LICENSE, USERS, HELPDESK}
    await run_jobs(db)
    assert await scene.rows() == expected

    # When the customer ends "Licensing"
    ended = await api.query(END_DAR, {"input": {"id": scene.dar["Licensing"]}}, scene.admin.token)
    assert ended["endDelegatedAdminRelationship"]["errors"] == []
    # Then its assignments end with it, "Support"'s stay, and the agent holds what
    # "Support" still gives
    assert await scene.rows() == {(HELPDESK, "Support")}
    assert await scene.held() == {HELPDESK}
    listed = await scene.listed(api, scene.agent)
    assert listed == {"Licensing": [], "Support": [(HELPDESK, "Tier 1", "Support")]}
    # And nothing can be assigned in it any more
    refused = await scene.assign(api, LICENSE, "Licensing")
    assert refused["errors"] == [
        {"field": ["input", "delegatedAdminRelationshipId"], "code": "RELATIONSHIP_ENDED"}
    ]
    await run_jobs(db)
    assert await scene.rows() == {(HELPDESK, "Support")}


async def test_one_that_expires_takes_its_assignments_and_leaves_the_others(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given License Administrator assigned in both, User Administrator in "Licensing"
    scene = await Scene().create(api, db, smtp_server)
    for role, dar in ((LICENSE, "Licensing"), (LICENSE, "Support"), (USERS, None)):
        assert (await scene.assign(api, role, dar))["errors"] == []

    # When "Licensing"'s grants reach their end date and the sweep runs (twice)
    licensing = await DelegatedAdminRelationship.get(display_name="Licensing")
    past = utcnow() - timedelta(minutes=1)
    await RoleGrant.filter(delegated_admin_relationship_id=licensing.id).update(
        expires_at=past, next_notice_at=past
    )
    for _ in range(2):
        await sweep_grants(Operation(actor=None, sealer=Sealer("test")))

    # Then it is EXPIRED with its assignments, and "Support" keeps its own
    await licensing.refresh_from_db()
    assert licensing.status == "EXPIRED"
    assert await scene.rows() == {(LICENSE, "Support")}
    assert await scene.held() == {LICENSE}
