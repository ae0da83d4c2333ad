"""No one sees or touches what is not theirs: every query, every mutation, every nested field."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    get_named_type,
    is_leaf_type,
)

from models.foundation.clock import utcnow
from models.foundation.ids import decode_id, encode_id
from models.foundation.settings import Settings
from models.reference.enums import (
    InvitationStatus,
    PartnerRole,
    RelationshipStatus,
    RelationshipType,
)
from models.tables.access import SecurityGroup, SecurityGroupMember
from models.tables.invitations import Invitation
from models.tables.organizations import ApiToken, Organization
from models.tables.outbound_webhooks import WebhookEndpoint
from models.tables.outbox import OutboxMessage
from models.tables.relationships import Relationship, RoleGrant
from models.tables.tenant import Device, LobApp, Purchase, Subscription
from schema import build_schema
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link, run_jobs
from tests.servers import SmtpServer
from tests.test_partner_actions import (
    CHANGE_SUBSCRIPTION,
    PLACE_ORDER,
    REGISTER_DEVICE,
    SUBMIT_APP,
    UPDATE_APP,
    app_input,
    device_input,
    org_id,
)

INVITATIONS = """
query($status: InvitationStatus) {
  invitations(first: 100, status: $status) { totalCount edges { node { id } } }
}
"""
RELATIONSHIPS = """
query($status: RelationshipStatus) {
  relationships(first: 100, status: $status) { totalCount edges { node { id } } }
}
"""
INVITATION = "query($id: ID!) { invitation(id: $id) { id status } }"
RELATIONSHIP = "query($id: ID!) { relationship(id: $id) { id status } }"
BY_TOKEN = "query($token: String!) { invitationByToken(token: $token) { id status } }"
VIEWER = "query { viewer { id email organization { id name } } }"

RESEND = """
mutation($input: InvitationIdInput!) {
  resendInvitation(input: $input) { invitation { id status } errors { field code } }
}
"""
CANCEL = """
mutation($input: InvitationIdInput!) {
  cancelInvitation(input: $input) { invitation { id status } errors { field code } }
}
"""
DECLINE = """
mutation($input: InvitationTokenInput!) {
  declineInvitation(input: $input) { invitation { id status } errors { field code } }
}
"""

# Everything a side of a relationship can read about it, nested as deep as the schema goes.
EVERYTHING = """
query($own: ID!, $foreign: ID!, $foreignInvitation: ID!, $invitations: Boolean!) {
  viewer { id email displayName roles organization { id name kind } }
  invitations(first: 100) @include(if: $invitations) { totalCount edges { cursor node {
    id customerEmail type roles status message
    partner { id name kind } customer { id name kind }
  } } }
  relationships(first: 100) { totalCount edges { cursor node { ...everything } } }
  own: relationship(id: $own) { ...everything }
  foreign: relationship(id: $foreign) { ...everything }
  foreignInvitation: invitation(id: $foreignInvitation) { id customerEmail }
}
fragment everything on Relationship {
  id status types typeHistory { type }
  customer { id name kind } partner { id name kind }
  agreement { accepted version acceptedBy { id email displayName organization { id name } } }
  roleGrants { id role type status }
  activity(first: 100) { totalCount edges { node {
    id action objectId changes actor { id email } actingOrganization { id name }
    onBehalfOf { id name } customer { id name } partner { id name }
  } } }
}
"""

# The directory answers visitors (no token), and so does the way in: signing in, choosing a
# password from an emailed link, asking for one, and signing out (tests/test_sign_in.py).
# Everything else needs a viewer.
PUBLIC_DIRECTORY_QUERIES = {"directoryVocabularies", "partners", "partner"}
PUBLIC_MUTATIONS = {
    "contactPartner",
    "signIn",
    "setPassword",
    "requestPasswordReset",
    "signOut",
}

Outcome = tuple[str, list[str] | None]
FORBIDDEN: Outcome = ("FORBIDDEN", None)


@dataclass
class Pair:
    """A partner and a customer with an accepted GDAP invitation and a pending addressed one."""

    partner: Organization
    customer: Organization
    admin_agent: f.Person
    sales_agent: f.Person
    helpdesk_agent: f.Person
    global_admin: f.Person
    roles: list[str]
    partner_id: str = ""
    customer_id: str = ""
    relationship_id: str = ""
    accepted_id: str = ""
    pending_id: str = ""
    pending_token: str = ""
    markers: list[str] = field(default_factory=list)


async def given_a_pair(
    api: GraphQLClient,
    db: Settings,
    smtp_server: SmtpServer,
    partner: str,
    customer: str,
    roles: list[str],
) -> Pair:
    """`partner` invites `customer` twice; the customer accepts the first (GDAP) invitation."""
    domain = customer.lower()
    partner_org = await f.partner(partner)
    customer_org = await f.customer(customer)
    pair = Pair(
        partner=partner_org,
        customer=customer_org,
        admin_agent=await f.person(
            partner_org, PartnerRole.ADMIN_AGENT, email=f"admin@{partner.lower()}.example.com"
        ),
        sales_agent=await f.person(
            partner_org, PartnerRole.SALES_AGENT, email=f"sales@{partner.lower()}.example.com"
        ),
        helpdesk_agent=await f.person(
            partner_org, PartnerRole.HELPDESK_AGENT, email=f"help@{partner.lower()}.example.com"
        ),
        global_admin=await f.person(
            customer_org, "GLOBAL_ADMINISTRATOR", email=f"ga@{domain}.example.com"
        ),
        roles=roles,
    )
    people = (pair.admin_agent, pair.sales_agent, pair.helpdesk_agent, pair.global_admin)
    viewers = [(await api.query(VIEWER, token=p.token))["viewer"] for p in people]
    pair.partner_id = viewers[0]["organization"]["id"]
    pair.customer_id = viewers[-1]["organization"]["id"]

    gdap = await f.send(
        api, pair.admin_agent, customerEmail=f"it@{domain}.com", roles=roles, durationDays=60
    )
    addressed = await f.send(
        api,
        pair.sales_agent,
        customerEmail=f"billing@{domain}.com",
        customerId=pair.customer_id,
        type="RESELLER",
        roles=None,
        durationDays=None,
    )
    assert gdap["errors"] == []
    assert addressed["errors"] == []
    pair.accepted_id = gdap["invitation"]["id"]
    pair.pending_id = addressed["invitation"]["id"]
    await run_jobs(db)
    tokens = {
        mail.rcpt_tos[0]: invitation_link(mail)[1]
        for mail in smtp_server.messages
        if mail.rcpt_tos[0].endswith(f"@{domain}.com")
    }
    pair.pending_token = tokens[f"billing@{domain}.com"]
    accepted = await f.accept(api, pair.global_admin, tokens[f"it@{domain}.com"])
    assert accepted["errors"] == []
    pair.relationship_id = accepted["relationship"]["id"]
    pair.markers = [
        partner,
        customer,
        pair.partner_id,
        pair.customer_id,
        pair.relationship_id,
        pair.accepted_id,
        pair.pending_id,
        f"it@{domain}.com",
        f"billing@{domain}.com",
        *(viewer["email"] for viewer in viewers),
        *(viewer["id"] for viewer in viewers),
    ]
    return pair


async def _ids(api: GraphQLClient, document: str, token: str, **variables: Any) -> list[str]:
    data = await api.query(document, variables, token)
    connection = next(iter(data.values()))
    ids = [edge["node"]["id"] for edge in connection["edges"]]
    assert connection["totalCount"] == len(ids)
    return ids


async def _listed(
    api: GraphQLClient, document: str, token: str, **variables: Any
) -> list[str] | str:
    """The IDs a list shows the viewer, or the code of its refusal: a viewer whose roles do
    not open a list is refused (FORBIDDEN), one who may open it sees only its own rows."""
    body = await api.raw(document, variables, token)
    if body.get("errors"):
        assert body["data"] is None, body
        code: str = body["errors"][0]["extensions"]["code"]
        return code
    return await _ids(api, document, token, **variables)


async def _outcome(
    api: GraphQLClient, document: str, variables: dict[str, Any], token: str
) -> Outcome:
    """A mutation's refusal: a top-level code, or the code and field of its one payload error."""
    body = await api.raw(document, variables, token)
    if body.get("errors"):
        assert body["data"] is None, body
        return body["errors"][0]["extensions"]["code"], None
    [payload] = body["data"].values()
    assert {v for k, v in payload.items() if k != "errors"} == {None}, payload
    [error] = payload["errors"]
    return error["code"], error["field"]


async def _invitation_row(invitation_id: str) -> dict[str, Any]:
    row = await Invitation.get(id=decode_id("Invitation", invitation_id))
    return {
        "status": row.status,
        "token_hash": row.token_hash,
        "expires_at": row.expires_at,
        "customer_id": row.customer_id,
        "email_status": row.email_status,
    }


async def _grant_statuses() -> list[tuple[str, str]]:
    rows = await RoleGrant.all().values_list("role", "status")
    return sorted((str(role), str(status)) for role, status in rows)


async def test_outsiders_see_no_invitation_and_no_relationship(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Fabrikam's relationship with Contoso, and a pending invitation addressed to Contoso
    pair = await given_a_pair(
        api, db, smtp_server, "Fabrikam", "Contoso", ["USER_ADMINISTRATOR", "SECURITY_READER"]
    )
    # And people with no part in them
    northwind_admin = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    tailspin_admin = await f.person(await f.customer("Tailspin"), "GLOBAL_ADMINISTRATOR")
    contoso_user = await f.person(pair.customer)  # a user of Contoso without admin roles
    # (what each sees of a list: none of the rows, or, when its roles do not open the list
    # at all, FORBIDDEN)
    invitation_outsiders = {
        "another partner's admin agent": (northwind_admin, []),
        "another customer's global admin": (tailspin_admin, []),
        "the customer's user without admin roles": (contoso_user, "FORBIDDEN"),
        "the partner's helpdesk agent": (pair.helpdesk_agent, "FORBIDDEN"),
    }
    relationship_outsiders = {
        name: seen
        for name, seen in invitation_outsiders.items()
        if seen[0] is not pair.helpdesk_agent  # partner agents all see their relationships
    }

    # Then the sides see both invitations and the relationship (so an empty API would fail)
    both = sorted([pair.accepted_id, pair.pending_id])
    for insider in (pair.admin_agent, pair.sales_agent, pair.global_admin):
        assert sorted(await _ids(api, INVITATIONS, insider.token)) == both
        assert await _ids(api, INVITATIONS, insider.token, status="PENDING") == [pair.pending_id]
        assert await _ids(api, INVITATIONS, insider.token, status="ACCEPTED") == [pair.accepted_id]
        data = await api.query(INVITATION, {"id": pair.pending_id}, insider.token)
        assert data["invitation"] == {"id": pair.pending_id, "status": "PENDING"}
    for insider in (pair.admin_agent, pair.sales_agent, pair.helpdesk_agent, pair.global_admin):
        assert await _ids(api, RELATIONSHIPS, insider.token) == [pair.relationship_id]
        assert await _ids(api, RELATIONSHIPS, insider.token, status="ACTIVE") == [
            pair.relationship_id
        ]
        data = await api.query(RELATIONSHIP, {"id": pair.relationship_id}, insider.token)
        assert data["relationship"] == {"id": pair.relationship_id, "status": "ACTIVE"}

    # And no outsider sees an invitation, through the list (any status) or by its id
    for name, (outsider, nothing) in invitation_outsiders.items():
        for status in [None, *InvitationStatus]:
            listed = await _listed(api, INVITATIONS, outsider.token, status=status)
            assert listed == nothing, (name, status)
        for invitation_id in both:
            data = await api.query(INVITATION, {"id": invitation_id}, outsider.token)
            assert data["invitation"] is None, name

    # And no outsider sees the relationship, through the list (any status) or by its id
    for name, (outsider, nothing) in relationship_outsiders.items():
        for status in [None, *RelationshipStatus]:
            listed = await _listed(api, RELATIONSHIPS, outsider.token, status=status)
            assert listed == nothing, (name, status)
        data = await api.query(RELATIONSHIP, {"id": pair.relationship_id}, outsider.token)
        assert data["relationship"] is None, name

    # And an ID of another type does not open a door either
    data = await api.query(RELATIONSHIP, {"id": pair.pending_id}, pair.admin_agent.token)
    assert data["relationship"] is None
    data = await api.query(INVITATION, {"id": pair.relationship_id}, pair.admin_agent.token)
    assert data["invitation"] is None


async def test_outsiders_cannot_resend_or_cancel_the_partners_invitation(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Fabrikam's pending invitation addressed to Contoso
    pair = await given_a_pair(api, db, smtp_server, "Fabrikam", "Contoso", ["USER_ADMINISTRATOR"])
    northwind_admin = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    tailspin_admin = await f.person(await f.customer("Tailspin"), "GLOBAL_ADMINISTRATOR")
    contoso_user = await f.person(pair.customer)
    before = await _invitation_row(pair.pending_id)
    outbox_before = await OutboxMessage.all().count()

    # When each outsider tries to resend it, then to cancel it
    expected: dict[str, Outcome] = {
        # A partner agent who may manage invitations, but not this one: it does not exist for them
        "another partner's admin agent": ("NOT_FOUND", ["input", "id"]),
        # The others may not manage invitations at all
        "another customer's global admin": FORBIDDEN,
        "the customer's user without admin roles": FORBIDDEN,
        "the customer's global admin": FORBIDDEN,
        "the partner's helpdesk agent": FORBIDDEN,
    }
    people = {
        "another partner's admin agent": northwind_admin,
        "another customer's global admin": tailspin_admin,
        "the customer's user without admin roles": contoso_user,
        "the customer's global admin": pair.global_admin,
        "the partner's helpdesk agent": pair.helpdesk_agent,
    }
    for document in (RESEND, CANCEL):
        got = {
            name: await _outcome(api, document, {"input": {"id": pair.pending_id}}, who.token)
            for name, who in people.items()
        }
        # Then each is refused
        assert got == expected, document

    # And nothing changed: still PENDING, same link, nothing queued
    assert await _invitation_row(pair.pending_id) == before
    assert await OutboxMessage.all().count() == outbox_before
    data = await api.query(BY_TOKEN, {"token": pair.pending_token})
    assert data["invitationByToken"] == {"id": pair.pending_id, "status": "PENDING"}

    # While the partner's own sales agent may resend it (the door works for the right person)
    resent = await api.query(RESEND, {"input": {"id": pair.pending_id}}, pair.sales_agent.token)
    assert resent["resendInvitation"]["errors"] == []
    assert (await _invitation_row(pair.pending_id))["token_hash"] != before["token_hash"]


async def test_outsiders_cannot_remove_roles_or_end_the_relationship(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Fabrikam's active relationship with Contoso and its active grants
    pair = await given_a_pair(
        api, db, smtp_server, "Fabrikam", "Contoso", ["USER_ADMINISTRATOR", "SECURITY_READER"]
    )
    northwind_admin = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    tailspin_admin = await f.person(await f.customer("Tailspin"), "GLOBAL_ADMINISTRATOR")
    contoso_user = await f.person(pair.customer)
    grants_before = await _grant_statuses()
    assert {status for _, status in grants_before} == {"ACTIVE"}
    outbox_before = await OutboxMessage.all().count()
    people = {
        "another partner's admin agent": northwind_admin,
        "another customer's global admin": tailspin_admin,
        "the customer's user without admin roles": contoso_user,
        "the partner's helpdesk agent": pair.helpdesk_agent,
        "the partner's sales agent": pair.sales_agent,
    }

    # When each outsider tries to remove all roles, then one role
    variables: list[dict[str, Any]] = [
        {"input": {"relationshipId": pair.relationship_id}},
        {"input": {"relationshipId": pair.relationship_id, "roles": ["USER_ADMINISTRATOR"]}},
    ]
    for removal in variables:
        got = {
            name: await _outcome(api, f.REMOVE_ROLES, removal, who.token)
            for name, who in people.items()
        }
        # Then each is refused: another customer's admin does not even find the relationship
        assert got == {
            "another partner's admin agent": FORBIDDEN,
            "another customer's global admin": ("NOT_FOUND", ["input", "relationshipId"]),
            "the customer's user without admin roles": FORBIDDEN,
            "the partner's helpdesk agent": FORBIDDEN,
            "the partner's sales agent": FORBIDDEN,
        }

    # When each outsider tries to end it
    end = {"input": {"relationshipId": pair.relationship_id}}
    got = {name: await _outcome(api, f.END, end, who.token) for name, who in people.items()}
    # Then each is refused: another partner's admin agent does not find it
    assert got == {
        "another partner's admin agent": ("NOT_FOUND", ["input", "relationshipId"]),
        "another customer's global admin": FORBIDDEN,
        "the customer's user without admin roles": FORBIDDEN,
        "the partner's helpdesk agent": FORBIDDEN,
        "the partner's sales agent": FORBIDDEN,
    }
    # And the customer's own global admin may not end it either (only the partner may)
    assert await _outcome(api, f.END, end, pair.global_admin.token) == FORBIDDEN

    # And nothing changed: the relationship and every grant are still active, nothing queued
    assert await _grant_statuses() == grants_before
    assert await Relationship.filter(status=RelationshipStatus.ACTIVE).count() == 1
    assert await OutboxMessage.all().count() == outbox_before
    data = await api.query(
        "query($id: ID!) { relationship(id: $id) { status roleGrants { role status } } }",
        {"id": pair.relationship_id},
        pair.admin_agent.token,
    )
    assert data["relationship"] == {
        "status": "ACTIVE",
        "roleGrants": [
            {"role": role, "status": "ACTIVE"} for role in ("SECURITY_READER", "USER_ADMINISTRATOR")
        ],
    }

    # While the customer's global admin may remove a role (the door works for the right person)
    removed = await api.query(f.REMOVE_ROLES, variables[1], pair.global_admin.token)
    assert removed["removeRoles"]["errors"] == []


async def test_another_customer_cannot_answer_an_invitation_addressed_to_the_customer(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Fabrikam's pending invitation addressed to Contoso, and its link
    pair = await given_a_pair(api, db, smtp_server, "Fabrikam", "Contoso", ["USER_ADMINISTRATOR"])
    tailspin_admin = await f.person(await f.customer("Tailspin"), "GLOBAL_ADMINISTRATOR")
    northwind_admin = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    contoso_user = await f.person(pair.customer)
    before = await _invitation_row(pair.pending_id)
    relationships_before = await Relationship.all().count()
    outbox_before = await OutboxMessage.all().count()
    decline = {"input": {"token": pair.pending_token}}
    accept = {"input": {"token": pair.pending_token, "acceptAgreement": True}}

    # When another customer's global admin, holding the link, declines it or accepts it
    # Then it is the wrong organization
    wrong = ("WRONG_ORGANIZATION", ["input", "token"])
    assert await _outcome(api, DECLINE, decline, tailspin_admin.token) == wrong
    assert await _outcome(api, f.ACCEPT, accept, tailspin_admin.token) == wrong

    # And people who may not answer invitations at all are refused
    for who in (northwind_admin, contoso_user, pair.admin_agent):
        assert await _outcome(api, DECLINE, decline, who.token) == FORBIDDEN
        assert await _outcome(api, f.ACCEPT, accept, who.token) == FORBIDDEN

    # And nothing changed: still PENDING, same link, no relationship, no agreement, nothing queued
    assert await _invitation_row(pair.pending_id) == before
    assert await Relationship.all().count() == relationships_before
    assert await OutboxMessage.all().count() == outbox_before
    data = await api.query("query { relationships { totalCount } }", token=tailspin_admin.token)
    assert data["relationships"]["totalCount"] == 0
    data = await api.query(BY_TOKEN, {"token": pair.pending_token})
    assert data["invitationByToken"] == {"id": pair.pending_id, "status": "PENDING"}

    # While Contoso's own global admin may decline it
    declined = await api.query(DECLINE, decline, pair.global_admin.token)
    assert declined["declineInvitation"]["invitation"]["status"] == "DECLINED"


async def test_each_side_sees_only_its_own_pair_through_every_nested_field(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given two separate relationships: Fabrikam-Contoso and Northwind-Tailspin
    first = await given_a_pair(
        api, db, smtp_server, "Fabrikam", "Contoso", ["USER_ADMINISTRATOR", "SECURITY_READER"]
    )
    second = await given_a_pair(
        api, db, smtp_server, "Northwind", "Tailspin", ["EXCHANGE_ADMINISTRATOR", "REPORTS_READER"]
    )

    for own, other in ((first, second), (second, first)):
        for viewer in (own.admin_agent, own.sales_agent, own.helpdesk_agent, own.global_admin):
            # When a side of one relationship reads everything it can, asking for the other too
            data = await api.query(
                EVERYTHING,
                {
                    "own": own.relationship_id,
                    "foreign": other.relationship_id,
                    "foreignInvitation": other.pending_id,
                    # (the helpdesk agent's role does not open the invitations list)
                    "invitations": viewer is not own.helpdesk_agent,
                },
                viewer.token,
            )
            # Then its relationship shows only its own pair and its own grants
            relationship = data["own"]
            assert relationship["customer"]["name"] == own.customer.name
            assert relationship["partner"]["name"] == own.partner.name
            assert sorted(g["role"] for g in relationship["roleGrants"]) == sorted(own.roles)
            assert relationship["agreement"]["acceptedBy"]["email"] == own.global_admin.email
            # And its history, to the side's admins only (the others read no activity log)
            history = relationship["activity"]
            reads_activity = viewer in (own.admin_agent, own.global_admin)
            assert (history["totalCount"] > 0) is reads_activity, viewer.email
            assert {e["node"]["customer"]["name"] for e in history["edges"]} <= {own.customer.name}
            assert [e["node"] for e in data["relationships"]["edges"]] == [relationship]
            # And the other pair's relationship and invitation are simply absent
            assert data["foreign"] is None
            assert data["foreignInvitation"] is None
            # And nothing of the other pair appears anywhere in the answer
            text = json.dumps(data)
            leaked = [marker for marker in other.markers if marker in text]
            assert leaked == [], (viewer.email, leaked)
            # (while its own data is there, so the check is not vacuous)
            assert own.relationship_id in text
            assert own.customer_id in text


ACTIVITY = """
query($filter: ActivityFilter) {
  activity(first: 100, filter: $filter) { totalCount edges { node {
    id action objectId relationshipId changes requestId clientAddress
    actor { id email organization { id name } } actingOrganization { id name }
    customer { id name } partner { id name }
  } } }
}
"""


async def test_activity_shows_each_pair_only_its_own_history(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given two separate relationships: Fabrikam-Contoso and Northwind-Tailspin
    first = await given_a_pair(api, db, smtp_server, "Fabrikam", "Contoso", ["USER_ADMINISTRATOR"])
    second = await given_a_pair(
        api, db, smtp_server, "Northwind", "Tailspin", ["EXCHANGE_ADMINISTRATOR"]
    )

    for own, other in ((first, second), (second, first)):
        for admin in (own.admin_agent, own.global_admin):
            # When a side's admin reads the activity log, and asks for the other pair's
            # relationship and invitation by filter
            mine = await api.query(ACTIVITY, {}, admin.token)
            foreign = [
                await api.query(ACTIVITY, {"filter": {key: value}}, admin.token)
                for key, value in (
                    ("relationshipId", other.relationship_id),
                    ("objectId", other.pending_id),
                    ("objectId", other.accepted_id),
                )
            ]
            # Then it sees its own pair's history
            entries = [edge["node"] for edge in mine["activity"]["edges"]]
            assert {e["relationshipId"] for e in entries} >= {own.relationship_id}
            assert "invitation.accepted" in {e["action"] for e in entries}
            # And nothing of the other pair, through the list or the filters
            assert [page["activity"]["totalCount"] for page in foreign] == [0, 0, 0]
            text = json.dumps(mine)
            leaked = [marker for marker in other.markers if marker in text]
            assert leaked == [], (admin.email, leaked)
        # And the side's people who are not its admins may not open the log at all
        for not_admin in (own.sales_agent, own.helpdesk_agent):
            assert await api.error_code(ACTIVITY, {}, not_admin.token) == "FORBIDDEN"


WEBHOOK_ENDPOINTS = """
query($id: ID!) {
  webhookEndpoints(first: 100) { totalCount edges { node { id url
    deliveries(first: 100) { totalCount edges { node { id eventId } } } } } }
  webhookEndpoint(id: $id) { id url deliveries { totalCount } }
}
"""
ENDPOINT_BY_ID = "query($id: ID!) { webhookEndpoint(id: $id) { id url } }"
WEBHOOK_MUTATIONS = {
    "updateWebhookEndpoint": (
        'mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, description: "x", '
        "enabled: false}) { webhookEndpoint { id } errors { field code } } }"
    ),
    "rotateWebhookSecret": (
        "mutation($id: ID!) { rotateWebhookSecret(input: {id: $id}) "
        "{ webhookEndpoint { id } secret errors { field code } } }"
    ),
    "deleteWebhookEndpoint": (
        "mutation($id: ID!) { deleteWebhookEndpoint(input: {id: $id}) "
        "{ webhookEndpoint { id } errors { field code } } }"
    ),
}
REDELIVER = (
    "mutation($id: ID!) { redeliverWebhook(input: {deliveryId: $id}) "
    "{ delivery { id } errors { field code } } }"
)
CREATE_ENDPOINT = (
    "mutation($url: String!) { createWebhookEndpoint(input: {url: $url, "
    'eventTypes: ["invitation.sent"]}) { webhookEndpoint { id } secret errors { code } } }'
)


async def test_no_one_sees_or_manages_another_organizations_webhook_endpoints(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam's endpoint with a delivery queued (its invitation was sent)
    fabrikam = await f.partner("Fabrikam")
    owner = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    url = "https://8.8.8.8/fabrikam-hooks"
    created = await api.query(CREATE_ENDPOINT, {"url": url}, owner.token)
    endpoint_id = created["createWebhookEndpoint"]["webhookEndpoint"]["id"]
    contoso = await f.customer("Contoso")
    sent = await f.send(
        api, owner, customerEmail="it@contoso.com", customerId=encode_id("Organization", contoso.id)
    )
    assert sent["errors"] == []
    mine = await api.query(WEBHOOK_ENDPOINTS, {"id": endpoint_id}, owner.token)
    [edge] = mine["webhookEndpoints"]["edges"]
    [delivery] = [d["node"]["id"] for d in edge["node"]["deliveries"]["edges"]]
    assert mine["webhookEndpoint"]["deliveries"]["totalCount"] == 1

    # And people of other organizations, and of Fabrikam, who are not its admins
    others = {
        "another partner's admin agent": await f.person(
            await f.partner("Northwind"), PartnerRole.ADMIN_AGENT
        ),
        "the addressed customer's global admin": await f.person(contoso, "GLOBAL_ADMINISTRATOR"),
        "the partner's sales agent": await f.person(fabrikam, PartnerRole.SALES_AGENT),
        "the partner's helpdesk agent": await f.person(fabrikam, PartnerRole.HELPDESK_AGENT),
    }
    admins = {"another partner's admin agent", "the addressed customer's global admin"}
    for name, who in others.items():
        # When they list endpoints or ask for Fabrikam's by its ID
        body = await api.raw(WEBHOOK_ENDPOINTS, {"id": endpoint_id}, who.token)
        alone = await api.query(ENDPOINT_BY_ID, {"id": endpoint_id}, who.token)
        # Then another organization's admins see none, and the others may not list endpoints
        if name in admins:
            assert body["data"]["webhookEndpoints"] == {"totalCount": 0, "edges": []}, name
            assert body["data"]["webhookEndpoint"] is None, name
        else:
            assert body["data"] is None, name
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", name
        assert alone["webhookEndpoint"] is None, name
        assert url not in json.dumps(body)

        # When they try to change, rotate, delete it or redeliver its delivery
        for mutation, document in WEBHOOK_MUTATIONS.items():
            got = await _outcome(api, document, {"id": endpoint_id}, who.token)
            # Then another organization's admin does not find it; the others may not manage
            expected = ("NOT_FOUND", ["input", "id"]) if name in admins else FORBIDDEN
            assert got == expected, (name, mutation)
        got = await _outcome(api, REDELIVER, {"id": delivery}, who.token)
        expected = ("NOT_FOUND", ["input", "deliveryId"]) if name in admins else FORBIDDEN
        assert got == expected, name

    # And Fabrikam's endpoint is as it was, with its one delivery
    after = await api.query(WEBHOOK_ENDPOINTS, {"id": endpoint_id}, owner.token)
    assert after == mine
    endpoint = await WebhookEndpoint.get()
    assert (endpoint.enabled, endpoint.description) == (True, "")


async def test_without_a_token_only_the_public_queries_answer(
    api: GraphQLClient, db: Settings
) -> None:
    # Given the schema's queries
    query_type = build_schema(production=False)._schema.query_type
    assert query_type is not None
    public = {"roleDefinitions", "relationshipTypes", "invitationByToken", "viewer"}
    public |= PUBLIC_DIRECTORY_QUERIES
    public |= {"node"}  # answers as the ID's own by-id query does: tests/test_node.py
    # Whether an address signs in through its organization's provider, and its name: what
    # the sign-in page asks before anyone is signed in (tests/test_single_sign_on.py)
    public |= {"singleSignOnProvider"}
    # The API scopes a client may be given, and what each opens: catalog, like the roles
    public |= {"apiScopes"}
    assert public <= set(query_type.fields)

    # When each other query is asked without a token, with a well-formed or a malformed ID
    # Then it is UNAUTHENTICATED
    answers: dict[str, Any] = {}
    for name, definition in query_type.fields.items():
        if name in public:
            continue
        well_formed = encode_id(get_named_type(definition.type).name, uuid4())
        for an_id in (well_formed, "not-an-id"):
            body = await api.raw(_document("query", name, definition, an_id))
            answers[f"{name} with {an_id}"] = (
                (body["data"] or {}).get(name),
                [e["extensions"]["code"] for e in body.get("errors", [])],
            )
    assert answers == dict.fromkeys(answers, (None, ["UNAUTHENTICATED"]))

    # And the public ones answer
    data = await api.query(
        "query { viewer { id } roleDefinitions { key } relationshipTypes { type } "
        'invitationByToken(token: "nope") { id } node(id: "x") { id } }'
    )
    assert data["viewer"] is None
    assert data["node"] is None
    assert data["invitationByToken"] is None
    assert data["roleDefinitions"]
    assert data["relationshipTypes"]
    data = await api.query(
        'query { directoryVocabularies { facet } partners { totalCount } partner(id: "x") { id } }'
    )
    assert data["directoryVocabularies"]
    assert data["partners"] == {"totalCount": 0}
    assert data["partner"] is None


async def test_mutations_without_a_token_are_unauthenticated_and_write_nothing(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a customer and a partner with their people
    contoso = await f.customer("Contoso")
    await f.person(contoso, "GLOBAL_ADMINISTRATOR")
    mutation_type = build_schema(production=False)._schema.mutation_type
    assert mutation_type is not None

    # When each mutation is called without a token (or with a bad one)
    for token in (None, "ph_not-a-token"):
        for name, definition in mutation_type.fields.items():
            if name in PUBLIC_MUTATIONS and token is None:
                continue  # answered for visitors: see test_public_contact_me_...
            body = await api.raw(_document("mutation", name, definition), token=token)
            # Then it is UNAUTHENTICATED
            assert body["data"] is None, name
            assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"], name

    # And nothing was written
    assert await Invitation.all().count() == 0
    assert await Relationship.all().count() == 0
    assert await OutboxMessage.all().count() == 0


async def test_a_bad_or_revoked_token_is_unauthenticated_even_on_viewer(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a signed-in partner agent
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    data = await api.query(VIEWER, token=agent.token)
    assert data["viewer"]["email"] == agent.email

    # When a bad token is used, even viewer is UNAUTHENTICATED
    for bad in ("ph_" + "A" * 43, "not-a-partnerhub-token", agent.token[3:], agent.token + "x"):
        assert await api.error_code(VIEWER, token=bad) == "UNAUTHENTICATED", bad
        assert await api.error_code(RELATIONSHIPS, token=bad) == "UNAUTHENTICATED", bad
    # And a scheme other than Bearer is not accepted
    response = await api.http.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Basic {agent.token}"}
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    # When the token is revoked
    await ApiToken.filter(user_id=agent.user.id).update(revoked_at=utcnow())

    # Then it is refused everywhere
    assert await api.error_code(VIEWER, token=agent.token) == "UNAUTHENTICATED"
    assert await api.error_code(RELATIONSHIPS, token=agent.token) == "UNAUTHENTICATED"
    assert await api.error_code(INVITATIONS, token=agent.token) == "UNAUTHENTICATED"
    body = await _send_raw(api, agent.token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await Invitation.all().count() == 0


async def _send_raw(api: GraphQLClient, token: str) -> dict[str, Any]:
    """sendInvitation's raw answer for a valid GDAP request."""
    return await api.raw(
        f.SEND,
        {
            "input": {
                "customerEmail": "it@contoso.com",
                "type": "GDAP_PARTNER",
                "roles": ["USER_ADMINISTRATOR"],
                "durationDays": 30,
            }
        },
        token,
    )


# --------------------------------------------------------------------------- documents


def _value(type_: GraphQLInputType, an_id: str) -> str:
    """A literal of `type_` that passes validation; IDs are `an_id`."""
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type, an_id)
    if isinstance(type_, GraphQLList):
        return "[]"
    if isinstance(type_, GraphQLEnumType):
        return str(next(iter(type_.values)))
    if isinstance(type_, GraphQLInputObjectType):
        fields = ", ".join(
            f"{name}: {_value(f.type, an_id)}"
            for name, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull)
        )
        return "{" + fields + "}"
    assert isinstance(type_, GraphQLScalarType), type_
    return {"Int": "1", "Boolean": "true", "ID": json.dumps(an_id)}.get(type_.name, '"x"')


def _document(operation: str, name: str, definition: GraphQLField, an_id: str = "x") -> str:
    """A valid document calling field `name` with its required arguments."""
    args = ", ".join(
        f"{arg_name}: {_value(arg.type, an_id)}"
        for arg_name, arg in definition.args.items()
        if isinstance(arg.type, GraphQLNonNull)
    )
    call = f"{name}({args})" if args else name
    selection = "" if is_leaf_type(get_named_type(definition.type)) else " { __typename }"
    return f"{operation} {{ {call}{selection} }}"


# --------------------------------------------------------------------------- partner actions

PARTNER_SIDE = """
query($customerId: ID!) {
  mpsaPurchases(customerId: $customerId, first: 100) { totalCount edges { node {
    id productName partner { id name } } } }
  devices(customerId: $customerId, first: 100) { totalCount edges { node {
    id serialNumber hardwareHash registeredByPartner { id name } } } }
  lobApps(customerId: $customerId, first: 100) { totalCount edges { node {
    id name packageUrl submittedByPartner { id name } } } }
}
"""
CUSTOMER_SIDE = """
query($customerId: ID!) {
  customerSettings { shareMpsaPurchases }
  customer(id: $customerId) {
    purchases(first: 100) { totalCount edges { node { id productName partner { id name } } } }
    subscriptions(first: 100) { totalCount edges { node { id sku soldBy { id name } } } }
    devices(first: 100) { totalCount edges { node {
      id serialNumber hardwareHash registeredByPartner { id name } } } }
    apps(first: 100) { totalCount edges { node {
      id name description submittedByPartner { id name } } } }
  }
}
"""
SHARE_MPSA_PURCHASES = """
mutation { updateCustomerSettings(input: {shareMpsaPurchases: true}) { errors { code } } }
"""
CUSTOMER_LISTS = ("purchases", "subscriptions", "devices", "apps")


@dataclass
class Seller:
    """A partner holding every type that allows a partner action with one customer, and what
    it did for that customer."""

    partner: Organization
    customer: Organization
    agent: f.Person
    helpdesk: f.Person
    admin: f.Person
    subscription_id: str = ""
    app_id: str = ""
    markers: list[str] = field(default_factory=list)


async def given_a_seller(api: GraphQLClient, partner: str, customer: str) -> Seller:
    partner_org, customer_org = await f.partner(partner), await f.customer(customer)
    seller = Seller(
        partner=partner_org,
        customer=customer_org,
        agent=await f.person(partner_org, PartnerRole.ADMIN_AGENT),
        helpdesk=await f.person(partner_org, PartnerRole.HELPDESK_AGENT),
        admin=await f.person(customer_org, "GLOBAL_ADMINISTRATOR"),
    )
    await f.related(
        seller.agent,
        seller.admin,
        RelationshipType.RESELLER,
        RelationshipType.MPSA_PARTNER,
        RelationshipType.OEM,
        RelationshipType.LOB_PARTNER,
    )
    order = {"customerId": org_id(customer_org), "sku": "M365_E5", "quantity": 3}
    placed = (await api.query(PLACE_ORDER, {"input": order}, seller.agent.token))["placeOrder"]
    device = device_input(customer_org, serialNumber=f"SN-{partner}", model=f"Model {partner}")
    registered = await api.query(REGISTER_DEVICE, {"input": device}, seller.agent.token)
    app = app_input(customer_org, name=f"App of {partner}")
    submitted = await api.query(SUBMIT_APP, {"input": app}, seller.agent.token)
    await api.query(SHARE_MPSA_PURCHASES, token=seller.admin.token)
    seller.subscription_id = placed["subscription"]["id"]
    seller.app_id = submitted["submitLobApp"]["app"]["id"]
    seller.markers = [
        partner,
        customer,
        org_id(partner_org),
        org_id(customer_org),
        placed["purchase"]["id"],
        seller.subscription_id,
        registered["registerDevice"]["device"]["id"],
        device["serialNumber"],
        device["hardwareHash"],
        seller.app_id,
        app["name"],
    ]
    return seller


async def test_partner_actions_show_nothing_to_another_partner_or_customer(
    api: GraphQLClient, db: Settings
) -> None:
    # Given two separate worlds: Fabrikam sells to Contoso, Northwind to Tailspin
    first = await given_a_seller(api, "Fabrikam", "Contoso")
    second = await given_a_seller(api, "Northwind", "Tailspin")

    for own, other in ((first, second), (second, first)):
        # When the partner's agent reads everything it may about its own customer
        data = await api.query(PARTNER_SIDE, {"customerId": org_id(own.customer)}, own.agent.token)
        # Then it sees its own purchase, device and app (the check is not vacuous) ...
        assert [data[name]["totalCount"] for name in ("mpsaPurchases", "devices", "lobApps")] == [
            1,
            1,
            1,
        ]
        # ... and nothing of the other world
        text = json.dumps(data)
        assert [marker for marker in other.markers if marker in text] == []
        # When the customer's admin reads its own lists, Then the same holds
        own_customer = {"customerId": org_id(own.customer)}
        data = await api.query(CUSTOMER_SIDE, own_customer, own.admin.token)
        assert [data["customer"][name]["totalCount"] for name in CUSTOMER_LISTS] == [1, 1, 1, 1]
        text = json.dumps(data)
        assert [marker for marker in other.markers if marker in text] == []
        assert own.markers[0] in text
        assert own.markers[4] in text

        # When the partner's people ask about the other world's customer, Then FORBIDDEN
        foreign = {"customerId": org_id(other.customer)}
        for who in (own.agent, own.helpdesk, own.admin):
            body = await api.raw(PARTNER_SIDE, foreign, who.token)
            assert body["data"] is None
            assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
        # And every partner action on the other world is refused: FORBIDDEN for its customer,
        # NOT_FOUND for its subscription and app (they do not exist for this partner)
        attempts = {
            "place order": (
                PLACE_ORDER,
                {"input": {**foreign, "sku": "M365_E3", "quantity": 1, "idempotencyKey": "k"}},
            ),
            "register device": (REGISTER_DEVICE, {"input": device_input(other.customer)}),
            "submit app": (SUBMIT_APP, {"input": app_input(other.customer)}),
            "change subscription": (
                CHANGE_SUBSCRIPTION,
                {"input": {"subscriptionId": other.subscription_id, "action": "CANCEL"}},
            ),
            "update app": (UPDATE_APP, {"input": {"appId": other.app_id, "name": "Mine"}}),
        }
        got = {
            name: await _outcome(api, document, variables, own.agent.token)
            for name, (document, variables) in attempts.items()
        }
        assert got == {
            "place order": FORBIDDEN,
            "register device": FORBIDDEN,
            "submit app": FORBIDDEN,
            "change subscription": ("NOT_FOUND", ["input", "subscriptionId"]),
            "update app": ("NOT_FOUND", ["input", "appId"]),
        }

    # And people without the customer's admin roles read none of the customer's lists: the
    # customer is not theirs to see (its user without roles, the other world's admin), or,
    # for its partners' agents (no admin role granted here), each list is FORBIDDEN
    contoso_user = await f.person(first.customer)
    contoso = {"customerId": org_id(first.customer)}
    data = await api.raw(CUSTOMER_SIDE, contoso, contoso_user.token)
    assert data["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # customerSettings
    lists = (
        "query($customerId: ID!) { customer(id: $customerId) { "
        + " ".join(f"{name} {{ totalCount }}" for name in CUSTOMER_LISTS)
        + " } }"
    )
    for who in (contoso_user, second.admin):
        assert await api.query(lists, contoso, who.token) == {"customer": None}
    for who in (first.agent, first.helpdesk):
        body = await api.raw(lists, contoso, who.token)
        assert body["data"]["customer"] == dict.fromkeys(CUSTOMER_LISTS)
        assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}

    # And nothing of either world changed
    assert await Subscription.filter(status="ACTIVE").count() == 2
    assert sorted(app.name for app in await LobApp.all()) == ["App of Fabrikam", "App of Northwind"]
    assert await Purchase.all().count() == 2
    assert await Device.all().count() == 2


# ------------------------------------------------------ customer data and access assignments

CUSTOMER_DATA = """
query($own: ID!, $foreign: ID!, $foreignGroup: ID!, $groups: Boolean!) {
  customers(first: 100) { totalCount edges { node { ...customer } } }
  own: customer(id: $own) { ...customer }
  foreign: customer(id: $foreign) { ...customer }
  ownPages: billingPages(customerId: $own)
  foreignPages: billingPages(customerId: $foreign)
  securityGroups(first: 100) @include(if: $groups) { totalCount edges { node { ...group } } }
  foreignGroup: securityGroup(id: $foreignGroup) { ...group }
}
fragment customer on Customer {
  id name onBehalf roles capabilities billingPages
  users { totalCount edges { node { id displayName userPrincipalName
    passwordResetByPartner { id name } } } }
  subscriptions { totalCount edges { node { id offerName sku assignedLicenses
    soldBy { id name } } } }
  licenses { totalCount edges { node { id user { id userPrincipalName }
    subscription { id offerName } assignedByPartner { id name } } } }
  purchases { totalCount edges { node { id productName partner { id name } } } }
  billingNotifications { totalCount edges { node { id subject body } } }
  invoices { totalCount edges { node { id number } } }
  supportIncidents { totalCount edges { node { id title description openedBy
    openedByPartner { id name } } } }
  devices { totalCount edges { node { id serialNumber hardwareHash model
    registeredByPartner { id name } } } }
  apps { totalCount edges { node { id name packageUrl submittedByPartner { id name } } } }
  domains { totalCount edges { node { id name subscription { years } } } }
}
fragment group on SecurityGroup {
  id name members { id email } assignments { id role relationshipId customer { id name } }
}
"""
TENANT_LISTS = [
    "users",
    "subscriptions",
    "licenses",
    "purchases",
    "billingNotifications",
    "invoices",
    "supportIncidents",
    "devices",
    "apps",
    "domains",
]


@dataclass
class TenantPair:
    """A partner whose agent holds GLOBAL_ADMINISTRATOR over its customer through a group."""

    agent: f.Person
    admin_agent: f.Person
    global_admin: f.Person
    customer_id: str
    group_id: str
    data: f.Tenant
    markers: list[str]


async def _tenant_pair(partner_name: str, customer_name: str) -> TenantPair:
    partner, customer = await f.partner(partner_name), await f.customer(customer_name)
    mark = customer_name.lower()
    admin_agent = await f.person(partner, PartnerRole.ADMIN_AGENT, email=f"a@{mark}-p.test")
    agent = await f.person(partner, PartnerRole.HELPDESK_AGENT, email=f"h@{mark}-p.test")
    global_admin = await f.person(customer, "GLOBAL_ADMINISTRATOR", email=f"ga@{mark}.test")
    relationship = await f.granted(admin_agent, global_admin, ["GLOBAL_ADMINISTRATOR"])
    group = await f.group(admin_agent, f"Group {mark}", agent)
    await f.assign(group, relationship, "GLOBAL_ADMINISTRATOR")
    data = await f.tenant(customer, mark)
    # Rows a partner made for the customer, so that every nested partner field has a value
    for row, column in (
        (data.user, "password_reset_by_partner_id"),
        (data.subscription, "sold_by_id"),
        (data.license, "assigned_by_partner_id"),
        (data.purchase, "partner_id"),
        (data.incident, "opened_by_partner_id"),
        (data.device, "registered_by_partner_id"),
        (data.app, "submitted_by_partner_id"),
    ):
        await type(row).filter(id=row.id).update(**{column: partner.id})
    await data.incident.__class__.filter(id=data.incident.id).update(opened_by_id=agent.user.id)
    customer_id = str(encode_id("Organization", customer.id))
    group_id = str(encode_id("SecurityGroup", group.id))
    rows = (
        data.user,
        data.admin_user,
        data.subscription,
        data.license,
        data.purchase,
        data.notification,
        data.invoice,
        data.incident,
        data.device,
        data.app,
        data.domain,
    )
    markers = [
        mark,
        partner_name,
        customer_id,
        group_id,
        str(encode_id("Organization", partner.id)),
        str(encode_id("Relationship", relationship.id)),
        admin_agent.email,
        agent.email,
        *(str(encode_id(type(row).__name__, row.id)) for row in rows),
    ]
    return TenantPair(agent, admin_agent, global_admin, customer_id, group_id, data, markers)


async def test_each_side_sees_only_its_own_customer_data_and_groups(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam serving Contoso and Northwind serving Tailspin, each with tenant data
    first = await _tenant_pair("Fabrikam", "Contoso")
    second = await _tenant_pair("Northwind", "Tailspin")

    for own, other in ((first, second), (second, first)):
        for viewer in (own.agent, own.global_admin):
            # When a viewer reads everything it can, asking for the other pair's too
            variables = {
                "own": own.customer_id,
                "foreign": other.customer_id,
                "foreignGroup": other.group_id,
                # (security groups are a partner's: a customer's admin may not list them)
                "groups": viewer is own.agent,
            }
            body = await api.raw(CUSTOMER_DATA, variables, viewer.token)
            data = body["data"]

            # Then its own customer shows every list it may read, each with its own row
            # (a partner never reads the customer's invoices and purchases)
            refused = {"invoices", "purchases"} if viewer is own.agent else set()
            assert {
                (e["path"][0], e["path"][-1], e["extensions"]["code"])
                for e in body.get("errors", [])
            } == {(top, name, "FORBIDDEN") for top in ("own", "customers") for name in refused}
            customer = data["own"]
            for name in TENANT_LISTS:
                if name in refused:
                    assert customer[name] is None
                else:
                    assert customer[name]["totalCount"] >= 1, name
            assert [e["node"] for e in data["customers"]["edges"]] == [customer]
            assert data["ownPages"]
            # And the other pair's customer, pages and group are simply absent
            assert data["foreign"] is None
            assert data["foreignPages"] == []
            assert data["foreignGroup"] is None
            # And nothing of the other pair appears anywhere in the answer
            text = json.dumps(data)
            leaked = [marker for marker in other.markers if marker in text]
            assert leaked == [], (viewer.email, leaked)
            assert own.customer_id in text
        # And the partner's agents see its group; the customer's admin may not list groups,
        # and does not find the group by its ID
        groups = """query($id: ID!) { securityGroups { totalCount edges { node { id } } }
                    securityGroup(id: $id) { id } }"""
        assert await api.error_code(groups, {"id": own.group_id}, own.global_admin.token) == (
            "FORBIDDEN"
        )
        alone = "query($id: ID!) { securityGroup(id: $id) { id } }"
        seen = await api.query(alone, {"id": own.group_id}, own.global_admin.token)
        assert seen == {"securityGroup": None}
        seen = await api.query(groups, {"id": own.group_id}, own.agent.token)
        assert seen == {
            "securityGroups": {"totalCount": 1, "edges": [{"node": {"id": own.group_id}}]},
            "securityGroup": {"id": own.group_id},
        }


async def test_no_one_acts_on_another_organizations_customer_data(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam serving Contoso, and Northwind serving Tailspin
    first = await _tenant_pair("Fabrikam", "Contoso")
    second = await _tenant_pair("Northwind", "Tailspin")
    contoso_user = await f.person(
        await Organization.get(id=decode_id("Organization", first.customer_id))
    )
    data = first.data
    user_id = str(encode_id("User", data.user.id))
    license_ = {
        "customerId": first.customer_id,
        "subscriptionId": str(encode_id("Subscription", data.subscription.id)),
        "userId": str(encode_id("User", data.admin_user.id)),
    }
    attempts: dict[str, tuple[str, dict[str, Any]]] = {
        "reset": (
            "mutation($input: ResetUserPasswordInput!) { resetUserPassword(input: $input) "
            "{ user { id } errors { code } } }",
            {"customerId": first.customer_id, "userId": user_id},
        ),
        "incident": (
            "mutation($input: CreateSupportIncidentInput!) { createSupportIncident(input: "
            "$input) { supportIncident { id } errors { code } } }",
            {"customerId": first.customer_id, "title": "x", "description": "y", "severity": "LOW"},
        ),
        "assign": (
            "mutation($input: LicenseInput!) { assignLicense(input: $input) "
            "{ subscription { id } errors { code } } }",
            license_,
        ),
        "unassign": (
            "mutation($input: LicenseInput!) { unassignLicense(input: $input) "
            "{ subscription { id } errors { code } } }",
            license_ | {"userId": user_id},
        ),
        "domain": (
            "mutation($input: PurchaseDomainSubscriptionInput!) { purchaseDomainSubscription("
            "input: $input) { domain { id } errors { code } } }",
            {"customerId": first.customer_id, "domainName": "contoso.shop", "years": 1},
        ),
    }
    group_attempts: dict[str, tuple[str, dict[str, Any]]] = {
        "rename": (
            "mutation($input: RenameSecurityGroupInput!) { renameSecurityGroup(input: $input) "
            "{ securityGroup { id } errors { field code } } }",
            {"groupId": first.group_id, "name": "Mine"},
        ),
        "delete": (
            "mutation($input: SecurityGroupIdInput!) { deleteSecurityGroup(input: $input) "
            "{ securityGroup { id } errors { field code } } }",
            {"groupId": first.group_id},
        ),
        "add member": (
            "mutation($input: SecurityGroupMemberInput!) { addSecurityGroupMember(input: "
            "$input) { securityGroup { id } errors { field code } } }",
            {"groupId": first.group_id, "userId": str(encode_id("User", second.agent.user.id))},
        ),
    }

    # When people of the other pair, or Contoso's user without admin roles, try to act
    # Then each customer-data action is FORBIDDEN
    for who in (second.agent, second.admin_agent, second.global_admin, contoso_user):
        for name, (document, value) in attempts.items():
            assert await _outcome(api, document, {"input": value}, who.token) == FORBIDDEN, name
    # And Northwind's admin agent does not find Fabrikam's group
    for name, (document, value) in group_attempts.items():
        outcome = await _outcome(api, document, {"input": value}, second.admin_agent.token)
        assert outcome == ("NOT_FOUND", ["input", "groupId"]), name

    # And nothing changed
    user = await type(data.user).get(id=data.user.id)
    assert user.password_reset_at is None
    assert await type(data.incident).all().count() == 2
    assert await type(data.license).all().count() == 2
    assert await type(data.domain).filter(name="contoso.shop").count() == 0
    group = await SecurityGroup.get(id=decode_id("SecurityGroup", first.group_id))
    assert group.name == "Group contoso"
    assert await SecurityGroupMember.filter(group_id=group.id).count() == 1


# --------------------------------------------------------------------------- directory, leads

LEADS = "query { leads(first: 100) { totalCount edges { node { id contactName } } } }"
LEAD = "query($id: ID!) { lead(id: $id) { id contactName invitation { id } } }"
UPDATE_PROFILE = """
mutation($input: UpdatePartnerProfileInput!) {
  updatePartnerProfile(input: $input) { partner { id name description } errors { code } }
}
"""


async def test_public_contact_me_answers_visitors_and_a_bad_token_is_still_refused(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a listed partner
    fabrikam, admin = await f.listed_partner("Fabrikam")

    # When a visitor with a bad token sends Contact me, it is UNAUTHENTICATED, as everywhere
    body = await api.raw(f.CONTACT, {"input": f.contact_form(fabrikam)}, "ph_not-a-token")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert await api.error_code("query { partners { totalCount } }", token="ph_x") == (
        "UNAUTHENTICATED"
    )
    assert await OutboxMessage.all().count() == 0

    # When a visitor without a token sends it, it is taken
    assert (await f.contact(api, fabrikam))["errors"] == []
    data = await api.query(LEADS, token=admin.token)
    assert data["leads"]["totalCount"] == 1


async def test_another_partner_sees_none_of_the_leads_and_cannot_edit_the_profile(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam with a published profile and a lead, and Northwind with its own
    fabrikam, fabrikam_admin = await f.listed_partner(
        "Fabrikam", description="Fabrikam's own words."
    )
    fabrikam_sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    northwind, northwind_admin = await f.listed_partner("Northwind")
    northwind_sales = await f.person(northwind, PartnerRole.SALES_AGENT)
    assert (await f.contact(api, fabrikam, contactName="Secret Visitor"))["errors"] == []
    [edge] = (await api.query(LEADS, token=fabrikam_sales.token))["leads"]["edges"]
    lead_id = edge["node"]["id"]

    # Then Northwind's agents see none of Fabrikam's leads, by list or by ID
    for who in (northwind_admin, northwind_sales):
        data = await api.query(LEADS, token=who.token)
        assert data["leads"] == {"totalCount": 0, "edges": []}
        assert (await api.query(LEAD, {"id": lead_id}, who.token))["lead"] is None
        for status in ("NEW", "CONTACTED", "INVITED", "CLOSED"):
            data = await api.query(
                "query($s: LeadStatus) { leads(status: $s) { totalCount } }",
                {"s": status},
                who.token,
            )
            assert data["leads"]["totalCount"] == 0
    # And customers may not list leads at all
    contoso_admin = await f.person(await f.customer("Contoso"), "GLOBAL_ADMINISTRATOR")
    assert await api.error_code(LEADS, token=contoso_admin.token) == "FORBIDDEN"

    # When Northwind's admin edits "the" profile, it edits Northwind's only
    changed = await api.query(
        UPDATE_PROFILE, {"input": {"description": "Taken over."}}, northwind_admin.token
    )
    assert changed["updatePartnerProfile"]["partner"]["name"] == "Northwind"
    data = await api.query(
        "query($id: ID!) { partner(id: $id) { description } }", {"id": f.partner_id(fabrikam)}
    )
    assert data["partner"] == {"description": "Fabrikam's own words."}
    # (while Fabrikam's own admin reads its lead: the check is not vacuous)
    data = await api.query(LEAD, {"id": lead_id}, fabrikam_admin.token)
    assert data["lead"]["contactName"] == "Secret Visitor"


# ------------------------------------------------- an organization's own profile and people

ORGANIZATION_SIDES = """
query {
  viewer { organization { id ...own } }
  relationships(first: 100) { edges { node { customer { ...own } partner { ...own } } } }
  invitations(first: 100) { edges { node { customer { ...own } partner { ...own } } } }
}
fragment own on Organization {
  name partnerProfile { id description }
  members(first: 100) { totalCount edges { node { id email } } }
}
"""


async def test_only_an_organizations_own_people_see_its_profile_and_members(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam (an unpublished profile, two agents) related to Contoso,
    # and Northwind, another partner, related to Contoso too
    fabrikam, fabrikam_admin = await f.listed_partner("Fabrikam", published=False)
    fabrikam_sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    _, northwind_admin = await f.listed_partner("Northwind", published=False)
    contoso = await f.customer("Contoso")
    contoso_admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR")
    await f.granted(fabrikam_admin, contoso_admin, ["USER_ADMINISTRATOR"])
    await f.granted(northwind_admin, contoso_admin, ["USER_ADMINISTRATOR"])

    def seen(data: dict[str, Any]) -> dict[str, tuple[Any, int]]:
        """Each organization reached, by name: its profile and how many members it shows."""
        orgs = [data["viewer"]["organization"]]
        for list_ in ("relationships", "invitations"):
            for edge in data[list_]["edges"]:
                orgs += [edge["node"]["customer"], edge["node"]["partner"]]
        found: dict[str, tuple[Any, int]] = {}
        for org in orgs:
            members = org["members"]
            assert members["totalCount"] == len(members["edges"])
            got = (org["partnerProfile"], members["totalCount"])
            assert found.setdefault(org["name"], got) == got, org["name"]
        return found

    # When each reads every organization it reaches
    fabrikams = seen(await api.query(ORGANIZATION_SIDES, token=fabrikam_sales.token))
    northwinds = seen(await api.query(ORGANIZATION_SIDES, token=northwind_admin.token))
    contosos = seen(await api.query(ORGANIZATION_SIDES, token=contoso_admin.token))

    # Then each sees its own profile and people only
    fabrikam_profile = {
        "id": f.partner_id(fabrikam),
        "description": "Fabrikam helps organizations move to the cloud.",
    }
    assert fabrikams == {"Fabrikam": (fabrikam_profile, 2), "Contoso": (None, 0)}
    assert northwinds["Northwind"][1] == 1
    assert northwinds["Contoso"] == (None, 0)
    assert "Fabrikam" not in northwinds
    assert contosos == {"Contoso": (None, 1), "Fabrikam": (None, 0), "Northwind": (None, 0)}
