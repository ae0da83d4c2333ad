"""The jobs, run by a real arq worker against real Redis and a real SMTP server."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from arq.connections import ArqRedis

from models.foundation.settings import Settings
from models.infrastructure.tokens import hash_token
from models.reference.catalog import RELATIONSHIP_TYPES, AdminRole, role_name
from models.reference.enums import PartnerRole, RelationshipType
from models.tables.invitations import Invitation
from models.tables.organizations import User
from models.tables.outbox import OutboxMessage, Task
from tests import factories as f
from tests import flows
from tests.factories import Person
from tests.graphql import GraphQLClient
from tests.jobs import FAST_TRIES, html_of, invitation_link, run_jobs, text_of
from tests.servers import ReceivedMail, SmtpServer
from workers import jobs
from workers.runtime import Runtime

INVITATION_EMAIL = """
query($id: ID!) { invitation(id: $id) { status emailStatus emailAttempts emailError } }
"""

RESEND = """
mutation Resend($input: InvitationIdInput!) {
  resendInvitation(input: $input) { invitation { id emailStatus } errors { code field } }
}
"""

GRANTS = """
query($id: ID!) { relationship(id: $id) { status roleGrants { role status } } }
"""


async def _email_state(api: GraphQLClient, agent: Person, invitation_id: str) -> dict[str, Any]:
    data = await api.query(INVITATION_EMAIL, {"id": invitation_id}, agent.token)
    state: dict[str, Any] = data["invitation"]
    return state


async def _outbox(task: str) -> list[OutboxMessage]:
    return await OutboxMessage.filter(task=task).order_by("created_at")


async def _enqueue_again(settings: Settings, message: OutboxMessage, job_id: str) -> None:
    """Hand arq the same outbox message under another job id, as a second delivery would."""
    assert settings.redis_url is not None
    redis = ArqRedis.from_url(settings.redis_url)
    try:
        job = await redis.enqueue_job(message.task, str(message.id), _job_id=job_id)
        assert job is not None
    finally:
        await redis.aclose()


def _recipients(mails: list[ReceivedMail]) -> list[str]:
    """One recipient per message, in sorted order; fails if a message has several."""
    found = []
    for mail in mails:
        [recipient] = mail.rcpt_tos
        assert mail.message["To"] == recipient
        found.append(recipient)
    return sorted(found)


async def _relationship(
    api: GraphQLClient,
    smtp_server: SmtpServer,
    settings: Settings,
    sender: Person,
    admin: Person,
    roles: list[str],
) -> str:
    """A GDAP relationship with `roles`, accepted, with every email sent and the mailbox emptied."""
    relationship = await flows.accepted(
        api, settings, smtp_server, sender, admin, customerEmail="it@contoso.com", roles=roles
    )
    relationship_id: str = relationship["id"]
    return relationship_id


# --------------------------------------------------------------------------- invitation email


async def test_invitation_email_names_everything_and_has_one_link(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a partner agent
    fabrikam = await f.partner("Fabrikam")
    agent = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    message = "Hello <script>alert('x')</script> & welcome!"

    # When it sends a two-role GDAP invitation for 730 days with auto-extend and the worker runs
    sent = await f.send(
        api,
        agent,
        customerEmail="it@contoso.com",
        roles=["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"],
        durationDays=730,
        autoExtend=True,
        message=message,
    )
    assert sent["errors"] == []
    await run_jobs(db)

    # Then one multipart/alternative email goes from MAIL_FROM to the customer contact
    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["it@contoso.com"]
    assert mail.message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in mail.message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert mail.message["From"] == db.mail_from
    assert mail.message["To"] == "it@contoso.com"

    # And the text names the partner, the type, each role, the duration and the message
    text = text_of(mail)
    for words in (
        "Fabrikam",
        RELATIONSHIP_TYPES[RelationshipType.GDAP_PARTNER].name,
        role_name(AdminRole.USER_ADMINISTRATOR),
        role_name(AdminRole.HELPDESK_ADMINISTRATOR),
        "730 days",
        "extended automatically",
        message,
    ):
        assert words in text, words

    # And it holds exactly one accept link, under PUBLIC_URL
    url, token = invitation_link(mail)
    assert url == f"{db.public_url}/invitations/accept?token={token}"
    assert text.count("/invitations/accept?token=") == 1

    # And the HTML part shows the partner's message escaped, never as markup
    html = html_of(mail)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; welcome!" in html
    # And its one link is the button and, beside it, the same address as plain text to copy
    assert set(re.findall(r'href="([^"]*/invitations/accept[^"]*)"', html)) == {url}
    assert f">{url}</a>" in html


async def test_an_advisor_invitation_email_names_its_fixed_roles_and_no_end_date(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a partner agent
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.SALES_AGENT)

    # When it sends an ADVISOR invitation, which names no roles, and the worker runs
    sent = await f.send(api, agent, type="ADVISOR", roles=None, durationDays=None)
    assert sent["errors"] == []
    await run_jobs(db)

    # Then the email names the type's fixed roles and says the relationship has no end date
    [mail] = smtp_server.wait_for(1)
    text = text_of(mail)
    rule = RELATIONSHIP_TYPES[RelationshipType.ADVISOR]
    assert rule.name in text
    for role in rule.fixed_roles:
        assert role_name(role) in text
    assert "No end date" in text
    assert "extended automatically" not in text


async def test_a_transient_smtp_failure_is_retried_and_the_email_arrives_once(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an SMTP server that answers the next message with a passing failure
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    smtp_server.fail_next = ["451 4.3.0 Try again later"]

    # When an invitation is sent and the worker runs
    sent = await f.send(api, agent, customerEmail="it@contoso.com")
    await run_jobs(db)

    # Then the job tried again and the email arrived once
    assert smtp_server.fail_next == []
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["it@contoso.com"]
    assert await _email_state(api, agent, sent["invitation"]["id"]) == {
        "status": "PENDING",
        "emailStatus": "SENT",
        "emailAttempts": 2,
        "emailError": None,
    }


async def test_a_permanent_smtp_failure_is_not_retried(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an SMTP server that rejects the next message for good
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    smtp_server.fail_next = ["554 5.7.1 Rejected", "451 4.3.0 Not reached"]

    # When an invitation is sent and the worker runs
    sent = await f.send(api, agent, customerEmail="it@contoso.com")
    await run_jobs(db)

    # Then it was tried once only, no email went out, and the partner sees why
    assert smtp_server.fail_next == ["451 4.3.0 Not reached"]
    assert smtp_server.messages == []
    state = await _email_state(api, agent, sent["invitation"]["id"])
    assert state["emailStatus"] == "FAILED"
    assert state["emailAttempts"] == 1
    assert "554" in state["emailError"]
    [message] = await _outbox(Task.SEND_INVITATION_EMAIL)
    assert message.completed_at is not None
    assert "sealed_token" not in message.payload


async def test_an_email_failing_every_try_ends_failed_after_the_last_try(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an SMTP server that answers every try with a passing failure
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    smtp_server.fail_next = [f"451 4.3.0 Busy {n}" for n in range(FAST_TRIES)]

    # When an invitation is sent and the worker runs
    sent = await f.send(api, agent, customerEmail="it@contoso.com")
    await run_jobs(db)

    # Then every try was used, none got through, and the email is FAILED
    assert smtp_server.fail_next == []
    assert smtp_server.messages == []
    state = await _email_state(api, agent, sent["invitation"]["id"])
    assert state["emailStatus"] == "FAILED"
    assert state["emailAttempts"] == FAST_TRIES
    assert f"Busy {FAST_TRIES - 1}" in state["emailError"]


async def test_the_email_goes_out_once_the_smtp_server_is_back(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an SMTP server that is down
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    smtp_server.stop()
    try:
        # When an invitation is sent and the worker starts
        sent = await f.send(api, agent, customerEmail="it@contoso.com")
        assert sent["errors"] == []
        worker = asyncio.create_task(run_jobs(db, retry_delays=(0.3,) * 5))

        # And the server comes back once the first try has failed
        invitation_id = (await Invitation.get(customer_email="it@contoso.com")).id
        while not (await Invitation.get(id=invitation_id)).email_attempts:
            assert not worker.done(), worker
            await asyncio.sleep(0.01)
    finally:
        smtp_server.start()
    await worker

    # Then the email arrived exactly once and is SENT
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["it@contoso.com"]
    state = await _email_state(api, agent, sent["invitation"]["id"])
    assert state["emailStatus"] == "SENT"
    assert state["emailAttempts"] >= 2
    assert state["emailError"] is None


# --------------------------------------------------------------------------- never twice


async def test_a_repeated_job_never_mails_the_same_token_twice(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation whose email went out
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    sent = await f.send(api, agent, customerEmail="it@contoso.com")
    await run_jobs(db)
    [first] = smtp_server.wait_for(1)
    [message] = await _outbox(Task.SEND_INVITATION_EMAIL)

    # When arq delivers the same outbox message again, under another job id
    await _enqueue_again(db, message, "again")
    await run_jobs(db)

    # And the job is called once more directly, as a worker would
    assert db.redis_url is not None
    redis = ArqRedis.from_url(db.redis_url)
    try:
        ctx = {"runtime": Runtime(db), "redis": redis, "job_try": 1}
        await jobs.send_invitation_email(ctx, str(message.id))
    finally:
        await redis.aclose()

    # Then the customer still has one email, and the invitation says so
    assert smtp_server.messages == [first]
    state = await _email_state(api, agent, sent["invitation"]["id"])
    assert state["emailStatus"] == "SENT"
    assert state["emailAttempts"] == 1


async def test_a_job_whose_outbox_row_is_reopened_still_sends_once(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation whose email went out
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    await f.send(api, agent, customerEmail="it@contoso.com")
    [message] = await _outbox(Task.SEND_INVITATION_EMAIL)
    sealed = dict(message.payload)
    await run_jobs(db)
    [first] = smtp_server.wait_for(1)

    # When the job runs again as if the first run had crashed before recording it was done
    await OutboxMessage.filter(id=message.id).update(payload=sealed, completed_at=None)
    await _enqueue_again(db, message, "after-crash")
    await run_jobs(db)

    # Then the token already mailed is not mailed again
    assert smtp_server.messages == [first]


async def test_resending_before_the_worker_runs_sends_only_the_new_link(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation not yet emailed, and a customer global admin
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.SALES_AGENT)
    admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    sent = await f.send(api, agent, customerEmail="it@contoso.com")
    invitation_id = sent["invitation"]["id"]

    # When the partner resends it before the worker runs, and then the worker runs
    resent = await api.query(RESEND, {"input": {"id": invitation_id}}, agent.token)
    assert resent["resendInvitation"]["errors"] == []
    await run_jobs(db)

    # Then one email goes out, carrying the new token, and the stale one is skipped
    assert len(await _outbox(Task.SEND_INVITATION_EMAIL)) == 2
    [mail] = smtp_server.messages
    _, token = invitation_link(mail)
    invitation = await Invitation.get(customer_email="it@contoso.com")
    assert invitation.token_hash == hash_token(token)
    assert await _email_state(api, agent, invitation_id) == {
        "status": "PENDING",
        "emailStatus": "SENT",
        "emailAttempts": 1,
        "emailError": None,
    }

    # And its link works
    accepted = await f.accept(api, admin, token)
    assert accepted["errors"] == []
    assert accepted["relationship"]["types"] == ["GDAP_PARTNER"]


async def test_resending_after_the_email_went_out_mails_the_new_link_once(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation whose email went out
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    admin = await f.person(await f.customer(), AdminRole.GLOBAL_ADMINISTRATOR)
    sent = await f.send(api, agent, customerEmail="it@contoso.com")
    await run_jobs(db)
    [first] = smtp_server.wait_for(1)
    _, old_token = invitation_link(first)

    # When the partner resends it and the worker runs, twice
    resent = await api.query(RESEND, {"input": {"id": sent["invitation"]["id"]}}, agent.token)
    assert resent["resendInvitation"]["errors"] == []
    await run_jobs(db)
    await run_jobs(db)

    # Then exactly one more email goes out, with a new token; the old link is dead
    [_, second] = smtp_server.messages
    _, new_token = invitation_link(second)
    assert new_token != old_token
    refused = await f.accept(api, admin, old_token)
    assert [e["code"] for e in refused["errors"]] == ["NOT_FOUND"]
    accepted = await f.accept(api, admin, new_token)
    assert accepted["errors"] == []


# --------------------------------------------------------------------------- sealed token


async def test_the_token_is_stored_only_sealed_and_hashed(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation waiting for its email
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    await f.send(api, agent, customerEmail="it@contoso.com")
    [waiting] = await _outbox(Task.SEND_INVITATION_EMAIL)
    before = json.dumps(waiting.payload)
    assert "sealed_token" in waiting.payload

    # When the worker mails it
    await run_jobs(db)
    [mail] = smtp_server.wait_for(1)
    _, token = invitation_link(mail)

    # Then the outbox never held the plaintext token, and holds no sealed one any more
    assert token not in before
    [done] = await _outbox(Task.SEND_INVITATION_EMAIL)
    assert done.completed_at is not None
    assert token not in json.dumps(done.payload)
    assert "sealed_token" not in done.payload

    # And the invitation row keeps only the token's 64-hex hash
    invitation = await Invitation.get(customer_email="it@contoso.com")
    assert re.fullmatch(r"[0-9a-f]{64}", invitation.token_hash)
    assert invitation.token_hash != token
    assert invitation.token_hash == hash_token(token)
    [row] = await Invitation.filter(id=invitation.id).values()
    assert token not in repr(row)


# --------------------------------------------------------------------------- revocation


async def test_revoke_roles_twice_notifies_once_the_right_people_each_alone(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a partner with two admin agents and a sales agent
    fabrikam = await f.partner("Fabrikam")
    agents = [await f.person(fabrikam, PartnerRole.ADMIN_AGENT) for _ in range(2)]
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    # And a customer with two global admins and a billing admin
    contoso = await f.customer("Contoso")
    admins = [await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR) for _ in range(2)]
    billing = await f.person(contoso, AdminRole.BILLING_ADMINISTRATOR)
    # And a relationship granting two roles
    relationship_id = await _relationship(
        api, smtp_server, db, sales, admins[0], ["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"]
    )

    # When the customer removes one role and the revocation job runs
    removed = await api.query(
        f.REMOVE_ROLES,
        {"input": {"relationshipId": relationship_id, "roles": ["USER_ADMINISTRATOR"]}},
        admins[0].token,
    )
    assert removed["removeRoles"]["errors"] == []
    [revocation] = await _outbox(Task.REVOKE_ROLES)
    await run_jobs(db)
    mails = smtp_server.wait_for(4)

    # And it runs a second time, under another job id
    await _enqueue_again(db, revocation, "again")
    await run_jobs(db)

    # Then the grant is REVOKED, the other one untouched
    data = await api.query(GRANTS, {"id": relationship_id}, admins[0].token)
    assert data["relationship"]["status"] == "ACTIVE"
    assert {g["role"]: g["status"] for g in data["relationship"]["roleGrants"]} == {
        "USER_ADMINISTRATOR": "REVOKED",
        "HELPDESK_ADMINISTRATOR": "ACTIVE",
    }

    # And one set of emails went out: to the admin agents and the global admins, one each
    assert smtp_server.messages == mails
    assert len(await _outbox(Task.SEND_NOTIFICATION)) == 2  # the acceptance's and the removal's
    assert _recipients(mails) == sorted(p.email for p in [*agents, *admins])
    for mail in mails:
        others = {p.email for p in [*agents, *admins, sales, billing]} - set(mail.rcpt_tos)
        raw = mail.message.as_string()
        assert not [address for address in others if address in raw]

    # And each names what was removed
    for mail in mails:
        assert "roles removed" in mail.message["Subject"].lower()
        assert "Fabrikam" in mail.message["Subject"]
        assert "Contoso" in mail.message["Subject"]
        text = text_of(mail)
        assert role_name(AdminRole.USER_ADMINISTRATOR) in text
        assert role_name(AdminRole.HELPDESK_ADMINISTRATOR) not in text
        assert role_name(AdminRole.USER_ADMINISTRATOR) in html_of(mail)


async def test_revoke_roles_delivered_twice_at_once_notifies_once(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an accepted relationship with one admin agent and one global admin
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    relationship_id = await _relationship(
        api, smtp_server, db, agent, admin, ["USER_ADMINISTRATOR"]
    )

    # When the customer removes every role, and the revocation is queued twice before any run
    removed = await api.query(
        f.REMOVE_ROLES, {"input": {"relationshipId": relationship_id}}, admin.token
    )
    assert removed["removeRoles"]["errors"] == []
    [revocation] = await _outbox(Task.REVOKE_ROLES)
    await _enqueue_again(db, revocation, "twin")
    await run_jobs(db)

    # Then the grant is REVOKED and each side is told once
    data = await api.query(GRANTS, {"id": relationship_id}, admin.token)
    assert [g["status"] for g in data["relationship"]["roleGrants"]] == ["REVOKED"]
    assert _recipients(smtp_server.messages) == sorted([agent.email, admin.email])


# --------------------------------------------------------------------------- acceptance


async def test_acceptance_is_told_to_the_admin_agents_and_the_sender(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a partner with two admin agents, a helpdesk agent and a sales agent who invites
    fabrikam = await f.partner("Fabrikam")
    agents = [await f.person(fabrikam, PartnerRole.ADMIN_AGENT) for _ in range(2)]
    helpdesk = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT)
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    other_admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    sent = await f.send(api, sales, customerEmail="it@contoso.com")
    assert sent["errors"] == []
    await run_jobs(db)
    [invitation_mail] = smtp_server.wait_for(1)
    _, token = invitation_link(invitation_mail)

    # When the customer accepts and the worker runs
    accepted = await f.accept(api, admin, token)
    assert accepted["errors"] == []
    await run_jobs(db)

    # Then the admin agents and the sender are told, each in a message of their own
    mails = smtp_server.messages[1:]
    assert _recipients(mails) == sorted([*(a.email for a in agents), sales.email])
    assert helpdesk.email not in {r for m in mails for r in m.rcpt_tos}
    assert other_admin.email not in {r for m in mails for r in m.rcpt_tos}
    for mail in mails:
        assert "Contoso accepted your" in mail.message["Subject"]
        assert role_name(AdminRole.USER_ADMINISTRATOR) in text_of(mail)


async def test_a_sender_who_is_an_admin_agent_is_told_once(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an admin agent who sends an invitation
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    admin = await f.person(await f.customer(), AdminRole.GLOBAL_ADMINISTRATOR)
    await f.send(api, agent, customerEmail="it@contoso.com")
    await run_jobs(db)
    _, token = invitation_link(smtp_server.wait_for(1)[0])

    # When the customer accepts and the worker runs
    assert (await f.accept(api, admin, token))["errors"] == []
    await run_jobs(db)

    # Then the agent gets one notification, not two
    [_, notification] = smtp_server.messages
    assert notification.rcpt_tos == [agent.email]


async def test_the_partners_account_in_the_tenant_is_not_mailed_about_removed_roles(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a PARTNER relationship whose tenant account holds Global Administrator
    fabrikam = await f.partner("Fabrikam")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    sent = await f.send(
        api, agent, type="PARTNER", roles=["GLOBAL_ADMINISTRATOR"], durationDays=None
    )
    assert sent["errors"] == []
    await run_jobs(db)
    _, token = invitation_link(smtp_server.wait_for(1)[0])
    accepted = await f.accept(api, admin, token)
    assert accepted["errors"] == []
    await run_jobs(db)
    smtp_server.clear()
    account = await User.get(organization_id=contoso.id, partner_of_id=fabrikam.id)
    assert AdminRole.GLOBAL_ADMINISTRATOR in account.roles

    # When the customer removes the partner's roles and the worker runs
    removed = await api.query(
        f.REMOVE_ROLES,
        {"input": {"relationshipId": accepted["relationship"]["id"]}},
        admin.token,
    )
    assert removed["removeRoles"]["errors"] == []
    await run_jobs(db)

    # Then only the people are told, never the partner's account inside the tenant
    assert _recipients(smtp_server.messages) == sorted([agent.email, admin.email])


async def test_a_retried_notification_never_mails_a_recipient_twice(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an accepted invitation whose partner has three admin agents
    fabrikam = await f.partner("Fabrikam")
    agents = [await f.person(fabrikam, PartnerRole.ADMIN_AGENT) for _ in range(3)]
    admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    await f.send(api, agents[0], customerEmail="it@contoso.com")
    await run_jobs(db)
    _, token = invitation_link(smtp_server.wait_for(1)[0])
    smtp_server.clear()
    assert (await f.accept(api, admin, token))["errors"] == []
    first, second, third = sorted(a.email for a in agents)

    # When the notification's message to the first is accepted (unrecorded by the test
    # server), the second's meets a passing failure and then a final one, and the worker runs
    smtp_server.fail_for = {
        first: ["250 2.0.0 Accepted"],
        second: ["451 4.3.0 Try again later", "554 5.7.1 Rejected"],
    }
    await run_jobs(db)

    # Then the retry skipped the first recipient, gave up on the second, and mailed the third
    assert smtp_server.fail_for == {first: [], second: []}
    assert [m.rcpt_tos for m in smtp_server.messages] == [[third]]
    [notification] = await _outbox(Task.SEND_NOTIFICATION)
    assert notification.completed_at is not None
    assert notification.payload["sent_to"] == [first, third]
    assert list(notification.payload["failed"]) == [second]
