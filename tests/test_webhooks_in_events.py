"""Each inbound event type does its work once a worker runs its job, on both backends."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from models.foundation.clock import utcnow
from models.foundation.ids import decode_id
from models.foundation.inbound_sources import parse_sources
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import EmailStatus, InvitationStatus, PartnerRole, RoleGrantStatus
from models.tables.inbound_webhooks import InboundWebhook
from models.tables.invitations import Invitation
from models.tables.relationships import RoleGrant
from tests import factories as f
from tests import flows
from tests import webhooks_in_signing as signing
from tests.graphql import GraphQLClient
from tests.jobs import FAST_RETRIES, invitation_link, text_of
from tests.servers import SmtpServer
from workers.worker import create_worker

SECRET = signing.new_secret()

INVITATION = """
query($id: ID!) { invitation(id: $id) { status emailStatus emailError } }
"""

CANCEL = """
mutation Cancel($input: InvitationIdInput!) {
  cancelInvitation(input: $input) { invitation { status } errors { code } }
}
"""


@pytest.fixture
async def http(db: Settings) -> AsyncIterator[httpx.AsyncClient]:
    settings = dataclasses.replace(db, inbound_webhook_secrets=parse_sources(f"ops={SECRET}"))
    app: Starlette = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client,
    ):
        yield client


async def _webhook(
    http: httpx.AsyncClient, settings: Settings, type_: str, **data: Any
) -> dict[str, Any]:
    """Send a signed event, run the queued jobs, and return the job's status."""
    body = signing.event(type_, **data)
    sent = await http.post("/webhooks/ops", content=body, headers=signing.headers(SECRET, body))
    assert sent.status_code == 202, sent.text
    await _run_queued_jobs(settings)
    job_id = sent.json()["jobId"]
    answer = await http.get(
        f"/webhooks/jobs/{job_id}", headers=signing.headers(SECRET, job_id.encode())
    )
    assert answer.status_code == 200, answer.text
    status: dict[str, Any] = answer.json()
    return status


async def _run_queued_jobs(settings: Settings) -> None:
    """A real burst worker, without the cron jobs: what changes is the webhook's doing."""
    worker = create_worker(
        settings,
        retry_delays=FAST_RETRIES,
        burst=True,
        poll_delay=0.02,
        handle_signals=False,
        cron_jobs=[],
    )
    try:
        await worker.main()
    finally:
        await worker.close()


async def _people() -> tuple[f.Person, f.Person]:
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    admin = await f.person(await f.customer(), AdminRole.GLOBAL_ADMINISTRATOR)
    return agent, admin


async def _grants(relationship_id: str) -> dict[str, RoleGrant]:
    grants = await RoleGrant.filter(relationship_id=decode_id("Relationship", relationship_id))
    return {grant.role: grant for grant in grants}


# ------------------------------------------------------------- relationship.revoke_roles


async def test_revoke_roles_removes_the_chosen_roles_on_the_customers_behalf(
    http: httpx.AsyncClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a relationship granting two roles
    agent, admin = await _people()
    relationship = await flows.accepted(
        GraphQLClient(http),
        db,
        smtp_server,
        agent,
        admin,
        roles=["USER_ADMINISTRATOR", "GLOBAL_READER"],
    )

    # When a trusted system revokes one of them, with its reason
    status = await _webhook(
        http,
        db,
        "relationship.revoke_roles",
        relationship_id=relationship["id"],
        roles=["GLOBAL_READER"],
        reason="Contract ended in the billing system",
    )

    # Then that role is revoked, by no one's account, for that reason; the other stays
    assert (status["status"], status["result"]) == ("complete", "revoking 1 grant(s)")
    grants = await _grants(relationship["id"])
    assert grants["GLOBAL_READER"].status is RoleGrantStatus.REVOKED
    assert grants["GLOBAL_READER"].end_reason == "Contract ended in the billing system"
    assert grants["GLOBAL_READER"].ended_by_id is None
    assert grants["USER_ADMINISTRATOR"].status is RoleGrantStatus.ACTIVE
    # And both sides were told
    recipients = {
        rcpt
        for m in smtp_server.messages
        if "removed" in m.message["Subject"]
        for rcpt in m.rcpt_tos
    }
    assert recipients == {agent.email, admin.email}


async def test_revoke_roles_of_an_unknown_relationship_fails_the_job(
    http: httpx.AsyncClient, db: Settings
) -> None:
    unknown = "UmVsYXRpb25zaGlwOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMQ=="
    status = await _webhook(http, db, "relationship.revoke_roles", relationship_id=unknown)
    assert (status["status"], status["error"]) == ("failed", "No such relationship.")


# ------------------------------------------------------------- grants.expire_due


async def test_expire_due_runs_the_lifecycle_sweep_now(
    http: httpx.AsyncClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a GDAP grant whose end date has passed, which no sweep has seen yet
    agent, admin = await _people()
    relationship = await flows.accepted(GraphQLClient(http), db, smtp_server, agent, admin)
    [grant] = (await _grants(relationship["id"])).values()
    past = utcnow() - timedelta(minutes=5)
    await RoleGrant.filter(id=grant.id).update(expires_at=past, next_notice_at=past)

    # When a trusted system asks for the sweep
    status = await _webhook(http, db, "grants.expire_due")

    # Then the grant expired, and the job says so
    assert status["status"] == "complete", status
    assert status["result"] == "warned 0, extended 0, expired 1"
    await grant.refresh_from_db()
    assert grant.status is RoleGrantStatus.EXPIRED
    assert any("have ended" in m.message["Subject"] for m in smtp_server.messages)


# ------------------------------------------------------------- invitation.resend


async def test_resend_mails_a_new_link_on_the_partners_behalf(
    http: httpx.AsyncClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a pending invitation whose email went out
    agent, _ = await _people()
    invitation, old_token = await flows.invite(GraphQLClient(http), db, smtp_server, agent)
    seen = len(smtp_server.messages)

    # When a trusted system asks to resend it
    status = await _webhook(http, db, "invitation.resend", invitation_id=invitation["id"])

    # Then a reminder with a new link went out, and the old link died
    assert (status["status"], status["result"]) == ("complete", "resent")
    [reminder] = smtp_server.wait_for(seen + 1)[seen:]
    assert reminder.message["Subject"].startswith("Reminder: ")
    _, new_token = invitation_link(reminder)
    assert new_token != old_token
    found = await GraphQLClient(http).query(
        "query($t: String!) { invitationByToken(token: $t) { id } }", {"t": old_token}
    )
    assert found["invitationByToken"] is None


async def test_resend_of_a_canceled_invitation_fails_the_job(
    http: httpx.AsyncClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation the partner withdrew
    agent, _ = await _people()
    api = GraphQLClient(http)
    invitation, _ = await flows.invite(api, db, smtp_server, agent)
    canceled = await api.query(CANCEL, {"input": {"id": invitation["id"]}}, agent.token)
    assert canceled["cancelInvitation"]["errors"] == []
    await _run_queued_jobs(db)
    seen = len(smtp_server.messages)

    # When a trusted system asks to resend it
    status = await _webhook(http, db, "invitation.resend", invitation_id=invitation["id"])

    # Then the job failed with the reason, and nothing was mailed
    assert (status["status"], status["error"]) == ("failed", "The invitation is already canceled.")
    assert len(smtp_server.messages) == seen
    stored = await Invitation.get(id=decode_id("Invitation", invitation["id"]))
    assert stored.status is InvitationStatus.CANCELED


# ------------------------------------------------------------- mail.delivery_report


async def test_a_bounce_marks_the_invitation_email_bounced_with_the_reason(
    http: httpx.AsyncClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation whose email went out with a Message-ID
    agent, _ = await _people()
    api = GraphQLClient(http)
    invitation, _ = await flows.invite(api, db, smtp_server, agent)
    [mail] = [m for m in smtp_server.messages if "/invitations/accept" in text_of(m)]
    message_id = mail.message["Message-ID"]
    assert message_id.startswith("<")

    # When the mail system reports it bounced (naming it without its angle brackets)
    status = await _webhook(
        http,
        db,
        "mail.delivery_report",
        message_id=message_id.strip("<>"),
        status="bounced",
        reason="550 5.1.1 No such user",
    )

    # Then the partner sees the email BOUNCED, with the reason
    assert (status["status"], status["result"]) == ("complete", "marked bounced")
    seen = await api.query(INVITATION, {"id": invitation["id"]}, agent.token)
    assert seen["invitation"] == {
        "status": "PENDING",
        "emailStatus": "BOUNCED",
        "emailError": "550 5.1.1 No such user",
    }


async def test_a_delivered_report_changes_nothing_and_an_unknown_message_fails(
    http: httpx.AsyncClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation whose email went out
    agent, _ = await _people()
    invitation, _ = await flows.invite(GraphQLClient(http), db, smtp_server, agent)
    stored = await Invitation.get(id=decode_id("Invitation", invitation["id"]))
    assert stored.email_message_id is not None

    # When the mail system reports it delivered, and bounces a message we never sent
    delivered = await _webhook(
        http, db, "mail.delivery_report", message_id=stored.email_message_id, status="delivered"
    )
    unknown = await _webhook(
        http,
        db,
        "mail.delivery_report",
        message_id="<nobody@elsewhere.test>",
        status="bounced",
        reason="550 No such user",
    )

    # Then the email stays SENT; the unknown one fails, saying why
    assert delivered["status"] == "complete"
    assert (unknown["status"], unknown["error"]) == (
        "failed",
        "No invitation's latest email has this Message-ID.",
    )
    await stored.refresh_from_db()
    assert stored.email_status is EmailStatus.SENT
    assert await InboundWebhook.filter(status="failed").count() == 1


async def test_a_bounce_of_an_email_a_resend_replaced_changes_nothing(
    http: httpx.AsyncClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation mailed, then resent, the reminder mailed too
    agent, _ = await _people()
    api = GraphQLClient(http)
    invitation, _ = await flows.invite(api, db, smtp_server, agent)
    [first] = [m for m in smtp_server.messages if "/invitations/accept" in text_of(m)]
    resent = await _webhook(http, db, "invitation.resend", invitation_id=invitation["id"])
    assert resent["status"] == "complete"

    # When the first email's bounce arrives late
    status = await _webhook(
        http,
        db,
        "mail.delivery_report",
        message_id=first.message["Message-ID"],
        status="bounced",
        reason="550 5.1.1 No such user",
    )

    # Then the reminder's delivery still stands
    assert status["status"] == "failed"
    seen = await api.query(INVITATION, {"id": invitation["id"]}, agent.token)
    assert seen["invitation"]["emailStatus"] == "SENT"
