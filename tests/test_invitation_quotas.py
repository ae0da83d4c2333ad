"""Invitation emails are limited per sending agent, per partner and per recipient address:
a refusal is RATE_LIMITED and writes and sends nothing, and the limits hold while Redis is
down (they are counted in the database, with the invitation)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine
from asgi_lifespan import LifespanManager

from api.app import create_app
from models.foundation.ids import encode_id
from models.foundation.inbound_sources import parse_sources
from models.foundation.settings import InvitationQuotas, Quota, Settings, SettingsError
from models.reference.enums import PartnerRole
from models.rules.invitation_quotas import mailbox, purge_counters
from models.tables.invitations import Invitation
from models.tables.leads import Lead
from models.tables.outbox import OutboxMessage, Task
from models.tables.quotas import QuotaCounter
from tests import factories as f
from tests import webhooks_in_signing as signing
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.servers import HOST, SmtpServer, free_port

# A moment well inside an hour and a day, so that no test crosses a window's boundary.
START = datetime(2031, 3, 4, 10, 5, tzinfo=UTC)
SECRET = signing.new_secret()

RESEND = """
mutation($input: InvitationIdInput!) {
  resendInvitation(input: $input) { invitation { id } errors { field message code } }
}
"""
INVITE_LEAD = """
mutation($input: SendInvitationFromLeadInput!) {
  sendInvitationFromLead(input: $input) {
    lead { id status } errors { field message code }
  }
}
"""

Api = Callable[..., Awaitable[GraphQLClient]]


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


@pytest.fixture
async def api_with(db: Settings) -> AsyncIterator[Api]:
    """Opens the app served with the given quotas (and a trusted `ops` webhook source), on
    the test's settings or on others."""
    async with contextlib.AsyncExitStack() as exits:

        async def open_api(
            quotas: InvitationQuotas, settings: Settings | None = None
        ) -> GraphQLClient:
            app = create_app(_with_quotas(settings or db, quotas))
            await exits.enter_async_context(LifespanManager(app))
            http = await exits.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
            )
            return GraphQLClient(http)

        yield open_api


def _with_quotas(settings: Settings, quotas: InvitationQuotas) -> Settings:
    return dataclasses.replace(
        settings,
        invitation_quotas=quotas,
        inbound_webhook_secrets=parse_sources(f"ops={SECRET}"),
    )


def quotas(agent: int = 100, partner: int = 100, recipient: int = 100) -> InvitationQuotas:
    return InvitationQuotas(
        agent=Quota(agent, 3600), partner=Quota(partner, 86400), recipient=Quota(recipient, 86400)
    )


def _refusal(payload: dict[str, Any]) -> tuple[str, list[str] | None]:
    [error] = payload["errors"]
    assert "Try again after" in error["message"], error
    return error["code"], error["field"]


async def _written() -> tuple[int, int]:
    """Invitations stored, and invitation emails queued."""
    emails = await OutboxMessage.filter(task=Task.SEND_INVITATION_EMAIL).count()
    return await Invitation.all().count(), emails


async def test_an_agent_past_its_quota_is_refused_and_nothing_is_written_or_sent(
    api_with: Api, db: Settings, smtp_server: SmtpServer, clock: time_machine.Traveller
) -> None:
    # Given a sales agent who may send 3 invitation emails an hour, and a colleague
    api = await api_with(quotas(agent=3))
    fabrikam = await f.partner("Fabrikam")
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    colleague = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)

    # When the agent sends 3 invitations to different customers, then a fourth
    for n in range(3):
        sent = await f.send(api, sales, customerEmail=f"it{n}@contoso{n}.com")
        assert sent["errors"] == []
    refused = await f.send(api, sales, customerEmail="it@tailspin.com")

    # Then the fourth is RATE_LIMITED, for the agent (no field of the form)
    assert _refusal(refused) == ("RATE_LIMITED", None)
    assert refused["invitation"] is None
    # And nothing of it was written or mailed
    assert await _written() == (3, 3)
    await run_jobs(db)
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        "it0@contoso0.com",
        "it1@contoso1.com",
        "it2@contoso2.com",
    ]
    # And a resend by the same agent is refused too: it would mail again
    [first] = await Invitation.filter(customer_email="it0@contoso0.com")
    resent = await api.query(RESEND, {"input": {"id": _id(first)}}, sales.token)
    assert _refusal(resent["resendInvitation"]) == ("RATE_LIMITED", None)
    assert (await Invitation.get(id=first.id)).token_hash == first.token_hash

    # While a colleague of the same partner still may send
    assert (await f.send(api, colleague, customerEmail="it@tailspin.com"))["errors"] == []

    # And once the hour has passed, the agent may send again
    clock.shift(timedelta(hours=1))
    assert (await f.send(api, sales, customerEmail="it@tailspin.com"))["errors"] == []


async def test_a_partner_past_its_quota_is_refused_for_every_agent_and_no_other_partner(
    api_with: Api, db: Settings, clock: time_machine.Traveller
) -> None:
    # Given a partner that may send 4 invitation emails a day, with three agents
    api = await api_with(quotas(partner=4))
    fabrikam = await f.partner("Fabrikam")
    agents = [await f.person(fabrikam, PartnerRole.SALES_AGENT) for _ in range(3)]
    northwind_agent = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)

    # When two agents send 2 each, and the third sends one
    for n, agent in enumerate(agents[:2] * 2):
        assert (await f.send(api, agent, customerEmail=f"it@contoso{n}.com"))["errors"] == []
    refused = await f.send(api, agents[2], customerEmail="it@tailspin.com")

    # Then the third agent is refused: the organization's quota is used up
    assert _refusal(refused) == ("RATE_LIMITED", None)
    assert "Your organization has sent 4" in refused["errors"][0]["message"]
    assert await _written() == (4, 4)
    # While another partner's agent is not
    assert (await f.send(api, northwind_agent, customerEmail="it@tailspin.com"))["errors"] == []


async def test_a_recipient_address_gets_only_so_many_invitation_emails_from_one_partner(
    api_with: Api, db: Settings, smtp_server: SmtpServer, clock: time_machine.Traveller
) -> None:
    # Given a partner that may mail one address twice a day
    api = await api_with(quotas(recipient=2))
    fabrikam = await f.partner("Fabrikam")
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    admin = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    northwind_agent = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)

    # When the agent invites ann@contoso.com and resends it
    sent = await f.send(api, sales, customerEmail="ann@contoso.com")
    assert sent["errors"] == []
    invitation_id = sent["invitation"]["id"]
    await run_jobs(db)
    resent = await api.query(RESEND, {"input": {"id": invitation_id}}, sales.token)
    assert resent["resendInvitation"]["errors"] == []
    before = await Invitation.get(customer_email="ann@contoso.com")

    # Then a third email to the same mailbox is refused, however the address is written,
    # and by whichever agent of the partner: naming the field that holds the address
    for who, address in ((sales, "Ann@contoso.com"), (admin, "ann+sales@CONTOSO.com")):
        refused = await f.send(api, who, customerEmail=address)
        assert _refusal(refused) == ("RATE_LIMITED", ["input", "customerEmail"]), address
    again = await api.query(RESEND, {"input": {"id": invitation_id}}, admin.token)
    assert _refusal(again["resendInvitation"]) == ("RATE_LIMITED", ["input", "id"])

    # And nothing was written: one invitation, its link unchanged, two emails queued
    assert await _written() == (1, 2)
    after = await Invitation.get(id=before.id)
    assert (after.token_hash, after.expires_at) == (before.token_hash, before.expires_at)
    await run_jobs(db)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["ann@contoso.com"]] * 2

    # While another partner may still invite that address (its quota is its own), and the
    # partner may invite someone else at the same domain
    assert (await f.send(api, northwind_agent, customerEmail="ann@contoso.com"))["errors"] == []
    assert (await f.send(api, sales, customerEmail="bob@contoso.com"))["errors"] == []


async def test_inviting_a_lead_counts_and_a_refusal_leaves_the_lead_as_it_was(
    api_with: Api, db: Settings, clock: time_machine.Traveller
) -> None:
    # Given a listed partner with a lead, whose agent may send one invitation email an hour
    api = await api_with(quotas(agent=1))
    fabrikam, admin = await f.listed_partner("Fabrikam")
    assert (await f.contact(api, fabrikam))["errors"] == []
    lead = await Lead.get()
    assert (await f.send(api, admin, customerEmail="it@contoso.com"))["errors"] == []

    # When the agent invites the lead
    invited = await api.query(
        INVITE_LEAD,
        {"input": {"leadId": _id(lead), "type": "RESELLER"}},
        admin.token,
    )

    # Then it is refused, and the lead is still NEW with no invitation
    assert _refusal(invited["sendInvitationFromLead"]) == ("RATE_LIMITED", None)
    stored = await Lead.get(id=lead.id)
    assert (stored.status, stored.invitation_id) == (lead.status, None)
    assert await _written() == (1, 1)


async def test_the_quotas_hold_and_invitations_go_on_while_redis_is_down(
    api_with: Api, db: Settings, clock: time_machine.Traveller
) -> None:
    # Given the app with a Redis that does not answer, and an agent allowed 2 an hour
    dead_redis = dataclasses.replace(db, redis_url=f"redis://{HOST}:{free_port()}/0")
    api = await api_with(quotas(agent=2), dead_redis)
    sales = await f.person(await f.partner("Fabrikam"), PartnerRole.SALES_AGENT)

    # When the agent sends 3 invitations
    answers = [await f.send(api, sales, customerEmail=f"it@contoso{n}.com") for n in range(3)]

    # Then the first two are taken (their emails wait in the outbox for Redis)
    assert [a["errors"] for a in answers[:2]] == [[], []]
    assert await _written() == (2, 2)
    # And the third is refused all the same: the limit does not depend on Redis
    assert _refusal(answers[2]) == ("RATE_LIMITED", None)


async def test_concurrent_sends_cannot_pass_the_quota_together(
    api_with: Api, db: Settings, clock: time_machine.Traveller
) -> None:
    # Given an agent allowed 3 invitation emails an hour
    api = await api_with(quotas(agent=3))
    sales = await f.person(await f.partner("Fabrikam"), PartnerRole.SALES_AGENT)

    # When it sends 6 at the same moment
    answers = await asyncio.gather(
        *(f.send(api, sales, customerEmail=f"it@contoso{n}.com") for n in range(6))
    )

    # Then exactly 3 are taken and 3 refused
    codes = sorted(a["errors"][0]["code"] if a["errors"] else "OK" for a in answers)
    assert codes == ["OK"] * 3 + ["RATE_LIMITED"] * 3
    assert await _written() == (3, 3)


async def test_a_trusted_systems_resend_counts_against_the_partner_and_the_recipient(
    api_with: Api, db: Settings, smtp_server: SmtpServer, clock: time_machine.Traveller
) -> None:
    # Given an invitation to ann@contoso.com, mailed once, with one email a day to an address
    api = await api_with(quotas(recipient=1))
    sales = await f.person(await f.partner("Fabrikam"), PartnerRole.SALES_AGENT)
    sent = await f.send(api, sales, customerEmail="ann@contoso.com")
    assert sent["errors"] == []
    await run_jobs(db)
    before = await Invitation.get()

    # When a trusted system asks to resend it
    body = signing.event("invitation.resend", invitation_id=sent["invitation"]["id"])
    posted = await api.http.post(
        "/webhooks/ops", content=body, headers=signing.headers(SECRET, body)
    )
    assert posted.status_code == 202, posted.text
    await run_jobs(_with_quotas(db, quotas(recipient=1)))
    job_id = posted.json()["jobId"]
    status = (
        await api.http.get(
            f"/webhooks/jobs/{job_id}", headers=signing.headers(SECRET, job_id.encode())
        )
    ).json()

    # Then the job fails with the refusal, and nothing changed or went out
    assert status["status"] == "failed"
    assert "sent 1 invitation emails to this address" in status["error"]
    assert (await Invitation.get()).token_hash == before.token_hash
    assert len(smtp_server.messages) == 1


async def test_counters_of_ended_windows_are_purged(
    api_with: Api, db: Settings, clock: time_machine.Traveller
) -> None:
    # Given counters of a sent invitation: the agent's hour, the partner's and the address's day
    api = await api_with(quotas())
    sales = await f.person(await f.partner("Fabrikam"), PartnerRole.SALES_AGENT)
    assert (await f.send(api, sales, customerEmail="it@contoso.com"))["errors"] == []
    assert await QuotaCounter.all().count() == 3

    # When the hourly purge runs two hours later, then two days later
    purged_hourly = await purge_counters(START + timedelta(hours=2))
    purged_daily = await purge_counters(START + timedelta(days=2))

    # Then the agent's counter went first, the day's counters after
    assert (purged_hourly, purged_daily) == (1, 2)
    assert await QuotaCounter.all().count() == 0


def test_a_mailbox_is_counted_without_case_or_tag() -> None:
    assert mailbox(" Ann+Sales@Contoso.COM ") == "ann@contoso.com"
    assert mailbox("bob@contoso.com") == "bob@contoso.com"


def test_the_quotas_are_read_from_the_environment_and_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the three variables
    monkeypatch.setenv("INVITATION_RATE_PER_AGENT", "10/60")
    monkeypatch.setenv("INVITATION_RATE_PER_PARTNER", " 100/3600 ")
    monkeypatch.delenv("INVITATION_RATE_PER_RECIPIENT", raising=False)

    # Then they are read, and a missing one keeps its default
    settings = Settings.from_env(env_file=None)
    assert settings.invitation_quotas == InvitationQuotas(
        agent=Quota(10, 60), partner=Quota(100, 3600), recipient=InvitationQuotas().recipient
    )
    # And a value that is not a count and a window of seconds stops start-up, naming it
    for bad in ("10", "ten/60", "0/60", "10/0", "10/99999999"):
        monkeypatch.setenv("INVITATION_RATE_PER_AGENT", bad)
        with pytest.raises(SettingsError, match="INVITATION_RATE_PER_AGENT"):
            Settings.from_env(env_file=None)


def _id(row: Invitation | Lead) -> str:
    return str(encode_id(type(row).__name__, row.id))
