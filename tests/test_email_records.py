"""What each email records before and after its try, the Message-ID a repeat carries, each
recipient's own retries, and the retry schedule's window."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest

from models.foundation.clock import utcnow
from models.foundation.settings import DEFAULT_EMAIL_RETRY_DELAYS, Settings
from models.reference.catalog import AdminRole
from models.reference.enums import EmailStatus, PartnerRole
from models.rules import notification_emails
from models.tables.invitations import Invitation
from models.tables.outbox import NotificationEmail, OutboxMessage, RecipientStatus, Task
from tests import factories as f
from tests.factories import Person
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link, run_jobs
from tests.servers import Fault, SmtpServer
from tests.worker_processes import eventually
from workers.emails import message_id_for
from workers.queue import queue_client
from workers.worker import create_worker

GROWING = (0.05, 0.1, 0.2, 0.4, 0.8)
SMTP_TIMEOUT = 1.0
README = Path(__file__).resolve().parents[1] / "README.md"


async def _accepted_by_a_partner_with_three_admin_agents(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> list[Person]:
    """Three admin agents of a partner whose invitation the customer has just accepted: the
    acceptance's notice waits to be sent to each of them. The mailbox is empty."""
    fabrikam = await f.partner("Fabrikam")
    agents = [await f.person(fabrikam, PartnerRole.ADMIN_AGENT) for _ in range(3)]
    admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    await f.send(api, agents[0], customerEmail="it@contoso.com")
    await run_jobs(db)
    _, token = invitation_link(smtp_server.wait_for(1)[0])
    smtp_server.clear()
    assert (await f.accept(api, admin, token))["errors"] == []
    return sorted(agents, key=lambda agent: agent.email)


# --------------------------------------------------------------------------- Message-ID


def test_an_emails_message_id_follows_from_its_outbox_message_and_recipient() -> None:
    # Given two outbox messages' ids
    first, second = (
        "0b6a3d0e-3c7e-4d55-9a43-9d7e0c7c1a01",
        "5f1c2b7e-8a9d-4e3f-b2c1-0d9e8f7a6b02",
    )
    sender = "Partnerhub <no-reply@partnerhub.example.com>"

    # Then the same message to the same recipient always has the same Message-ID
    assert message_id_for(sender, first, "a@contoso.com") == message_id_for(
        sender, first, "A@contoso.com"
    )
    # And another recipient or another message has another one
    ids = {
        message_id_for(sender, first, "a@contoso.com"),
        message_id_for(sender, first, "b@contoso.com"),
        message_id_for(sender, second, "a@contoso.com"),
    }
    assert len(ids) == 3
    # And each is a Message-ID of the sender's domain that does not show the address
    for value in ids:
        assert re.fullmatch(r"<[0-9a-f-]{36}\.[0-9a-f]{24}@partnerhub\.example\.com>", value)
        assert "contoso" not in value


async def test_an_invitation_email_accepted_but_unanswered_is_sent_again_under_its_message_id(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an SMTP server that keeps the next message, then drops the connection unanswered
    # (as a worker that died before recording the send would never learn of it either)
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    smtp_server.faults = [Fault.DROP_AFTER_ACCEPT]

    # When an invitation is sent and the worker runs
    sent = await f.send(api, agent, customerEmail="it@contoso.com")
    assert sent["errors"] == []
    await run_jobs(db, retry_delays=GROWING, smtp_timeout=SMTP_TIMEOUT)

    # Then the one message in doubt was sent again, and both copies are the same message
    first, again = smtp_server.messages
    assert first.rcpt_tos == again.rcpt_tos == ["it@contoso.com"]
    assert first.message["Message-ID"] == again.message["Message-ID"]
    assert invitation_link(first) == invitation_link(again)

    # And the invitation knows that Message-ID, which a delivery report would name
    invitation = await Invitation.get(customer_email="it@contoso.com")
    [message] = await OutboxMessage.filter(task=Task.SEND_INVITATION_EMAIL)
    assert invitation.email_message_id == first.message["Message-ID"]
    assert invitation.email_message_id == message_id_for(db.mail_from, message.id, "it@contoso.com")
    assert (invitation.email_status, invitation.email_attempts) == (EmailStatus.SENT, 2)


async def test_an_invitation_emails_message_id_is_recorded_before_its_try(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an SMTP server that refuses the next message for now
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    smtp_server.fail_next = ["451 4.3.0 Try again later"]

    # When an invitation is sent and the worker's first try fails (its retry an hour away)
    sent = await f.send(api, agent, customerEmail="it@contoso.com")
    assert sent["errors"] == []
    worker = create_worker(
        db,
        retry_delays=(3600.0,),
        burst=True,
        poll_delay=0.02,
        handle_signals=False,
        cron_jobs=[],
    )
    try:
        await worker.run_check(max_burst_jobs=1)
    finally:
        await worker.close()

    # Then the invitation already names the Message-ID its email goes out under
    invitation = await Invitation.get(customer_email="it@contoso.com")
    [message] = await OutboxMessage.filter(task=Task.SEND_INVITATION_EMAIL)
    assert invitation.email_message_id == message_id_for(db.mail_from, message.id, "it@contoso.com")
    assert (invitation.email_status, invitation.email_attempts) == (EmailStatus.QUEUED, 1)
    assert smtp_server.messages == []


async def test_a_notification_email_accepted_but_unanswered_is_the_only_one_sent_again(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a notice to three admin agents, and an SMTP server that keeps the next message
    # and then drops the connection unanswered
    agents = await _accepted_by_a_partner_with_three_admin_agents(api, db, smtp_server)
    smtp_server.faults = [Fault.DROP_AFTER_ACCEPT]

    # When the worker runs
    await run_jobs(db, retry_delays=GROWING, smtp_timeout=SMTP_TIMEOUT)

    # Then one agent has the notice twice, as the same message, and the others once
    mails = smtp_server.messages
    by_recipient = {a.email: [m for m in mails if m.rcpt_tos == [a.email]] for a in agents}
    assert sorted(len(found) for found in by_recipient.values()) == [1, 1, 2]
    [twice] = [found for found in by_recipient.values() if len(found) == 2]
    assert twice[0].message["Message-ID"] == twice[1].message["Message-ID"]
    # And each agent's notice has a Message-ID of its own, recorded with its email
    ids = {found[0].message["Message-ID"] for found in by_recipient.values()}
    assert len(ids) == 3
    emails = await NotificationEmail.all()
    assert {email.message_id for email in emails} == ids
    assert {email.status for email in emails} == {RecipientStatus.SENT}
    [notification] = await OutboxMessage.filter(task=Task.SEND_NOTIFICATION)
    assert notification.payload["sent_to"] == [a.email for a in agents]


async def test_an_email_taken_for_a_try_is_not_taken_again_until_its_lease_runs_out(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a notice planned for three agents
    agents = await _accepted_by_a_partner_with_three_admin_agents(api, db, smtp_server)
    [message] = await OutboxMessage.filter(task=Task.SEND_NOTIFICATION)
    planned = await notification_emails.plan(
        message, [a.email for a in agents], lambda r: message_id_for(db.mail_from, message.id, r)
    )
    email = planned[0]
    now = utcnow()

    # When a run takes one for a try
    taken = await notification_emails.take(email.id, now, timedelta(seconds=40))

    # Then it is SENDING, and no other run may take it while that try may still be under way
    assert taken is not None
    assert taken.status is RecipientStatus.SENDING
    assert (
        await notification_emails.take(email.id, now + timedelta(seconds=39), timedelta(1)) is None
    )
    # But once the lease has run out (the worker died), another run takes it again
    again = await notification_emails.take(email.id, now + timedelta(seconds=41), timedelta(1))
    assert again is not None

    # And once recorded sent, it is never taken again
    await notification_emails.record_sent(again, utcnow())
    later = now + timedelta(days=1)
    assert await notification_emails.take(email.id, later, timedelta(1)) is None
    # And planning the notice again adds nothing, nor changes what was recorded
    replanned = await notification_emails.plan(
        message, [a.email for a in agents], lambda r: message_id_for(db.mail_from, message.id, r)
    )
    assert [e.id for e in replanned] == [e.id for e in planned]
    assert [e.status for e in replanned] == [
        RecipientStatus.SENT,
        RecipientStatus.PENDING,
        RecipientStatus.PENDING,
    ]


async def test_a_notification_an_earlier_version_began_to_send_goes_on_where_it_stopped(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a notice to three admin agents that an earlier version had sent to the first
    # and given up on for the second, keeping that progress in its payload
    first, second, third = await _accepted_by_a_partner_with_three_admin_agents(
        api, db, smtp_server
    )
    [message] = await OutboxMessage.filter(task=Task.SEND_NOTIFICATION)
    progress = {"sent_to": [first.email], "failed": {second.email: "SMTPDataError: 554"}}
    await OutboxMessage.filter(id=message.id).update(payload={**message.payload, **progress})

    # When the worker runs
    await run_jobs(db)

    # Then only the third agent is mailed, and the notice records all three as they ended
    assert [m.rcpt_tos for m in smtp_server.messages] == [[third.email]]
    await message.refresh_from_db()
    assert message.completed_at is not None
    assert message.payload["sent_to"] == [first.email, third.email]
    assert list(message.payload["failed"]) == [second.email]


# --------------------------------------------------------------------------- own retries


async def test_a_recipient_whose_mail_is_refused_for_now_does_not_hold_up_the_others(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a notice to three admin agents, and an SMTP server that refuses the second's
    # message for now
    first, second, third = await _accepted_by_a_partner_with_three_admin_agents(
        api, db, smtp_server
    )
    smtp_server.fail_for = {second.email: ["452 4.2.2 Mailbox full"]}

    # When a worker runs, its retries an hour apart
    worker = create_worker(db, retry_delays=(3600.0,), poll_delay=0.02, handle_signals=False)
    running = asyncio.create_task(worker.async_run())
    try:
        # Then the first and the third agent get the notice at once
        mails = await smtp_server.await_for(2)

        async def retry_scheduled() -> bool:
            email = await NotificationEmail.get(recipient=second.email)
            return email.attempts == 1

        await eventually(retry_scheduled, "the second agent's try fails")
    finally:
        await worker.close()
        await asyncio.gather(running, return_exceptions=True)
    assert sorted(m.rcpt_tos[0] for m in mails) == [first.email, third.email]

    # While the second's waits for its retry, and the notice is not done until it is sent
    waiting = await NotificationEmail.get(recipient=second.email)
    assert (waiting.status, waiting.attempts) == (RecipientStatus.PENDING, 1)
    assert waiting.last_error is not None
    assert "Mailbox full" in waiting.last_error
    [notification] = await OutboxMessage.filter(task=Task.SEND_NOTIFICATION)
    assert notification.completed_at is None


# --------------------------------------------------------------------------- the window


def test_the_email_retry_window_outlasts_a_day_long_mail_outage_and_is_documented() -> None:
    # Given the default delays between an email's tries
    window = timedelta(seconds=sum(DEFAULT_EMAIL_RETRY_DELAYS))

    # Then the last try comes more than a day after the first: 37 h 51 min
    assert window > timedelta(days=1)
    hours, rest = divmod(int(window.total_seconds()), 3600)
    assert (hours, rest // 60) == (37, 51)
    # And the delays only grow, up to six hours, over 13 tries in all
    assert list(DEFAULT_EMAIL_RETRY_DELAYS) == sorted(DEFAULT_EMAIL_RETRY_DELAYS)
    assert max(DEFAULT_EMAIL_RETRY_DELAYS) == 6 * 3600
    assert len(DEFAULT_EMAIL_RETRY_DELAYS) + 1 == 13
    # And the README says so
    readme = " ".join(README.read_text().split())
    assert f"{hours} h {rest // 60} min" in readme
    assert "13 tries" in readme


def test_a_job_is_kept_in_redis_for_longer_than_its_emails_retry() -> None:
    # Given retry delays that add up to three days
    settings = Settings(redis_url="redis://127.0.0.1:6379/0", email_retry_delays=(86400.0,) * 3)

    # Then a job enqueued is kept for longer, so its last retry is not dropped as expired
    client = queue_client(settings)
    assert client.expires_extra_ms > 3 * 86400 * 1000


@pytest.mark.parametrize(
    ("value", "delays"),
    [("60,300, 900", (60.0, 300.0, 900.0)), ("1.5", (1.5,))],
)
def test_email_retry_delays_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str, delays: tuple[float, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EMAIL_RETRY_DELAYS", value)
    assert Settings.from_env().email_retry_delays == delays
