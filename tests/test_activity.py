"""The activity log: every state change leaves one entry, both sides of a relationship read
its history, no one else reads any of it, and entries are never edited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.rules.activity_retention import purge_before
from models.rules.lifecycle import expire_invitations, sweep_grants
from models.tables.activity import ActivityEntry, AppendOnly
from models.tables.invitations import Invitation
from models.tables.relationships import RoleGrant
from tests import factories as f
from tests import flows
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.servers import SmtpServer
from workers.retention import purge_activity
from workers.runtime import Runtime
from workers.worker import cron_jobs

ACTIVITY = """
query($first: Int, $after: String, $filter: ActivityFilter) {
  activity(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id action occurredAt objectType objectId relationshipId changes requestId clientAddress
      actor { email } actingOrganization { name } customer { name } partner { name }
    } }
  }
}
"""

CANCEL = """
mutation($input: InvitationIdInput!) {
  cancelInvitation(input: $input) { invitation { status } errors { code } }
}
"""
RESEND = """
mutation($input: InvitationIdInput!) {
  resendInvitation(input: $input) { invitation { status } errors { code } }
}
"""
DECLINE = """
mutation($input: InvitationTokenInput!) {
  declineInvitation(input: $input) { invitation { status } errors { code } }
}
"""


async def _activity(api: GraphQLClient, who: f.Person, **variables: Any) -> list[dict[str, Any]]:
    """Every entry the person sees (newest first), checking the count matches the list."""
    data = await api.query(ACTIVITY, {"first": 100, **variables}, who.token)
    page = data["activity"]
    assert page["totalCount"] == len(page["edges"])
    return [edge["node"] for edge in page["edges"]]


def _actions(entries: list[dict[str, Any]]) -> list[str]:
    """Oldest first, as things happened."""
    return [entry["action"] for entry in reversed(entries)]


async def _mutate(
    api: GraphQLClient, document: str, variables: dict[str, Any], who: f.Person, request_id: str
) -> dict[str, Any]:
    response = await api.http.post(
        "/graphql",
        json={"query": document, "variables": variables},
        headers={"Authorization": f"Bearer {who.token}", "X-Request-ID": request_id},
    )
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body
    [payload] = body["data"].values()
    assert payload["errors"] == [], payload
    return body


class World:
    agent: f.Person
    helpdesk: f.Person
    admin: f.Person
    reader: f.Person
    plain_user: f.Person
    outsider_partner: f.Person
    outsider_customer: f.Person


async def _world() -> World:
    world = World()
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    world.agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    world.helpdesk = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT)
    world.admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    world.reader = await f.person(contoso, AdminRole.GLOBAL_READER)
    world.plain_user = await f.person(contoso)
    world.outsider_partner = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    world.outsider_customer = await f.person(
        await f.customer("Tailspin"), AdminRole.GLOBAL_ADMINISTRATOR
    )
    return world


RELATIONSHIP_HISTORY = [
    "invitation.accepted",
    "agreement.accepted",
    "relationship.created",
    "delegated_admin_relationship.activated",
    "roles.granted",
    "roles.removed",
    "roles.revoked",
    "relationship.ended",
    "roles.removed",
    "delegated_admin_relationship.ended",
    "roles.revoked",
]


async def test_both_sides_see_a_relationships_full_history_and_a_third_organization_none(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Fabrikam's GDAP relationship with Contoso, accepted by Contoso's global admin
    world = await _world()
    relationship = await flows.accepted(
        api,
        db,
        smtp_server,
        world.agent,
        world.admin,
        customerEmail="it@contoso.com",
        roles=["USER_ADMINISTRATOR", "SECURITY_READER"],
    )
    relationship_id = relationship["id"]

    # When the customer removes one role, and later the partner ends the relationship
    await _mutate(
        api,
        f.REMOVE_ROLES,
        {"input": {"relationshipId": relationship_id, "roles": ["SECURITY_READER"]}},
        world.admin,
        "req-remove-1",
    )
    await run_jobs(db)
    await _mutate(
        api, f.END, {"input": {"relationshipId": relationship_id}}, world.agent, "req-end-1"
    )
    await run_jobs(db)

    # Then each side's admins see the relationship's whole history, in order
    by_relationship = {"filter": {"relationshipId": relationship_id}}
    for insider in (world.agent, world.admin, world.reader):
        history = await _activity(api, insider, **by_relationship)
        assert _actions(history) == RELATIONSHIP_HISTORY, insider.email
        assert {e["relationshipId"] for e in history} == {relationship_id}
        assert {(e["customer"]["name"], e["partner"]["name"]) for e in history} == {
            ("Contoso", "Fabrikam")
        }
    # And the partner's log starts with the invitation it sent
    partner_log = await _activity(api, world.agent)
    assert _actions(partner_log) == ["invitation.sent", *RELATIONSHIP_HISTORY]

    # And each entry says who acted, from which request, and what changed
    history = list(reversed(await _activity(api, world.admin, **by_relationship)))
    removed, revoked, ended = history[5], history[6], history[7]
    assert removed["actor"]["email"] == world.admin.email
    assert removed["actingOrganization"]["name"] == "Contoso"
    assert removed["requestId"] == "req-remove-1"
    assert removed["changes"] == {"roles": ["SECURITY_READER"], "reason": "Removed by the customer"}
    assert removed["objectId"] == relationship_id
    assert removed["objectType"] == "Relationship"
    # the system carried the revocation through, for that same request
    assert revoked["actor"] is None
    assert revoked["actingOrganization"] is None
    assert revoked["requestId"] == "req-remove-1"
    assert revoked["clientAddress"] is None
    assert ended["actor"]["email"] == world.agent.email
    assert ended["requestId"] == "req-end-1"
    # the client's address shows for the viewer's own organization's changes only
    assert removed["clientAddress"] == "127.0.0.1"
    assert ended["clientAddress"] is None
    from_partner = {e["id"]: e for e in await _activity(api, world.agent, **by_relationship)}
    assert from_partner[ended["id"]]["clientAddress"] == "127.0.0.1"
    assert from_partner[removed["id"]]["clientAddress"] is None

    # And a third organization's admins see none of it, listing or filtering
    for outsider in (world.outsider_partner, world.outsider_customer):
        assert await _activity(api, outsider) == []
        assert await _activity(api, outsider, **by_relationship) == []
    # And the sides' people who are not its admins may not open the log at all: FORBIDDEN,
    # not an empty log
    for not_admin in (world.helpdesk, world.plain_user):
        assert await api.error_code(ACTIVITY, {"first": 100}, not_admin.token) == "FORBIDDEN"
        assert (
            await api.error_code(ACTIVITY, {"first": 100, **by_relationship}, not_admin.token)
            == "FORBIDDEN"
        )


async def test_every_invitation_change_is_recorded_for_the_sides_it_concerns(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a partner agent and a customer admin
    world = await _world()
    contoso_id = (await api.query("{ viewer { organization { id } } }", token=world.admin.token))[
        "viewer"
    ]["organization"]["id"]

    # When the partner sends an open invitation, resends it, then cancels it
    canceled, _ = await flows.invite(api, db, smtp_server, world.agent, customerEmail="a@c.com")
    await _mutate(api, RESEND, {"input": {"id": canceled["id"]}}, world.agent, "r1")
    await _mutate(api, CANCEL, {"input": {"id": canceled["id"]}}, world.agent, "r2")
    # And sends one addressed to Contoso, which Contoso declines
    declined, token = await flows.invite(
        api, db, smtp_server, world.agent, customerEmail="b@c.com", customerId=contoso_id
    )
    await _mutate(api, DECLINE, {"input": {"token": token}}, world.admin, "r3")

    # Then the partner sees every step, each on its invitation
    partner_log = await _activity(api, world.agent)
    assert [(e["action"], e["objectId"]) for e in reversed(partner_log)] == [
        ("invitation.sent", canceled["id"]),
        ("invitation.resent", canceled["id"]),
        ("invitation.canceled", canceled["id"]),
        ("invitation.sent", declined["id"]),
        ("invitation.declined", declined["id"]),
    ]
    assert partner_log[0]["actor"]["email"] == world.admin.email
    assert partner_log[-1]["changes"]["roles"] == ["USER_ADMINISTRATOR"]
    # And the customer sees the steps of the invitation addressed to it, not the open one
    assert [(e["action"], e["objectId"]) for e in reversed(await _activity(api, world.admin))] == [
        ("invitation.sent", declined["id"]),
        ("invitation.declined", declined["id"]),
    ]
    # And the filters narrow the list: by action, by object, by time
    only = await _activity(api, world.agent, filter={"actions": ["invitation.sent"]})
    assert _actions(only) == ["invitation.sent", "invitation.sent"]
    by_object = await _activity(api, world.agent, filter={"objectId": canceled["id"]})
    assert _actions(by_object) == ["invitation.sent", "invitation.resent", "invitation.canceled"]
    since = partner_log[1]["occurredAt"]  # the second newest
    assert len(await _activity(api, world.agent, filter={"since": since})) == 2
    assert len(await _activity(api, world.agent, filter={"until": since})) == 3
    assert await _activity(api, world.agent, filter={"objectId": "not-an-id"}) == []
    # And the list pages by cursor
    data = await api.query(ACTIVITY, {"first": 2}, world.agent.token)
    first_page = data["activity"]
    assert first_page["pageInfo"]["hasNextPage"] is True
    assert first_page["totalCount"] == 5
    data = await api.query(
        ACTIVITY, {"first": 100, "after": first_page["pageInfo"]["endCursor"]}, world.agent.token
    )
    rest = [edge["node"]["id"] for edge in data["activity"]["edges"]]
    assert [e["node"]["id"] for e in first_page["edges"]] + rest == [e["id"] for e in partner_log]


async def test_expiry_and_automatic_extension_are_recorded_as_the_systems_changes(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a relationship with an auto-extending grant and a fixed one, and a pending invitation
    world = await _world()
    await flows.accepted(
        api,
        db,
        smtp_server,
        world.agent,
        world.admin,
        customerEmail="it@contoso.com",
        roles=["USER_ADMINISTRATOR"],
        autoExtend=True,
    )
    await flows.accepted(
        api,
        db,
        smtp_server,
        world.agent,
        world.admin,
        customerEmail="it@contoso.com",
        roles=["SECURITY_READER"],
    )
    pending, _ = await flows.invite(api, db, smtp_server, world.agent, customerEmail="x@c.com")
    # When their end dates pass and the sweeps run
    past = utcnow() - timedelta(minutes=1)
    await RoleGrant.all().update(expires_at=past, next_notice_at=past)
    await Invitation.filter(status="PENDING").update(expires_at=past)
    op = Operation(actor=None, sealer=Sealer("test"))
    report = await sweep_grants(op)
    assert (report.extended, report.expired) == (1, 1)
    assert await expire_invitations(op) == 1

    # Then both sides see the extension and the expiry, by the system
    for insider in (world.agent, world.admin):
        latest = await _activity(
            api, insider, filter={"actions": ["roles.extended", "roles.expired"]}
        )
        assert sorted((e["action"], e["changes"]["roles"][0]) for e in latest) == [
            ("roles.expired", "SECURITY_READER"),
            ("roles.extended", "USER_ADMINISTRATOR"),
        ]
        assert {e["actor"] is None and e["requestId"] is None for e in latest} == {True}
    [expired] = await _activity(api, world.agent, filter={"actions": ["invitation.expired"]})
    assert expired["objectId"] == pending["id"]
    assert expired["actor"] is None


async def test_entries_are_append_only(api: GraphQLClient, db: Settings) -> None:
    # Given an entry
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    await f.send(api, agent, customerEmail="it@contoso.com")
    entry = await ActivityEntry.get()

    # When someone tries to change it or delete it through the model, it is refused
    entry.action = "invitation.forged"
    with pytest.raises(AppendOnly):
        await entry.save()
    with pytest.raises(AppendOnly):
        await entry.delete()

    # Then it is as it was
    assert (await ActivityEntry.get()).action == "invitation.sent"


async def test_the_retention_job_purges_entries_older_than_the_setting_in_batches(
    db: Settings,
) -> None:
    # Given five entries older than a year and one from yesterday
    now = utcnow()
    org = await f.partner()

    async def entry(age: timedelta) -> ActivityEntry:
        return await ActivityEntry.create(
            created_at=now - age,
            action="invitation.sent",
            object_type="Invitation",
            object_id=org.id,
            partner_id=org.id,
        )

    for days in range(366, 371):
        await entry(timedelta(days=days))
    recent = await entry(timedelta(days=1))

    # When they are purged two at a time, at the default period
    assert await purge_before(now - timedelta(days=365), batch_size=2) == 5
    # Then only the recent one stays
    assert [e.id for e in await ActivityEntry.all()] == [recent.id]

    # And the daily job reads its period from the settings
    await entry(timedelta(days=40))
    runtime = Runtime(Settings(database_url=db.database_url, activity_retention_days=30))
    assert await purge_activity({"runtime": runtime}) == "purged 1 activity entries"
    assert [e.id for e in await ActivityEntry.all()] == [recent.id]
    # And it is a cron job of the worker, every hour (each run within a time budget)
    [job] = [job for job in cron_jobs() if job.name.endswith("purge_activity")]
    assert (job.hour, job.minute) == (None, 17)
