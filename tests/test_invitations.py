"""Invitations through the GraphQL API: what is refused, who may do what.

The page the email links to is the web console's (tests/test_console_browser.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from arq.constants import default_queue_name

from models.foundation.clock import utcnow
from models.foundation.ids import decode_id, encode_id
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.invitations import Invitation
from models.tables.outbox import OutboxMessage
from models.tables.relationships import AgreementAcceptance, Relationship
from tests import factories as f
from tests.flows import invite
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link, run_jobs, text_of
from tests.servers import RedisServer, SmtpServer

GA = AdminRole.GLOBAL_ADMINISTRATOR
BILLING = AdminRole.BILLING_ADMINISTRATOR
PRA = AdminRole.PRIVILEGED_ROLE_ADMINISTRATOR

INVITATION = """
query($id: ID!) { invitation(id: $id) {
  id status emailStatus type roles durationDays autoExtend createdAt expiresAt acceptedAt
  customer { id name }
} }
"""

BY_TOKEN = """
query($token: String!) { invitationByToken(token: $token) {
  id status type roles durationDays customerEmail message partner { name }
} }
"""

INVITATIONS = """
query($status: InvitationStatus) { invitations(first: 100, status: $status) {
  totalCount edges { node { id status } }
} }
"""

RESEND = """
mutation($input: InvitationIdInput!) { resendInvitation(input: $input) {
  invitation { id status emailStatus expiresAt } errors { field message code }
} }
"""

CANCEL = """
mutation($input: InvitationIdInput!) { cancelInvitation(input: $input) {
  invitation { id status } errors { field message code }
} }
"""

DECLINE = """
mutation($input: InvitationTokenInput!) { declineInvitation(input: $input) {
  invitation { id status customer { name } } errors { field message code }
} }
"""

RELATIONSHIPS = "query { relationships(first: 10) { totalCount edges { node { id types } } } }"

VIEWER_ORG = "query { viewer { organization { id } } }"


# ----------------------------------------------------------------------------- helpers


async def parties() -> tuple[f.Person, f.Person]:
    """A partner's admin agent at Fabrikam and a customer's global admin at Contoso."""
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    admin = await f.person(await f.customer("Contoso"), GA)
    return agent, admin


async def invitation(api: GraphQLClient, agent: f.Person, id_: str) -> dict[str, Any]:
    data = await api.query(INVITATION, {"id": id_}, agent.token)
    found: dict[str, Any] = data["invitation"]
    return found


async def by_token(api: GraphQLClient, token: str) -> dict[str, Any] | None:
    data = await api.query(BY_TOKEN, {"token": token})
    found: dict[str, Any] | None = data["invitationByToken"]
    return found


async def org_id(api: GraphQLClient, someone: f.Person) -> str:
    data = await api.query(VIEWER_ORG, token=someone.token)
    value: str = data["viewer"]["organization"]["id"]
    return value


async def relationship_count(api: GraphQLClient, admin: f.Person) -> int:
    data = await api.query(RELATIONSHIPS, token=admin.token)
    count: int = data["relationships"]["totalCount"]
    return count


def uuid_of(invitation_id: str) -> UUID:
    found = decode_id("Invitation", invitation_id)
    assert found is not None
    return found


async def expire(invitation_id: str) -> None:
    """Move an invitation's end of open period into the past (the API cannot)."""
    await Invitation.filter(id=uuid_of(invitation_id)).update(
        expires_at=utcnow() - timedelta(minutes=1)
    )


async def stored(redis_server: RedisServer) -> tuple[int, int, bytes]:
    """Invitation rows, outbox rows, and jobs waiting in the arq queue."""
    return (
        await Invitation.all().count(),
        await OutboxMessage.all().count(),
        redis_server.command("ZCARD", default_queue_name),
    )


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def codes(errors: list[dict[str, Any]]) -> set[tuple[tuple[str, ...], str]]:
    return {(tuple(e["field"]), e["code"]) for e in errors}


async def mutate(
    api: GraphQLClient, document: str, name: str, input_: dict[str, Any], who: f.Person
) -> dict[str, Any]:
    data = await api.query(document, {"input": input_}, who.token)
    payload: dict[str, Any] = data[name]
    return payload


# ------------------------------------------------------------------ 1. input validation

NO_ROLE_TYPES = [
    "ADVISOR",
    "ISV",
    "INDIRECT_RESELLER",
    "LOB_PARTNER",
    "MPSA_PARTNER",
    "OEM",
    "RESELLER",
]
NON_GDAP = {"roles": None, "durationDays": None}

REFUSED: list[Any] = [
    *[
        pytest.param(
            {"type": t, "roles": ["USER_ADMINISTRATOR"], "durationDays": None},
            "roles",
            "ROLES_NOT_ALLOWED",
            id=f"roles-on-{t}",
        )
        for t in NO_ROLE_TYPES
    ],
    pytest.param(
        {"type": "ADVISOR", "roles": ["GLOBAL_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"]}
        | {"durationDays": None},
        "roles",
        "ROLES_NOT_ALLOWED",
        id="advisor-naming-its-own-fixed-roles",
    ),
    pytest.param({"roles": None}, "roles", "ROLES_REQUIRED", id="gdap-without-roles"),
    pytest.param({"roles": []}, "roles", "ROLES_REQUIRED", id="gdap-with-empty-roles"),
    pytest.param(
        {"type": "PARTNER", "roles": None, "durationDays": None},
        "roles",
        "ROLES_REQUIRED",
        id="partner-without-roles",
    ),
    pytest.param(
        {"type": "PARTNER", "roles": [], "durationDays": None},
        "roles",
        "ROLES_REQUIRED",
        id="partner-with-empty-roles",
    ),
    pytest.param({"durationDays": 0}, "durationDays", "INVALID_DURATION", id="duration-0"),
    pytest.param({"durationDays": 731}, "durationDays", "INVALID_DURATION", id="duration-731"),
    pytest.param({"durationDays": -1}, "durationDays", "INVALID_DURATION", id="duration-negative"),
    pytest.param(
        {"type": "RESELLER", **NON_GDAP, "durationDays": 30},
        "durationDays",
        "INVALID_DURATION",
        id="duration-on-reseller",
    ),
    pytest.param(
        {"type": "PARTNER", "durationDays": 30},
        "durationDays",
        "INVALID_DURATION",
        id="duration-on-partner",
    ),
    pytest.param(
        {"type": "ADVISOR", **NON_GDAP, "durationDays": 30},
        "durationDays",
        "INVALID_DURATION",
        id="duration-on-advisor",
    ),
    pytest.param(
        {"roles": ["GLOBAL_ADMINISTRATOR"], "autoExtend": True},
        "autoExtend",
        "AUTO_EXTEND_NOT_ALLOWED",
        id="auto-extend-with-global-admin",
    ),
    pytest.param(
        {"roles": ["USER_ADMINISTRATOR", "GLOBAL_ADMINISTRATOR"], "autoExtend": True},
        "autoExtend",
        "AUTO_EXTEND_NOT_ALLOWED",
        id="auto-extend-with-global-admin-among-others",
    ),
    pytest.param(
        {"type": "RESELLER", **NON_GDAP, "autoExtend": True},
        "autoExtend",
        "AUTO_EXTEND_NOT_ALLOWED",
        id="auto-extend-on-reseller",
    ),
    pytest.param(
        {"type": "PARTNER", "durationDays": None, "autoExtend": True},
        "autoExtend",
        "AUTO_EXTEND_NOT_ALLOWED",
        id="auto-extend-on-partner",
    ),
    pytest.param(
        {"type": "ADVISOR", **NON_GDAP, "autoExtend": True},
        "autoExtend",
        "AUTO_EXTEND_NOT_ALLOWED",
        id="auto-extend-on-advisor",
    ),
    pytest.param({"expiresInDays": 0}, "expiresInDays", "INVALID_INPUT", id="open-0-days"),
    pytest.param({"expiresInDays": 91}, "expiresInDays", "INVALID_INPUT", id="open-91-days"),
    pytest.param(
        {"customerEmail": "not-an-email"}, "customerEmail", "INVALID_INPUT", id="email-no-at"
    ),
    pytest.param(
        {"customerEmail": "it@contoso"}, "customerEmail", "INVALID_INPUT", id="email-no-domain"
    ),
    pytest.param({"customerEmail": ""}, "customerEmail", "INVALID_INPUT", id="email-empty"),
    pytest.param({"message": "x" * 2001}, "message", "INVALID_INPUT", id="message-2001-chars"),
    pytest.param(
        {"customerId": encode_id("Organization", uuid4())},
        "customerId",
        "NOT_FOUND",
        id="unknown-customer",
    ),
    pytest.param({"customerId": "nonsense"}, "customerId", "NOT_FOUND", id="malformed-customer"),
]


@pytest.mark.parametrize(("fields", "field", "code"), REFUSED)
async def test_a_bad_request_is_refused_naming_its_field_and_stores_nothing(
    api: GraphQLClient,
    db: Settings,
    redis_server: RedisServer,
    fields: dict[str, Any],
    field: str,
    code: str,
) -> None:
    # Given a partner agent who already sent one invitation (one row, one job queued)
    agent, _ = await parties()
    assert (await f.send(api, agent))["errors"] == []
    before = await stored(redis_server)
    assert before == (1, 1, b":1")

    # When the agent sends a bad request
    sent = await f.send(api, agent, **fields)

    # Then it is refused with one error naming the field, and nothing is stored or queued
    assert sent["invitation"] is None
    assert [(e["field"], e["code"]) for e in sent["errors"]] == [(["input", field], code)]
    assert all(e["message"] for e in sent["errors"])
    assert await stored(redis_server) == before


async def test_a_partner_organization_is_not_a_customer_to_address(
    api: GraphQLClient, db: Settings, redis_server: RedisServer
) -> None:
    # Given a partner agent, whose own organization is a partner
    agent, _ = await parties()
    before = await stored(redis_server)

    # When it addresses the invitation to a partner organization
    sent = await f.send(api, agent, customerId=await org_id(api, agent))

    # Then the customer is not found and nothing is stored
    assert sent["invitation"] is None
    assert codes(sent["errors"]) == {(("input", "customerId"), "NOT_FOUND")}
    assert await stored(redis_server) == before


async def test_every_refusal_of_a_request_comes_back_together(
    api: GraphQLClient, db: Settings, redis_server: RedisServer
) -> None:
    # Given a partner agent
    agent, _ = await parties()
    before = await stored(redis_server)

    # When the request breaks many rules at once
    sent = await f.send(
        api,
        agent,
        type="ISV",
        customerEmail="nobody",
        roles=["USER_ADMINISTRATOR"],
        durationDays=30,
        autoExtend=True,
        message="y" * 2001,
        expiresInDays=91,
    )

    # Then each one is reported next to its field, and nothing is stored
    assert sent["invitation"] is None
    assert codes(sent["errors"]) == {
        (("input", "customerEmail"), "INVALID_INPUT"),
        (("input", "roles"), "ROLES_NOT_ALLOWED"),
        (("input", "durationDays"), "INVALID_DURATION"),
        (("input", "autoExtend"), "AUTO_EXTEND_NOT_ALLOWED"),
        (("input", "message"), "INVALID_INPUT"),
        (("input", "expiresInDays"), "INVALID_INPUT"),
    }
    assert len(sent["errors"]) == 6
    assert await stored(redis_server) == before


async def test_gdap_errors_on_duration_roles_and_open_period_come_back_together(
    api: GraphQLClient, db: Settings, redis_server: RedisServer
) -> None:
    # Given a partner agent
    agent, _ = await parties()
    before = await stored(redis_server)

    # When a GDAP request has no roles, a duration too long and an open period too short
    sent = await f.send(api, agent, roles=None, durationDays=731, expiresInDays=0)

    # Then all three are reported
    assert codes(sent["errors"]) == {
        (("input", "roles"), "ROLES_REQUIRED"),
        (("input", "durationDays"), "INVALID_DURATION"),
        (("input", "expiresInDays"), "INVALID_INPUT"),
    }
    assert await stored(redis_server) == before


async def test_an_unknown_role_is_refused_by_the_schema(
    api: GraphQLClient, db: Settings, redis_server: RedisServer
) -> None:
    # Given a partner agent
    agent, _ = await parties()
    before = await stored(redis_server)

    # When the request names a role the catalog does not have
    body = await api.raw(
        f.SEND,
        {
            "input": {
                "customerEmail": "it@contoso.com",
                "type": "GDAP_PARTNER",
                "roles": ["USER_ADMINISTRATOR", "SUPREME_LEADER"],
            }
        },
        agent.token,
    )

    # Then GraphQL refuses the enum value at the top level, and nothing is stored
    assert body.get("data") is None
    [error] = body["errors"]
    assert "SUPREME_LEADER" in error["message"]
    assert "AdminRole" in error["message"]
    assert await stored(redis_server) == before


# ------------------------------------------------------------ 2. defaults and type rules


async def test_an_advisor_invitation_carries_its_fixed_roles_and_no_duration(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner agent
    agent, _ = await parties()

    # When it sends an ADVISOR invitation without roles
    sent = await f.send(api, agent, type="ADVISOR", **NON_GDAP)

    # Then the invitation carries exactly Global and Helpdesk Administrator, with no duration
    assert sent["errors"] == []
    assert sorted(sent["invitation"]["roles"]) == ["GLOBAL_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"]
    assert sent["invitation"]["durationDays"] is None
    assert sent["invitation"]["autoExtend"] is False


async def test_a_gdap_invitation_lasts_730_days_and_stays_open_90_days_by_default(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner agent
    agent, _ = await parties()

    # When it sends a GDAP invitation naming neither duration nor open period
    sent = await f.send(api, agent, durationDays=None)

    # Then the duration is 730 days and the invitation stays open 90 days from its creation
    assert sent["errors"] == []
    found = await invitation(api, agent, sent["invitation"]["id"])
    assert found["durationDays"] == 730
    assert found["status"] == "PENDING"
    open_for = at(found["expiresAt"]) - at(found["createdAt"])
    assert abs(open_for - timedelta(days=90)) < timedelta(seconds=1)


async def test_a_role_asked_for_twice_is_asked_for_once(api: GraphQLClient, db: Settings) -> None:
    # Given a partner agent
    agent, _ = await parties()

    # When it names a role twice
    sent = await f.send(
        api, agent, roles=["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR", "USER_ADMINISTRATOR"]
    )

    # Then the invitation carries each role once
    assert sent["errors"] == []
    assert sent["invitation"]["roles"] == ["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"]


async def test_the_open_period_is_the_one_asked_for(api: GraphQLClient, db: Settings) -> None:
    # Given a partner agent
    agent, _ = await parties()

    # When it asks for a 7-day open period
    sent = await f.send(api, agent, expiresInDays=7)

    # Then the invitation expires 7 days after its creation
    found = await invitation(api, agent, sent["invitation"]["id"])
    open_for = at(found["expiresAt"]) - at(found["createdAt"])
    assert abs(open_for - timedelta(days=7)) < timedelta(seconds=1)


VALID_BY_TYPE = [
    pytest.param(
        {"type": "ADVISOR", **NON_GDAP},
        ["GLOBAL_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"],
        None,
        id="ADVISOR",
    ),
    *[
        pytest.param({"type": t, **NON_GDAP}, [], None, id=t)
        for t in NO_ROLE_TYPES
        if t != "ADVISOR"
    ],
    pytest.param(
        {"type": "PARTNER", "roles": ["USER_ADMINISTRATOR", "LICENSE_ADMINISTRATOR"]}
        | {"durationDays": None},
        ["LICENSE_ADMINISTRATOR", "USER_ADMINISTRATOR"],
        None,
        id="PARTNER",
    ),
    pytest.param(
        {"type": "GDAP_PARTNER", "roles": ["SECURITY_READER"], "durationDays": 30}
        | {"autoExtend": True},
        ["SECURITY_READER"],
        30,
        id="GDAP_PARTNER",
    ),
]


@pytest.mark.parametrize(("fields", "roles", "duration"), VALID_BY_TYPE)
async def test_every_type_can_be_sent_with_a_valid_combination(
    api: GraphQLClient,
    db: Settings,
    fields: dict[str, Any],
    roles: list[str],
    duration: int | None,
) -> None:
    # Given a partner agent
    agent, _ = await parties()

    # When it sends an invitation of the type, with what the type takes
    sent = await f.send(api, agent, customerEmail="it@contoso.com", **fields)

    # Then it is pending, queued for email, with the type's roles and duration
    assert sent["errors"] == []
    created = sent["invitation"]
    assert created["type"] == fields["type"]
    assert created["status"] == "PENDING"
    assert created["emailStatus"] == "QUEUED"
    assert sorted(created["roles"]) == roles
    assert created["durationDays"] == duration
    assert created["autoExtend"] is bool(fields.get("autoExtend"))
    assert created["customerEmail"] == "it@contoso.com"
    assert created["partner"]["name"] == "Fabrikam"


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"durationDays": 1}, id="duration-1"),
        pytest.param({"durationDays": 730}, id="duration-730"),
        pytest.param({"expiresInDays": 1}, id="open-1-day"),
        pytest.param({"expiresInDays": 90}, id="open-90-days"),
        pytest.param({"message": "m" * 2000}, id="message-2000-chars"),
        pytest.param({"roles": ["GLOBAL_ADMINISTRATOR"], "autoExtend": False}, id="ga-no-extend"),
    ],
)
async def test_the_bounds_themselves_are_accepted(
    api: GraphQLClient, db: Settings, fields: dict[str, Any]
) -> None:
    # Given a partner agent
    agent, _ = await parties()

    # When the request sits exactly on a bound
    sent = await f.send(api, agent, **fields)

    # Then it is accepted
    assert sent["errors"] == []
    assert sent["invitation"]["status"] == "PENDING"


# ---------------------------------------------------------------------- 3. who may send


@pytest.mark.parametrize("role", [PartnerRole.ADMIN_AGENT, PartnerRole.SALES_AGENT])
async def test_admin_and_sales_agents_may_send(
    api: GraphQLClient, db: Settings, role: PartnerRole
) -> None:
    # Given a partner agent holding the role
    agent = await f.person(await f.partner(), role)

    # When it sends an invitation
    sent = await f.send(api, agent)

    # Then it is sent
    assert sent["errors"] == []
    assert sent["invitation"]["status"] == "PENDING"
    assert await Invitation.all().count() == 1


@pytest.mark.parametrize(
    ("kind", "roles"),
    [
        pytest.param("partner", [PartnerRole.HELPDESK_AGENT], id="helpdesk-agent"),
        pytest.param("partner", [], id="partner-user-without-roles"),
        pytest.param("customer", [GA], id="customer-global-admin"),
        pytest.param("customer", [BILLING], id="customer-billing-admin"),
    ],
)
async def test_others_may_not_send(
    api: GraphQLClient, db: Settings, redis_server: RedisServer, kind: str, roles: list[str]
) -> None:
    # Given someone who is not a partner's admin or sales agent
    org = await (f.partner() if kind == "partner" else f.customer())
    someone = await f.person(org, *roles)

    # When they send an invitation
    code = await api.error_code(
        f.SEND,
        {"input": {"customerEmail": "it@contoso.com", "type": "RESELLER"}},
        someone.token,
    )

    # Then it is FORBIDDEN and nothing is stored
    assert code == "FORBIDDEN"
    assert await stored(redis_server) == (0, 0, b":0")


@pytest.mark.parametrize("token", [None, "ph_not-a-real-token"], ids=["no-token", "bad-token"])
async def test_sending_needs_a_signed_in_user(
    api: GraphQLClient, db: Settings, redis_server: RedisServer, token: str | None
) -> None:
    # When nobody (or a bad token) sends an invitation
    code = await api.error_code(
        f.SEND, {"input": {"customerEmail": "it@contoso.com", "type": "RESELLER"}}, token
    )

    # Then it is UNAUTHENTICATED and nothing is stored
    assert code == "UNAUTHENTICATED"
    assert await stored(redis_server) == (0, 0, b":0")


# ------------------------------------------------------------------------------ 4. resend


async def test_resend_rotates_the_token_and_restarts_the_open_period(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation emailed to the customer, whose open period is nearly over
    agent, admin = await parties()
    sent, old_token = await invite(api, db, smtp_server, agent, customerEmail="it@contoso.com")
    await Invitation.filter(id=uuid_of(sent["id"])).update(expires_at=utcnow() + timedelta(hours=1))

    # When the partner resends it
    resent = await mutate(api, RESEND, "resendInvitation", {"id": sent["id"]}, agent)

    # Then it is pending again for the full period, with its email queued again
    assert resent["errors"] == []
    assert resent["invitation"]["status"] == "PENDING"
    assert resent["invitation"]["emailStatus"] == "QUEUED"
    left = at(resent["invitation"]["expiresAt"]) - utcnow()
    assert timedelta(days=89, hours=23) < left <= timedelta(days=90)

    # And a new email goes out, with a new link
    seen = len(smtp_server.messages)
    await run_jobs(db)
    [mail] = smtp_server.wait_for(seen + 1)[seen:]
    assert mail.rcpt_tos == ["it@contoso.com"]
    _, new_token = invitation_link(mail)
    assert new_token != old_token
    assert (await invitation(api, agent, sent["id"]))["emailStatus"] == "SENT"
    # which says it replaces the earlier one
    assert str(mail.message["Subject"]).strip().startswith("Reminder: ")
    assert "link of any earlier email no longer works" in text_of(mail)

    # And the old link is dead: not shown, not accepted
    assert await by_token(api, old_token) is None
    refused = await f.accept(api, admin, old_token)
    assert refused["relationship"] is None
    assert codes(refused["errors"]) == {(("input", "token"), "NOT_FOUND")}

    # And the new link works
    shown = await by_token(api, new_token)
    assert shown is not None
    assert shown["id"] == sent["id"]
    accepted = await f.accept(api, admin, new_token)
    assert accepted["errors"] == []
    assert accepted["relationship"]["status"] == "ACTIVE"


async def test_resending_before_the_first_email_went_out_mails_only_the_new_link(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation whose email has not gone out yet
    agent, admin = await parties()
    sent = await f.send(api, agent, customerEmail="it@contoso.com")
    invitation_id = sent["invitation"]["id"]

    # When the partner resends it, and the worker runs
    resent = await mutate(api, RESEND, "resendInvitation", {"id": invitation_id}, agent)
    assert resent["errors"] == []
    await run_jobs(db)

    # Then exactly one email goes out, and its link is the live one
    [mail] = smtp_server.wait_for(1)
    _, token = invitation_link(mail)
    shown = await by_token(api, token)
    assert shown is not None
    assert shown["id"] == invitation_id
    assert (await invitation(api, agent, invitation_id))["emailStatus"] == "SENT"
    assert (await f.accept(api, admin, token))["errors"] == []


async def test_resend_is_refused_for_an_answered_invitation(
    api: GraphQLClient, db: Settings, redis_server: RedisServer
) -> None:
    # Given a canceled invitation
    agent, _ = await parties()
    sent = await f.send(api, agent)
    invitation_id = sent["invitation"]["id"]
    assert (await mutate(api, CANCEL, "cancelInvitation", {"id": invitation_id}, agent))[
        "errors"
    ] == []
    before = await stored(redis_server)

    # When the partner resends it
    resent = await mutate(api, RESEND, "resendInvitation", {"id": invitation_id}, agent)

    # Then it is not pending, and no email is queued
    assert resent["invitation"] is None
    assert codes(resent["errors"]) == {(("input", "id"), "INVITATION_NOT_PENDING")}
    assert await stored(redis_server) == before
    assert (await invitation(api, agent, invitation_id))["status"] == "CANCELED"


async def test_resend_is_refused_for_an_expired_invitation(
    api: GraphQLClient, db: Settings, redis_server: RedisServer
) -> None:
    # Given an invitation whose open period is over
    agent, _ = await parties()
    sent = await f.send(api, agent)
    invitation_id = sent["invitation"]["id"]
    await expire(invitation_id)
    before = await stored(redis_server)

    # When the partner resends it
    resent = await mutate(api, RESEND, "resendInvitation", {"id": invitation_id}, agent)

    # Then it has expired, and no email is queued
    assert resent["invitation"] is None
    assert codes(resent["errors"]) == {(("input", "id"), "INVITATION_EXPIRED")}
    assert await stored(redis_server) == before


async def test_another_partner_cannot_resend_or_cancel_the_invitation(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an invitation of Fabrikam, and an agent of another partner
    agent, _ = await parties()
    sent = await f.send(api, agent)
    invitation_id = sent["invitation"]["id"]
    stranger = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)

    # When the stranger resends or cancels it
    resent = await mutate(api, RESEND, "resendInvitation", {"id": invitation_id}, stranger)
    canceled = await mutate(api, CANCEL, "cancelInvitation", {"id": invitation_id}, stranger)

    # Then the invitation is not found for them, and it stays pending
    assert codes(resent["errors"]) == {(("input", "id"), "NOT_FOUND")}
    assert codes(canceled["errors"]) == {(("input", "id"), "NOT_FOUND")}
    assert (await invitation(api, agent, invitation_id))["status"] == "PENDING"


# ------------------------------------------------------------------------------ 5. cancel


async def test_a_canceled_invitation_cannot_be_accepted_or_canceled_again(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation emailed to the customer
    agent, admin = await parties()
    sent, token = await invite(api, db, smtp_server, agent)

    # When the partner cancels it
    canceled = await mutate(api, CANCEL, "cancelInvitation", {"id": sent["id"]}, agent)

    # Then it is CANCELED
    assert canceled["errors"] == []
    assert canceled["invitation"]["status"] == "CANCELED"

    # And the customer can no longer accept it
    accepted = await f.accept(api, admin, token)
    assert accepted["relationship"] is None
    assert codes(accepted["errors"]) == {(("input", "token"), "INVITATION_NOT_PENDING")}
    assert await relationship_count(api, admin) == 0

    # And canceling it again is refused
    again = await mutate(api, CANCEL, "cancelInvitation", {"id": sent["id"]}, agent)
    assert again["invitation"] is None
    assert codes(again["errors"]) == {(("input", "id"), "INVITATION_NOT_PENDING")}
    assert (await invitation(api, agent, sent["id"]))["status"] == "CANCELED"


async def test_a_customer_cannot_cancel_an_invitation(api: GraphQLClient, db: Settings) -> None:
    # Given an invitation addressed to Contoso
    agent, admin = await parties()
    sent = await f.send(api, agent, customerId=await org_id(api, admin))

    # When Contoso's global admin tries to cancel it
    code = await api.error_code(CANCEL, {"input": {"id": sent["invitation"]["id"]}}, admin.token)

    # Then it is FORBIDDEN, and it stays pending
    assert code == "FORBIDDEN"
    assert (await invitation(api, agent, sent["invitation"]["id"]))["status"] == "PENDING"


# ----------------------------------------------------------------------------- 6. decline


async def test_a_billing_admin_may_decline_even_a_gdap_invitation(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a GDAP invitation and a billing admin of the customer
    agent, admin = await parties()
    billing = await f.person(await f.customer("Litware"), BILLING)
    sent, token = await invite(api, db, smtp_server, agent)

    # When the billing admin declines it
    declined = await mutate(api, DECLINE, "declineInvitation", {"token": token}, billing)

    # Then it is DECLINED, answered by the billing admin's organization
    assert declined["errors"] == []
    assert declined["invitation"]["status"] == "DECLINED"
    assert declined["invitation"]["customer"]["name"] == "Litware"
    assert (await invitation(api, agent, sent["id"]))["status"] == "DECLINED"

    # And accepting it afterwards is refused
    accepted = await f.accept(api, admin, token)
    assert codes(accepted["errors"]) == {(("input", "token"), "INVITATION_NOT_PENDING")}
    assert await Relationship.all().count() == 0


async def test_a_partner_cannot_decline(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation emailed to the customer
    agent, _ = await parties()
    sent, token = await invite(api, db, smtp_server, agent)

    # When the partner's agent tries to decline it
    code = await api.error_code(DECLINE, {"input": {"token": token}}, agent.token)

    # Then it is FORBIDDEN, and it stays pending
    assert code == "FORBIDDEN"
    assert (await invitation(api, agent, sent["id"]))["status"] == "PENDING"


# ------------------------------------------------------------------------------ 7. accept

GDAP: dict[str, Any] = {}
RESELLER: dict[str, Any] = {"type": "RESELLER", **NON_GDAP}
PARTNER: dict[str, Any] = {"type": "PARTNER", "durationDays": None}
ADVISOR: dict[str, Any] = {"type": "ADVISOR", **NON_GDAP}


@pytest.mark.parametrize(
    ("fields", "roles", "allowed"),
    [
        pytest.param(RESELLER, [BILLING], True, id="billing-admin-accepts-reseller"),
        pytest.param(RESELLER, [GA], True, id="global-admin-accepts-reseller"),
        pytest.param(GDAP, [BILLING], False, id="billing-admin-refused-gdap"),
        pytest.param(PARTNER, [BILLING], False, id="billing-admin-refused-partner"),
        pytest.param(ADVISOR, [BILLING], False, id="billing-admin-refused-advisor"),
        pytest.param(GDAP, [PRA, BILLING], True, id="privileged-role-and-billing-admin-gdap"),
        pytest.param(GDAP, [GA], True, id="global-admin-accepts-gdap"),
        pytest.param(GDAP, [PRA], False, id="privileged-role-admin-alone-gdap"),
        pytest.param(RESELLER, [], False, id="user-without-roles-reseller"),
        pytest.param(GDAP, [], False, id="user-without-roles-gdap"),
        pytest.param(
            RESELLER, [AdminRole.USER_ADMINISTRATOR], False, id="user-administrator-reseller"
        ),
    ],
)
async def test_who_may_accept(
    api: GraphQLClient,
    db: Settings,
    smtp_server: SmtpServer,
    fields: dict[str, Any],
    roles: list[str],
    allowed: bool,
) -> None:
    # Given an invitation emailed to the customer, and a customer user holding `roles`
    agent, _ = await parties()
    someone = await f.person(await f.customer("Litware"), *roles)
    sent, token = await invite(api, db, smtp_server, agent, **fields)

    # When that user accepts it
    body = await api.raw(
        f.ACCEPT, {"input": {"token": token, "acceptAgreement": True}}, someone.token
    )

    # Then it is accepted, or FORBIDDEN with nothing changed
    found = await invitation(api, agent, sent["id"])
    if allowed:
        assert not body.get("errors"), body
        assert body["data"]["acceptInvitation"]["errors"] == []
        assert body["data"]["acceptInvitation"]["relationship"]["status"] == "ACTIVE"
        assert found["status"] == "ACCEPTED"
        assert await Relationship.all().count() == 1
    else:
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert found["status"] == "PENDING"
        assert await Relationship.all().count() == 0
        assert await AgreementAcceptance.all().count() == 0


async def test_a_partner_user_cannot_accept(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a reseller invitation emailed to the customer
    agent, _ = await parties()
    sent, token = await invite(api, db, smtp_server, agent, **RESELLER)

    # When the partner's own admin agent tries to accept it
    code = await api.error_code(
        f.ACCEPT, {"input": {"token": token, "acceptAgreement": True}}, agent.token
    )

    # Then it is FORBIDDEN, and it stays pending
    assert code == "FORBIDDEN"
    assert (await invitation(api, agent, sent["id"]))["status"] == "PENDING"


async def test_accepting_without_the_agreement_changes_nothing(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a GDAP invitation emailed to the customer
    agent, admin = await parties()
    sent, token = await invite(api, db, smtp_server, agent)

    # When the global admin accepts without ticking the agreement
    accepted = await f.accept(api, admin, token, accept_agreement=False)

    # Then it is refused on acceptAgreement
    assert accepted["relationship"] is None
    assert codes(accepted["errors"]) == {(("input", "acceptAgreement"), "AGREEMENT_NOT_ACCEPTED")}

    # And nothing changed: still pending, no relationship, no agreement acceptance
    assert (await invitation(api, agent, sent["id"]))["status"] == "PENDING"
    assert await relationship_count(api, admin) == 0
    assert await Relationship.all().count() == 0
    assert await AgreementAcceptance.all().count() == 0

    # And accepting with the agreement still works afterwards
    assert (await f.accept(api, admin, token))["errors"] == []


async def test_an_addressed_invitation_is_only_for_its_organization(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation addressed to Contoso, and Litware's global admin
    agent, contoso_admin = await parties()
    litware_admin = await f.person(await f.customer("Litware"), GA)
    contoso_id = await org_id(api, contoso_admin)
    sent, token = await invite(api, db, smtp_server, agent, customerId=contoso_id)
    assert sent["customer"] == {"id": contoso_id, "name": "Contoso"}

    # When Litware's global admin accepts it
    refused = await f.accept(api, litware_admin, token)

    # Then it is addressed to another organization, and stays pending
    assert refused["relationship"] is None
    assert codes(refused["errors"]) == {(("input", "token"), "WRONG_ORGANIZATION")}
    assert (await invitation(api, agent, sent["id"]))["status"] == "PENDING"
    assert await relationship_count(api, litware_admin) == 0

    # And Litware cannot decline it either
    declined = await mutate(api, DECLINE, "declineInvitation", {"token": token}, litware_admin)
    assert codes(declined["errors"]) == {(("input", "token"), "WRONG_ORGANIZATION")}

    # When Contoso's global admin accepts it
    accepted = await f.accept(api, contoso_admin, token)

    # Then Contoso has the relationship
    assert accepted["errors"] == []
    assert await relationship_count(api, contoso_admin) == 1
    assert (await invitation(api, agent, sent["id"]))["status"] == "ACCEPTED"


async def test_an_expired_invitation_cannot_be_accepted_and_is_listed_as_expired(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an emailed invitation whose open period is over
    agent, admin = await parties()
    sent, token = await invite(api, db, smtp_server, agent)
    await expire(sent["id"])

    # When the global admin accepts it
    accepted = await f.accept(api, admin, token)

    # Then it has expired, and no relationship exists
    assert accepted["relationship"] is None
    assert codes(accepted["errors"]) == {(("input", "token"), "INVITATION_EXPIRED")}
    assert await relationship_count(api, admin) == 0

    # And the partner sees it as EXPIRED, listed under EXPIRED and not under PENDING
    assert (await invitation(api, agent, sent["id"]))["status"] == "EXPIRED"
    expired = await api.query(INVITATIONS, {"status": "EXPIRED"}, agent.token)
    assert [e["node"] for e in expired["invitations"]["edges"]] == [
        {"id": sent["id"], "status": "EXPIRED"}
    ]
    pending = await api.query(INVITATIONS, {"status": "PENDING"}, agent.token)
    assert pending["invitations"]["totalCount"] == 0

    # And declining it is refused the same way
    declined = await mutate(api, DECLINE, "declineInvitation", {"token": token}, admin)
    assert codes(declined["errors"]) == {(("input", "token"), "INVITATION_EXPIRED")}


async def test_an_invitation_is_accepted_once(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation accepted by the global admin
    agent, admin = await parties()
    _, token = await invite(api, db, smtp_server, agent)
    assert (await f.accept(api, admin, token))["errors"] == []
    outbox = await OutboxMessage.all().count()

    # When it is accepted again
    again = await f.accept(api, admin, token)

    # Then it is no longer pending, and nothing more was granted or queued
    assert again["relationship"] is None
    assert codes(again["errors"]) == {(("input", "token"), "INVITATION_NOT_PENDING")}
    assert await Relationship.all().count() == 1
    assert await OutboxMessage.all().count() == outbox


async def test_a_bogus_token_is_not_found(api: GraphQLClient, db: Settings) -> None:
    # Given a global admin
    _, admin = await parties()

    # When they accept or decline with a token no invitation has
    accepted = await f.accept(api, admin, "not-a-token")
    declined = await mutate(api, DECLINE, "declineInvitation", {"token": ""}, admin)

    # Then it is not found, on the token
    assert codes(accepted["errors"]) == {(("input", "token"), "NOT_FOUND")}
    assert codes(declined["errors"]) == {(("input", "token"), "NOT_FOUND")}


# ------------------------------------------------------------------- 8. reading invitations


async def test_the_invitation_behind_a_link_is_readable_without_signing_in(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an emailed invitation
    agent, _ = await parties()
    sent, token = await invite(
        api,
        db,
        smtp_server,
        agent,
        customerEmail="it@contoso.com",
        durationDays=60,
        message="Hello Contoso",
    )

    # When anyone holding the link reads it, without signing in
    shown = await by_token(api, token)

    # Then they see what it offers
    assert shown == {
        "id": sent["id"],
        "status": "PENDING",
        "type": "GDAP_PARTNER",
        "roles": ["USER_ADMINISTRATOR"],
        "durationDays": 60,
        "customerEmail": "it@contoso.com",
        "message": "Hello Contoso",
        "partner": {"name": "Fabrikam"},
    }

    # And a wrong token shows nothing
    assert await by_token(api, token[:-2] + "xx") is None
    assert await by_token(api, "") is None


async def test_invitations_are_filtered_by_status(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given invitations in every state
    agent, admin = await parties()
    pending = await f.send(api, agent)
    canceled = await f.send(api, agent)
    await mutate(api, CANCEL, "cancelInvitation", {"id": canceled["invitation"]["id"]}, agent)
    expired = await f.send(api, agent)
    await expire(expired["invitation"]["id"])
    accepted, accepted_token = await invite(api, db, smtp_server, agent, **RESELLER)
    assert (await f.accept(api, admin, accepted_token))["errors"] == []
    declined, declined_token = await invite(api, db, smtp_server, agent, **RESELLER)
    await mutate(api, DECLINE, "declineInvitation", {"token": declined_token}, admin)
    expected = {
        "PENDING": pending["invitation"]["id"],
        "CANCELED": canceled["invitation"]["id"],
        "EXPIRED": expired["invitation"]["id"],
        "ACCEPTED": accepted["id"],
        "DECLINED": declined["id"],
    }

    # When the partner lists them by status
    for status, invitation_id in expected.items():
        data = await api.query(INVITATIONS, {"status": status}, agent.token)

        # Then each list holds exactly the invitation in that state
        assert data["invitations"]["totalCount"] == 1, status
        assert [e["node"] for e in data["invitations"]["edges"]] == [
            {"id": invitation_id, "status": status}
        ]

    # And without a status, all five are listed
    everything = await api.query(INVITATIONS, {}, agent.token)
    assert everything["invitations"]["totalCount"] == 5


async def test_a_partner_lists_only_its_own_invitations(api: GraphQLClient, db: Settings) -> None:
    # Given invitations of two partners
    agent, _ = await parties()
    other = await f.person(await f.partner("Northwind"), PartnerRole.SALES_AGENT)
    mine = await f.send(api, agent)
    await f.send(api, other)

    # When Fabrikam's agent lists invitations
    data = await api.query(INVITATIONS, {}, agent.token)

    # Then only Fabrikam's are there, and Northwind's cannot be read by id
    assert [e["node"]["id"] for e in data["invitations"]["edges"]] == [mine["invitation"]["id"]]
    theirs = await api.query(INVITATIONS, {}, other.token)
    other_id = theirs["invitations"]["edges"][0]["node"]["id"]
    assert (await api.query(INVITATION, {"id": other_id}, agent.token))["invitation"] is None
