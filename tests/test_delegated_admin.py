"""Delegated admin relationships through the GraphQL API: one per GDAP invitation, each with
its own name, roles and end date, ended on its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from arq.connections import ArqRedis

from models.foundation.clock import utcnow
from models.foundation.ids import decode_id, encode_id
from models.foundation.settings import Settings
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.policy.customer_access import effective_roles
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.rules.grants import active_roles
from models.rules.lifecycle import expire_invitations, sweep_grants
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.invitations import Invitation
from models.tables.outbound_webhooks import WebhookDelivery, WebhookEndpoint
from models.tables.relationships import Relationship, RoleGrant
from tests import factories as f
from tests.activity_entries import actions, only
from tests.flows import accepted, invite
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs, text_of
from tests.servers import SmtpServer
from workers.jobs import sweep_lifecycle
from workers.runtime import Runtime

LICENSE = AdminRole.LICENSE_ADMINISTRATOR
USERS = AdminRole.USER_ADMINISTRATOR
HELPDESK = AdminRole.HELPDESK_ADMINISTRATOR

DARS = """
query($id: ID!) { relationship(id: $id) {
  roleGrants { role status expiresAt }
  delegatedAdminRelationships {
    id displayName status roles durationDays autoExtend startsAt endsAt endedAt endReason
    roleGrants { role status expiresAt }
  }
} }
"""
END_DAR = """
mutation($input: IdInput!) { endDelegatedAdminRelationship(input: $input) {
  delegatedAdminRelationship { id displayName status endedAt endReason roleGrants { role status } }
  errors { field message code }
} }
"""
CANCEL = """
mutation($input: InvitationIdInput!) { cancelInvitation(input: $input) { errors { code } } }
"""
REMOVE = """
mutation($input: RemoveRolesInput!) { removeRoles(input: $input) {
  relationship { id roleGrants { role status } }
  errors { field message code }
} }
"""


class Parties:
    """Fabrikam (a partner) with an admin agent and a helpdesk agent in a security group,
    and Contoso (a customer) with a global admin."""

    async def create(self) -> Parties:
        self.partner = await f.partner("Fabrikam")
        self.agent = await f.person(self.partner, PartnerRole.ADMIN_AGENT)
        self.helpdesk = await f.person(
            self.partner, PartnerRole.HELPDESK_AGENT, email="help@fabrikam.example.com"
        )
        self.customer = await f.customer("Contoso")
        self.admin = await f.person(self.customer, "GLOBAL_ADMINISTRATOR")
        return self

    async def active_roles(self) -> set[str]:
        return await active_roles(self.customer.id, self.partner.id, utcnow())


async def dars(api: GraphQLClient, viewer: f.Person, relationship_id: str) -> dict[str, Any]:
    data = await api.query(DARS, {"id": relationship_id}, viewer.token)
    found: dict[str, Any] = data["relationship"]
    return found


async def end_dar(api: GraphQLClient, who: f.Person, dar_id: str) -> dict[str, Any]:
    data = await api.query(END_DAR, {"input": {"id": dar_id}}, who.token)
    payload: dict[str, Any] = data["endDelegatedAdminRelationship"]
    return payload


def invitation_id(id_: str) -> Any:
    return decode_id("Invitation", id_)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def two_gdap(api: GraphQLClient, db: Settings, smtp: SmtpServer, p: Parties) -> str:
    """Two GDAP invitations from Fabrikam accepted by Contoso, sharing License Administrator:
    "Licensing" for 30 days, "Support" for 365 days. The relationship's ID."""
    await accepted(
        api,
        db,
        smtp,
        p.agent,
        p.admin,
        roles=[LICENSE, USERS],
        durationDays=30,
        displayName="Licensing",
    )
    found = await accepted(
        api,
        db,
        smtp,
        p.agent,
        p.admin,
        roles=[LICENSE, HELPDESK],
        durationDays=365,
        displayName="Support",
    )
    return str(found["id"])


async def test_two_invitations_make_two_named_relationships_with_their_own_end_dates(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given two GDAP invitations with overlapping roles and different durations, accepted
    p = await Parties().create()
    relationship_id = await two_gdap(api, db, smtp_server, p)

    # Then the one relationship holds two named delegated admin relationships
    for viewer in (p.admin, p.agent):
        found = await dars(api, viewer, relationship_id)
        licensing, support = found["delegatedAdminRelationships"]
        assert (licensing["displayName"], support["displayName"]) == ("Licensing", "Support")
        assert licensing["roles"] == [LICENSE, USERS]
        assert support["roles"] == [LICENSE, HELPDESK]
        # Licensing ends within 30 days: EXPIRING already; Support is ACTIVE for a year
        assert (licensing["status"], support["status"]) == ("EXPIRING", "ACTIVE")
        assert (licensing["durationDays"], support["durationDays"]) == (30, 365)
        for dar, days in ((licensing, 30), (support, 365)):
            assert at(dar["endsAt"]) - at(dar["startsAt"]) == timedelta(days=days)
            # Each one's grants end on its end date: the grants and it agree
            assert {g["expiresAt"] for g in dar["roleGrants"]} == {dar["endsAt"]}
        assert sorted(g["role"] for g in licensing["roleGrants"]) == [LICENSE, USERS]
        assert sorted(g["role"] for g in support["roleGrants"]) == [HELPDESK, LICENSE]
        # The relationship's grants are exactly theirs
        assert len(found["roleGrants"]) == 4


async def test_ending_one_leaves_the_other_and_its_access_working(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given two delegated admin relationships sharing License Administrator, and a helpdesk
    # agent whose group is assigned License and User Administrator
    p = await Parties().create()
    relationship_id = await two_gdap(api, db, smtp_server, p)
    relationship = await Relationship.get(customer_id=p.customer.id)
    group = await f.group(p.agent, "Helpdesk", p.helpdesk)
    await f.assign(group, relationship, LICENSE, USERS)
    licensing, _ = (await dars(api, p.agent, relationship_id))["delegatedAdminRelationships"]

    # When the customer's global admin ends "Licensing"
    ended = await end_dar(api, p.admin, licensing["id"])

    # Then it is TERMINATED at once, and its grants grant nothing
    assert ended["errors"] == []
    dar = ended["delegatedAdminRelationship"]
    assert dar["status"] == "TERMINATED"
    assert dar["endedAt"] is not None
    assert dar["endReason"] == "Ended by the customer"
    assert {g["status"] for g in dar["roleGrants"]} == {"REVOKING"}
    # License Administrator stays through "Support"; User Administrator went with "Licensing"
    assert await p.active_roles() == {LICENSE, HELPDESK}
    assert await effective_roles(p.helpdesk.user.id, relationship.id, utcnow()) == {LICENSE}

    # And once the workers carried the revocation through, the other one still works
    await run_jobs(db)
    found = await dars(api, p.admin, relationship_id)
    licensing, support = found["delegatedAdminRelationships"]
    assert licensing["status"] == "TERMINATED"
    assert {g["status"] for g in licensing["roleGrants"]} == {"REVOKED"}
    assert support["status"] == "ACTIVE"
    assert {g["status"] for g in support["roleGrants"]} == {"ACTIVE"}
    assert await p.active_roles() == {LICENSE, HELPDESK}
    assert await effective_roles(p.helpdesk.user.id, relationship.id, utcnow()) == {LICENSE}
    # The relationship's grants agree: the active ones are Support's
    active = sorted(g["role"] for g in found["roleGrants"] if g["status"] == "ACTIVE")
    assert active == [HELPDESK, LICENSE]

    # And both sides see it ended in their activity
    for viewer in (p.admin, p.agent):
        entry = await only(api, viewer, "delegated_admin_relationship.ended")
        assert entry["objectId"] == licensing["id"]
        assert entry["actor"]["email"] == p.admin.email


async def test_the_partners_admin_agent_may_end_one_and_events_go_to_both_sides(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given endpoints of both sides subscribed to the end of delegated admin relationships
    p = await Parties().create()
    for org in (p.partner, p.customer):
        await WebhookEndpoint.create(
            organization=org,
            url="https://8.8.8.8/hooks",
            event_types=["delegated_admin_relationship.ended"],
            sealed_secret=Sealer("tests").seal("whsec_" + "A" * 32),
        )
    relationship_id = await two_gdap(api, db, smtp_server, p)
    _, support = (await dars(api, p.agent, relationship_id))["delegatedAdminRelationships"]

    # When the partner's admin agent ends "Support"
    ended = await end_dar(api, p.agent, support["id"])

    # Then it ended, and each side's endpoint has the event
    assert ended["errors"] == []
    assert ended["delegatedAdminRelationship"]["endReason"] == "Ended by the partner"
    deliveries = await WebhookDelivery.filter(
        event__type="delegated_admin_relationship.ended"
    ).values_list("endpoint__organization_id", flat=True)
    assert sorted(map(str, deliveries)) == sorted([str(p.partner.id), str(p.customer.id)])
    # Access through "Licensing" stays
    assert await p.active_roles() == {LICENSE, USERS}


async def test_who_may_end_one(api: GraphQLClient, db: Settings, smtp_server: SmtpServer) -> None:
    # Given a delegated admin relationship
    p = await Parties().create()
    relationship_id = await two_gdap(api, db, smtp_server, p)
    licensing, _ = (await dars(api, p.agent, relationship_id))["delegatedAdminRelationships"]
    billing = await f.person(p.customer, "BILLING_ADMINISTRATOR", email="bill@contoso.example")
    other = await f.person(await f.customer("Northwind"), "GLOBAL_ADMINISTRATOR")
    other_agent = await f.person(await f.partner("Litware"), PartnerRole.ADMIN_AGENT)

    # A billing admin and the partner's helpdesk agent may not
    for who in (billing, p.helpdesk):
        code = await api.error_code(END_DAR, {"input": {"id": licensing["id"]}}, who.token)
        assert code == "FORBIDDEN"
    # Another customer's admin and another partner's agent do not find it
    for who in (other, other_agent):
        refused = await end_dar(api, who, licensing["id"])
        assert [(e["field"], e["code"]) for e in refused["errors"]] == [
            (["input", "id"], "NOT_FOUND")
        ]
    # Nothing changed
    assert await p.active_roles() == {LICENSE, USERS, HELPDESK}

    # Ended once, it cannot be ended again
    assert (await end_dar(api, p.admin, licensing["id"]))["errors"] == []
    again = await end_dar(api, p.agent, licensing["id"])
    assert [e["code"] for e in again["errors"]] == ["RELATIONSHIP_ENDED"]


async def test_removing_roles_of_one_names_it_and_its_last_role_terminates_it(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given two delegated admin relationships sharing License Administrator
    p = await Parties().create()
    relationship_id = await two_gdap(api, db, smtp_server, p)
    licensing, support = (await dars(api, p.agent, relationship_id))["delegatedAdminRelationships"]

    # When the customer removes License Administrator from "Support" only
    data = await api.query(
        REMOVE,
        {
            "input": {
                "relationshipId": relationship_id,
                "roles": [LICENSE],
                "delegatedAdminRelationshipId": support["id"],
            }
        },
        p.admin.token,
    )

    # Then only Support's grant of it is revoked; Licensing's still gives the role
    assert data["removeRoles"]["errors"] == []
    found = await dars(api, p.admin, relationship_id)
    licensing, support = found["delegatedAdminRelationships"]
    assert {g["role"]: g["status"] for g in support["roleGrants"]} == {
        LICENSE: "REVOKING",
        HELPDESK: "ACTIVE",
    }
    assert {g["status"] for g in licensing["roleGrants"]} == {"ACTIVE"}
    assert support["status"] == "ACTIVE"
    assert await p.active_roles() == {LICENSE, USERS, HELPDESK}

    # When its last role goes too, it is TERMINATED; the other stays ACTIVE
    data = await api.query(
        REMOVE,
        {
            "input": {
                "relationshipId": relationship_id,
                "roles": [HELPDESK],
                "delegatedAdminRelationshipId": support["id"],
            }
        },
        p.admin.token,
    )
    assert data["removeRoles"]["errors"] == []
    licensing, support = (await dars(api, p.admin, relationship_id))["delegatedAdminRelationships"]
    assert support["status"] == "TERMINATED"
    assert support["endReason"] == "Removed by the customer"
    assert licensing["status"] == "EXPIRING"

    # And removing without naming one acts on all, as before: Licensing ends too
    data = await api.query(REMOVE, {"input": {"relationshipId": relationship_id}}, p.admin.token)
    assert data["removeRoles"]["errors"] == []
    statuses = [
        d["status"]
        for d in (await dars(api, p.admin, relationship_id))["delegatedAdminRelationships"]
    ]
    assert statuses == ["TERMINATED", "TERMINATED"]
    assert await p.active_roles() == set()


async def test_another_relationships_delegated_admin_relationship_is_not_found(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Contoso's relationship with Fabrikam, and Northwind's with Fabrikam
    p = await Parties().create()
    relationship_id = await two_gdap(api, db, smtp_server, p)
    northwind = await f.customer("Northwind")
    northwind_admin = await f.person(
        northwind, "GLOBAL_ADMINISTRATOR", email="ga@northwind.example"
    )
    other = await accepted(api, db, smtp_server, p.agent, northwind_admin, roles=[USERS])
    licensing, _ = (await dars(api, p.agent, relationship_id))["delegatedAdminRelationships"]

    # When Northwind's admin names Contoso's delegated admin relationship in removeRoles
    data = await api.query(
        REMOVE,
        {
            "input": {
                "relationshipId": other["id"],
                "delegatedAdminRelationshipId": licensing["id"],
            }
        },
        northwind_admin.token,
    )

    # Then it is not found, and nothing changed
    assert [(e["field"], e["code"]) for e in data["removeRoles"]["errors"]] == [
        (["input", "delegatedAdminRelationshipId"], "NOT_FOUND")
    ]
    assert await p.active_roles() == {LICENSE, USERS, HELPDESK}


async def test_an_invitation_offers_one_awaiting_approval_with_a_unique_name(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a GDAP invitation named "Support" addressed to Contoso
    p = await Parties().create()
    customer_id = str(encode_id("Organization", p.customer.id))
    invitation, token = await invite(
        api, db, smtp_server, p.agent, customerId=customer_id, displayName="Support"
    )
    dar = await DelegatedAdminRelationship.get(invitation_id=invitation_id(invitation["id"]))
    assert (dar.display_name, dar.status, dar.relationship_id) == (
        "Support",
        "APPROVAL_PENDING",
        None,
    )

    # When a second one to Contoso takes the same name, it is refused naming the field
    refused = await f.send(api, p.agent, customerId=customer_id, displayName="support")
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        (["input", "displayName"], "NAME_TAKEN")
    ]
    # A name over 50 characters, or on a type that has none, is refused too
    long = await f.send(api, p.agent, displayName="x" * 51)
    assert [(e["field"], e["code"]) for e in long["errors"]] == [
        (["input", "displayName"], "INVALID_INPUT")
    ]
    reseller = await f.send(
        api, p.agent, type="RESELLER", roles=None, durationDays=None, displayName="Sales"
    )
    assert [e["field"] for e in reseller["errors"]] == [["input", "displayName"]]
    # Without a name, a default one
    unnamed = await f.send(api, p.agent, customerId=customer_id)
    assert unnamed["errors"] == []
    default = await DelegatedAdminRelationship.get(
        invitation_id=invitation_id(unnamed["invitation"]["id"])
    )
    assert default.display_name == f"GDAP {utcnow():%Y-%m-%d}"

    # When the customer accepts the first, it starts
    assert (await f.accept(api, p.admin, token))["errors"] == []
    await dar.refresh_from_db()
    assert dar.status == "ACTIVE"
    assert dar.starts_at is not None
    assert "delegated_admin_relationship.activated" in await actions(api, p.admin)


async def test_a_closed_invitations_offer_ends_and_frees_its_name(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a GDAP invitation named "Support", canceled, and another that expired
    p = await Parties().create()
    sent = await f.send(api, p.agent, displayName="Support")
    data = await api.query(CANCEL, {"input": {"id": sent["invitation"]["id"]}}, p.agent.token)
    assert data["cancelInvitation"]["errors"] == []
    expiring = await f.send(api, p.agent, displayName="Later")
    await Invitation.filter(id=invitation_id(expiring["invitation"]["id"])).update(
        expires_at=utcnow() - timedelta(minutes=1)
    )
    assert await expire_invitations(Operation(actor=None, sealer=Sealer("tests"))) == 1

    # Then the canceled one's offer is TERMINATED, the expired one's EXPIRED
    canceled = await DelegatedAdminRelationship.get(
        invitation_id=invitation_id(sent["invitation"]["id"])
    )
    assert (canceled.status, canceled.end_reason) == ("TERMINATED", "Invitation canceled")
    expired = await DelegatedAdminRelationship.get(
        invitation_id=invitation_id(expiring["invitation"]["id"])
    )
    assert expired.status == "EXPIRED"
    # And the name is free again
    assert (await f.send(api, p.agent, displayName="Support"))["errors"] == []


async def test_the_sweep_extends_or_expires_each_with_its_grants(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given "Renewing" (auto-extend) and "Once" (not), both past their end dates
    p = await Parties().create()
    await accepted(
        api,
        db,
        smtp_server,
        p.agent,
        p.admin,
        roles=[LICENSE],
        autoExtend=True,
        displayName="Renewing",
    )
    found = await accepted(
        api, db, smtp_server, p.agent, p.admin, roles=[USERS], displayName="Once"
    )
    past = utcnow() - timedelta(minutes=1)
    await RoleGrant.all().update(expires_at=past, next_notice_at=past)
    await DelegatedAdminRelationship.all().update(ends_at=past)

    # When the lifecycle sweep runs
    report = await sweep_grants(Operation(actor=None, sealer=Sealer("tests")))

    # Then "Renewing" runs on to its grant's new end date, and "Once" EXPIRED
    assert (report.extended, report.expired) == (1, 1)
    renewing, once = (await dars(api, p.admin, found["id"]))["delegatedAdminRelationships"]
    assert renewing["status"] == "ACTIVE"
    assert at(renewing["endsAt"]) > utcnow() + timedelta(days=179)
    assert {g["expiresAt"] for g in renewing["roleGrants"]} == {renewing["endsAt"]}
    assert (once["status"], once["endReason"]) == ("EXPIRED", "Reached its end date")
    assert await p.active_roles() == {LICENSE}
    entry = await only(api, p.agent, "delegated_admin_relationship.ended")
    assert entry["objectId"] == once["id"]


async def test_each_one_is_warned_of_its_own_end_date_by_name(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given "Licensing" and "Support", sharing License Administrator, both ending in 5 days
    p = await Parties().create()
    await two_gdap(api, db, smtp_server, p)
    soon = utcnow() + timedelta(days=5)
    await RoleGrant.all().update(expires_at=soon, next_notice_at=utcnow())

    # When the lifecycle cron runs and the workers send what it queued
    redis = ArqRedis.from_url(db.redis_url or "")
    try:
        assert "warned 4" in await sweep_lifecycle(
            {"runtime": Runtime(db), "redis": redis, "job_try": 1}
        )
    finally:
        await redis.aclose()
    await run_jobs(db)

    # Then each one's warning names it, its own roles, to both sides
    texts = [text_of(m) for m in smtp_server.wait_for(4)]
    for name, roles in (("Licensing", ("User Administrator",)), ("Support", ("Helpdesk",))):
        named = [t for t in texts if f'delegated admin relationship "{name}"' in t]
        assert len(named) == 2  # the partner's admin agent and the customer's global admin
        assert all("License Administrator" in t and roles[0] in t for t in named)


async def test_removing_the_roles_of_other_types_leaves_the_delegated_admin_relationships(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Contoso's Advisor (Global and Helpdesk Administrator) and "Support" (GDAP,
    # Helpdesk Administrator too)
    p = await Parties().create()
    await accepted(
        api, db, smtp_server, p.agent, p.admin, type="ADVISOR", roles=None, durationDays=None
    )
    found = await accepted(
        api, db, smtp_server, p.agent, p.admin, roles=[HELPDESK], displayName="Support"
    )

    # When the customer removes Helpdesk Administrator from the Advisor's grants only
    data = await api.query(
        REMOVE,
        {"input": {"relationshipId": found["id"], "roles": [HELPDESK], "types": ["ADVISOR"]}},
        p.admin.token,
    )

    # Then "Support" still grants it, and the Advisor keeps Global Administrator
    assert data["removeRoles"]["errors"] == []
    assert sorted((g.role, g.type, g.status) for g in await RoleGrant.all()) == [
        (AdminRole.GLOBAL_ADMINISTRATOR, "ADVISOR", "ACTIVE"),
        (HELPDESK, "ADVISOR", "REVOKING"),
        (HELPDESK, "GDAP_PARTNER", "ACTIVE"),
    ]
    assert await p.active_roles() == {AdminRole.GLOBAL_ADMINISTRATOR, HELPDESK}
    # And naming no type at all is refused, naming the field
    refused = await api.query(
        REMOVE, {"input": {"relationshipId": found["id"], "types": []}}, p.admin.token
    )
    assert refused["removeRoles"]["errors"] == [
        {
            "field": ["input", "types"],
            "message": "Name at least one type, or none for all.",
            "code": "INVALID_INPUT",
        }
    ]
