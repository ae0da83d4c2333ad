"""Contact me, and the partner working its leads: statuses, and inviting from a lead."""

from __future__ import annotations

from typing import Any

from httpx import ASGITransport, AsyncClient
from redis.asyncio import Redis
from starlette.applications import Starlette

from models.foundation.settings import Settings
from models.reference.enums import PartnerRole
from models.rules.leads_rate_limit import RateLimit
from models.tables.invitations import Invitation
from models.tables.leads import Lead
from models.tables.outbox import OutboxMessage
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs, text_of
from tests.servers import SmtpServer, free_port

LEADS = """
query($status: LeadStatus) {
  leads(first: 100, status: $status) {
    totalCount
    edges { node { id status contactName email phone location organizationName
                   organizationSize industry businessNeeds partner { name }
                   invitation { id customerEmail type status } } }
  }
}
"""
LEAD = "query($id: ID!) { lead(id: $id) { id status } }"
UPDATE_STATUS = """
mutation($input: UpdateLeadStatusInput!) {
  updateLeadStatus(input: $input) { lead { id status statusChangedAt } errors { field code } }
}
"""
INVITE = """
mutation($input: SendInvitationFromLeadInput!) {
  sendInvitationFromLead(input: $input) {
    lead { id status invitation { id customerEmail type roles status } }
    errors { field code message }
  }
}
"""


async def _leads(api: GraphQLClient, who: f.Person, **variables: Any) -> list[dict[str, Any]]:
    data = await api.query(LEADS, variables, who.token)
    page = data["leads"]
    assert page["totalCount"] == len(page["edges"])
    return [edge["node"] for edge in page["edges"]]


async def _one_lead(api: GraphQLClient, who: f.Person) -> dict[str, Any]:
    [lead] = await _leads(api, who)
    return lead


async def _move(api: GraphQLClient, who: f.Person, lead_id: str, status: str) -> dict[str, Any]:
    data = await api.query(UPDATE_STATUS, {"input": {"id": lead_id, "status": status}}, who.token)
    result: dict[str, Any] = data["updateLeadStatus"]
    return result


async def test_a_visitor_finds_a_partner_and_contacts_it(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a listed partner with an admin, a sales and a helpdesk agent
    fabrikam, admin = await f.listed_partner(
        "Fabrikam", industries=["RETAIL"], locations=["US", "CA"]
    )
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    helpdesk = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT)
    await f.listed_partner("Northwind", industries=["HEALTHCARE"], locations=["US"])

    # When a visitor finds it by industry and location
    data = await api.query(
        "query($filter: PartnerFilter) { partners(filter: $filter) { edges { node { id name } } } }",  # noqa: E501
        {"filter": {"industries": ["RETAIL"], "locations": ["US"]}},
    )
    [edge] = data["partners"]["edges"]
    assert edge["node"]["name"] == "Fabrikam"
    # And sends Contact me, without signing in
    payload = await f.contact(api, fabrikam, partnerId=edge["node"]["id"])

    # Then it is accepted
    assert payload == {"partner": {"id": edge["node"]["id"], "name": "Fabrikam"}, "errors": []}
    # And the partner's admin and sales agents see the NEW lead
    for who in (admin, sales):
        lead = await _one_lead(api, who)
        assert lead["status"] == "NEW"
        assert lead["contactName"] == "Dana Visitor"
        assert lead["organizationName"] == "Tailspin Toys"
        assert lead["partner"] == {"name": "Fabrikam"}
        assert lead["invitation"] is None
    # And the helpdesk agent, whose role does not open leads, is refused rather than shown
    # an empty list
    assert await api.error_code(LEADS, {}, helpdesk.token) == "FORBIDDEN"

    # When the worker runs
    await run_jobs(db)

    # Then the admin and sales agents each receive the lead by email, with its details
    mails = {mail.rcpt_tos[0]: mail for mail in smtp_server.messages}
    assert set(mails) == {admin.email, sales.email}
    text = text_of(mails[admin.email])
    assert mails[admin.email].message["Subject"] == (
        "New lead from the partner directory: Tailspin Toys"
    )
    for words in (
        "Dana Visitor",
        "dana@tailspin.example.com",
        "+1 425 555 0100",
        "50 to 249 employees",
        "Retail and consumer goods",
        "United States",
        "We want to move our email to the cloud.",
    ):
        assert words in text, words
    # And running the jobs again sends nothing more
    await run_jobs(db)
    assert len(smtp_server.messages) == 2


async def test_contact_me_is_validated_field_by_field(api: GraphQLClient, db: Settings) -> None:
    # Given a listed partner and an unlisted one
    fabrikam, _ = await f.listed_partner("Fabrikam")
    hidden, _ = await f.listed_partner("Hidden", published=False)

    # When a visitor leaves required fields blank and others wrong
    payload = await f.contact(
        api,
        fabrikam,
        contactName="  ",
        email="dana@",
        phone="not a phone",
        location="ATLANTIS",
        organizationName="x" * 201,
        organizationSize="HUGE",
        industry="ALCHEMY",
        businessNeeds="",
    )

    # Then every field is named, and nothing is stored or queued
    assert payload["partner"] is None
    assert sorted(e["field"][1] for e in payload["errors"]) == sorted(
        [
            "contactName",
            "email",
            "phone",
            "location",
            "organizationName",
            "organizationSize",
            "industry",
            "businessNeeds",
        ]
    )
    assert {e["code"] for e in payload["errors"]} == {"INVALID_INPUT"}

    # And a partner that is not listed, or no partner at all, is not found
    for partner_id in (f.partner_id(hidden), "not-an-id"):
        refused = await f.contact(api, fabrikam, partnerId=partner_id)
        assert refused["errors"] == [
            {
                "field": ["input", "partnerId"],
                "message": "No such partner in the directory.",
                "code": "NOT_FOUND",
            }
        ]
    assert await Lead.all().count() == 0
    assert await OutboxMessage.all().count() == 0


async def test_contact_me_keeps_names_on_one_line_and_lets_business_needs_span_lines(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a listed partner
    fabrikam, _ = await f.listed_partner("Fabrikam")

    # When a visitor puts a line break in a name (it would end up in the email's subject)
    refused = await f.contact(api, fabrikam, organizationName="Tailspin\nBcc: x@example.com")
    control = await f.contact(api, fabrikam, contactName="Kayla\x07 Lewis")

    # Then both are refused, naming the field, and nothing is stored
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        (["input", "organizationName"], "INVALID_INPUT")
    ]
    assert [e["field"] for e in control["errors"]] == [["input", "contactName"]]
    assert await Lead.all().count() == 0

    # And business needs may span lines
    accepted = await f.contact(api, fabrikam, businessNeeds="Email.\r\nLaptops.\n\tSoon.")
    assert accepted["errors"] == []
    assert (await Lead.get()).business_needs == "Email.\r\nLaptops.\n\tSoon."


async def test_contact_me_is_rate_limited_per_client_address(
    api: GraphQLClient, app: Starlette, db: Settings
) -> None:
    # Given a listed partner, and the limit of 5 requests per address in 10 minutes
    fabrikam, admin = await f.listed_partner("Fabrikam")
    assert (db.contact_rate_limit, db.contact_rate_window) == (5, 600)

    # When one address sends Contact me six times
    answers = [await f.contact(api, fabrikam, contactName=f"Visitor {n}") for n in range(6)]

    # Then the first five are stored and the sixth is RATE_LIMITED
    assert [a["errors"] for a in answers[:5]] == [[]] * 5
    assert answers[5]["partner"] is None
    assert [e["code"] for e in answers[5]["errors"]] == ["RATE_LIMITED"]
    assert await Lead.all().count() == 5

    # While another address may still send one
    transport = ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        other = await f.contact(GraphQLClient(http), fabrikam, contactName="Elsewhere")
    assert other["errors"] == []
    assert len(await _leads(api, admin)) == 6


async def test_leads_move_through_the_allowed_statuses(api: GraphQLClient, db: Settings) -> None:
    # Given a lead of Fabrikam's
    fabrikam, admin = await f.listed_partner("Fabrikam")
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    await f.contact(api, fabrikam)
    lead_id = (await _one_lead(api, admin))["id"]

    # When the sales agent asks to mark it INVITED directly
    refused = await _move(api, sales, lead_id, "INVITED")
    # Then it is refused: only an invitation sent from it does that
    assert refused == {
        "lead": None,
        "errors": [{"field": ["input", "status"], "code": "LEAD_STATUS_NOT_ALLOWED"}],
    }

    # When it moves NEW -> CONTACTED -> CLOSED -> CONTACTED
    for status in ("CONTACTED", "CLOSED", "CONTACTED"):
        moved = await _move(api, sales, lead_id, status)
        # Then each move is taken
        assert moved["errors"] == []
        assert moved["lead"]["status"] == status
        assert moved["lead"]["statusChangedAt"] is not None

    # And a lead cannot go back to NEW
    back = await _move(api, admin, lead_id, "NEW")
    assert [e["code"] for e in back["errors"]] == ["LEAD_STATUS_NOT_ALLOWED"]
    assert await _leads(api, admin, status="CONTACTED") != []
    assert await _leads(api, admin, status="NEW") == []


async def test_an_invitation_sent_from_a_lead_links_the_two(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a NEW lead of Fabrikam's
    fabrikam, admin = await f.listed_partner("Fabrikam")
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    await f.contact(api, fabrikam)
    lead_id = (await _one_lead(api, admin))["id"]

    # When the sales agent asks for roles on a type that takes none
    refused = await api.query(
        INVITE,
        {"input": {"leadId": lead_id, "type": "RESELLER", "roles": ["USER_ADMINISTRATOR"]}},
        sales.token,
    )
    # Then the invitation rules refuse it, and the lead stays NEW
    assert [e["code"] for e in refused["sendInvitationFromLead"]["errors"]] == ["ROLES_NOT_ALLOWED"]
    assert (await _one_lead(api, admin))["status"] == "NEW"
    assert await Invitation.all().count() == 0

    # When it sends a GDAP invitation from the lead
    sent = await api.query(
        INVITE,
        {
            "input": {
                "leadId": lead_id,
                "type": "GDAP_PARTNER",
                "roles": ["HELPDESK_ADMINISTRATOR"],
                "durationDays": 30,
            }
        },
        sales.token,
    )

    # Then the lead is INVITED and links to a pending invitation to the lead's email
    payload = sent["sendInvitationFromLead"]
    assert payload["errors"] == []
    assert payload["lead"]["status"] == "INVITED"
    invitation = payload["lead"]["invitation"]
    assert invitation["customerEmail"] == "dana@tailspin.example.com"
    assert invitation["status"] == "PENDING"
    assert invitation["roles"] == ["HELPDESK_ADMINISTRATOR"]
    assert (await _one_lead(api, admin))["invitation"]["id"] == invitation["id"]
    data = await api.query("query { invitations { edges { node { id } } } }", token=admin.token)
    assert [e["node"]["id"] for e in data["invitations"]["edges"]] == [invitation["id"]]

    # And the worker emails the invitation to the lead's contact
    await run_jobs(db)
    to_visitor = [m for m in smtp_server.messages if m.rcpt_tos == ["dana@tailspin.example.com"]]
    assert len(to_visitor) == 1

    # And an INVITED lead cannot be invited again, only closed
    again = await api.query(INVITE, {"input": {"leadId": lead_id, "type": "RESELLER"}}, sales.token)
    assert again["sendInvitationFromLead"]["errors"] == [
        {
            "field": ["input", "leadId"],
            "code": "LEAD_STATUS_NOT_ALLOWED",
            "message": "The lead is invited; it cannot become invited "
            "(send an invitation from it instead).",
        }
    ]
    assert (await _move(api, sales, lead_id, "CLOSED"))["lead"]["status"] == "CLOSED"
    assert await Invitation.all().count() == 1


async def test_only_the_partners_admin_and_sales_agents_work_its_leads(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a lead of Fabrikam's
    fabrikam, admin = await f.listed_partner("Fabrikam")
    await f.contact(api, fabrikam)
    lead_id = (await _one_lead(api, admin))["id"]
    helpdesk = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT)
    customer_admin = await f.person(await f.customer("Contoso"), "GLOBAL_ADMINISTRATOR")
    _, northwind_admin = await f.listed_partner("Northwind")

    # Then the helpdesk agent and a customer admin are FORBIDDEN to move or invite from it
    for who in (helpdesk, customer_admin):
        for document, variables in (
            (UPDATE_STATUS, {"input": {"id": lead_id, "status": "CONTACTED"}}),
            (INVITE, {"input": {"leadId": lead_id, "type": "RESELLER"}}),
        ):
            assert await api.error_code(document, variables, who.token) == "FORBIDDEN"
        assert (await api.query(LEAD, {"id": lead_id}, who.token))["lead"] is None
    # And another partner's admin does not find it
    moved = await _move(api, northwind_admin, lead_id, "CONTACTED")
    assert moved["errors"] == [{"field": ["input", "id"], "code": "NOT_FOUND"}]
    invited = await api.query(
        INVITE, {"input": {"leadId": lead_id, "type": "RESELLER"}}, northwind_admin.token
    )
    assert [e["code"] for e in invited["sendInvitationFromLead"]["errors"]] == ["NOT_FOUND"]
    assert await _leads(api, northwind_admin) == []
    assert (await api.query(LEAD, {"id": lead_id}, northwind_admin.token))["lead"] is None
    # And a visitor is UNAUTHENTICATED
    assert await api.error_code(LEADS) == "UNAUTHENTICATED"
    # And nothing changed
    assert (await api.query(LEAD, {"id": lead_id}, admin.token))["lead"]["status"] == "NEW"
    assert await Invitation.all().count() == 0


async def test_the_rate_limit_counts_in_redis_and_lets_requests_through_when_redis_is_down(
    db: Settings,
) -> None:
    # Given a limit of 2 a minute, counted in the real Redis
    redis = Redis.from_url(str(db.redis_url))
    try:
        limit = RateLimit(redis=redis, limit=2, window=60, name="tests")
        # Then the third hit of one key is refused, while another key is counted apart
        assert [await limit.allow("198.51.100.1") for _ in range(3)] == [True, True, False]
        assert await limit.allow("198.51.100.2") is True
        # And the window's counter expires with the window
        [key] = await redis.keys("ratelimit:tests:198.51.100.1:*")
        assert 0 < await redis.ttl(key) <= 60
    finally:
        await redis.aclose()

    # When Redis does not answer (nothing listens on the port)
    down = Redis.from_url(f"redis://127.0.0.1:{free_port()}", socket_connect_timeout=1)
    try:
        # Then Contact me stays open rather than failing
        assert await RateLimit(redis=down, limit=1, window=60, name="tests").allow("x") is True
    finally:
        await down.aclose()
