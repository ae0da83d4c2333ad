"""Faults: an SMTP server that drops or stalls, and Redis and SMTP down while people work.

Nothing here is mocked: the SMTP server really closes the connection or never answers, and
the Redis and SMTP servers are really stopped and started again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from arq.connections import ArqRedis

from models.foundation.settings import Settings
from models.infrastructure.tokens import hash_token
from models.reference.catalog import RELATIONSHIP_TYPES, AdminRole, role_name
from models.reference.enums import PartnerRole, RelationshipType
from models.tables.invitations import Invitation
from models.tables.outbox import OutboxMessage, Task
from tests import factories as f
from tests import flows
from tests.factories import Person
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link, run_jobs, text_of
from tests.servers import Fault, ReceivedMail, RedisServer, SmtpServer, free_port
from workers.jobs import relay_outbox
from workers.mailer import Mailer, is_transient
from workers.runtime import Runtime

# Growing delays, short enough for a test; and an SMTP timeout that a stalled server exceeds
# while a healthy one on loopback never comes near it.
GROWING = (0.05, 0.1, 0.2, 0.4, 0.8)
GROWING_TRIES = len(GROWING) + 1
SMTP_TIMEOUT = 1.0

INVITATION_EMAIL = """
query($id: ID!) { invitation(id: $id) { status emailStatus emailAttempts emailError } }
"""

RELATIONSHIP = """
query($id: ID!) { relationship(id: $id) { status roleGrants { role status } } }
"""

RESEND = """
mutation Resend($input: InvitationIdInput!) {
  resendInvitation(input: $input) { invitation { id status emailStatus } errors { code } }
}
"""

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """The whole process's clock, set to START and running on; tests move it forward."""
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


def _retry_delays(caplog: pytest.LogCaptureFixture) -> list[float]:
    """The delay of each retry the worker scheduled, in order, read from its own log."""
    delays = []
    for record in caplog.records:
        if record.name == "arq.worker" and "retrying job in" in str(record.msg):
            assert isinstance(record.args, tuple)
            delay = record.args[2]
            assert isinstance(delay, float)
            delays.append(delay)
    return delays


async def _email_state(api: GraphQLClient, person: Person, invitation_id: str) -> dict[str, Any]:
    data = await api.query(INVITATION_EMAIL, {"id": invitation_id}, person.token)
    state: dict[str, Any] = data["invitation"]
    return state


def _sent(smtp: SmtpServer) -> list[tuple[str, str]]:
    """(recipient, subject) of every message received, sorted; each has one recipient."""
    found = []
    for mail in smtp.messages:
        [recipient] = mail.rcpt_tos
        found.append((recipient, str(mail.message["Subject"]).strip()))
    return sorted(found)


def _mail_to(smtp: SmtpServer, address: str) -> ReceivedMail:
    [mail] = [m for m in smtp.messages if m.rcpt_tos == [address]]
    return mail


# --------------------------------------------------------------------------- SMTP faults


@pytest.mark.parametrize("fault", [f for f in Fault if f is not Fault.DROP_AFTER_ACCEPT])
async def test_a_fault_that_passes_is_retried_with_growing_delays_and_the_email_arrives_once(
    api: GraphQLClient,
    db: Settings,
    smtp_server: SmtpServer,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
) -> None:
    # Given an SMTP server that drops or leaves unanswered the next three connections
    caplog.set_level(logging.INFO, logger="arq.worker")
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    smtp_server.faults = [fault] * 3

    # When an invitation is sent and the worker runs
    sent = await f.send(api, agent, customerEmail="it@contoso.com")
    assert sent["errors"] == []
    await run_jobs(db, retry_delays=GROWING, smtp_timeout=SMTP_TIMEOUT)

    # Then each failed try was retried, each time after a longer delay
    assert smtp_server.faults == []
    assert _retry_delays(caplog) == [0.05, 0.1, 0.2]

    # And the fourth try delivered the email, once, and the partner sees it SENT
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["it@contoso.com"]
    assert await _email_state(api, agent, sent["invitation"]["id"]) == {
        "status": "PENDING",
        "emailStatus": "SENT",
        "emailAttempts": 4,
        "emailError": None,
    }


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.DROP_ON_DATA, "SMTPServerDisconnected"),
        (Fault.STALL_ON_CONNECT, "SMTPConnectTimeoutError"),
    ],
)
async def test_a_fault_on_every_try_ends_failed_with_the_error_visible(
    api: GraphQLClient,
    db: Settings,
    smtp_server: SmtpServer,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
    error: str,
) -> None:
    # Given an SMTP server that drops or leaves unanswered every try the job will make
    caplog.set_level(logging.INFO, logger="arq.worker")
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    smtp_server.faults = [fault] * GROWING_TRIES

    # When an invitation is sent and the worker runs
    sent = await f.send(api, agent, customerEmail="it@contoso.com")
    assert sent["errors"] == []
    await run_jobs(db, retry_delays=GROWING, smtp_timeout=SMTP_TIMEOUT)

    # Then every try was used, each retry after a longer delay than the one before
    assert smtp_server.faults == []
    assert _retry_delays(caplog) == list(GROWING)
    assert smtp_server.messages == []

    # And the email is FAILED, with the last try's error, as the partner sees it
    state = await _email_state(api, agent, sent["invitation"]["id"])
    assert state["status"] == "PENDING"
    assert state["emailStatus"] == "FAILED"
    assert state["emailAttempts"] == GROWING_TRIES
    assert state["emailError"].startswith(f"{error}: ")
    [message] = await OutboxMessage.filter(task=Task.SEND_INVITATION_EMAIL)
    assert message.completed_at is not None
    assert "sealed_token" not in message.payload

    # And once the server is healthy again, a later worker run does not try again by itself
    await run_jobs(db, retry_delays=GROWING, smtp_timeout=SMTP_TIMEOUT)
    assert smtp_server.messages == []


async def test_a_notification_meeting_faults_reaches_each_recipient_once(
    api: GraphQLClient,
    db: Settings,
    smtp_server: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given an emailed invitation from a partner with two admin agents
    fabrikam = await f.partner("Fabrikam")
    agents = [await f.person(fabrikam, PartnerRole.ADMIN_AGENT) for _ in range(2)]
    admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    await f.send(api, agents[0], customerEmail="it@contoso.com")
    await run_jobs(db)
    _, token = invitation_link(smtp_server.wait_for(1)[0])
    smtp_server.clear()
    caplog.set_level(logging.INFO, logger="arq.worker")

    # When the customer accepts, and the SMTP server drops the first agent's message after
    # taking it, then leaves the next connection unanswered, and the worker runs
    assert (await f.accept(api, admin, token))["errors"] == []
    smtp_server.faults = [Fault.DROP_ON_DATA, Fault.STALL_ON_CONNECT]
    await run_jobs(db, retry_delays=GROWING, smtp_timeout=SMTP_TIMEOUT)

    # Then the two faults were retried, each email on its own schedule (a second fault of
    # the same email would have waited longer)
    assert smtp_server.faults == []
    delays = _retry_delays(caplog)
    assert len(delays) == 2
    assert set(delays) <= set(GROWING[:2])

    # And each admin agent has the acceptance notice exactly once
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == sorted(a.email for a in agents)
    [notification] = await OutboxMessage.filter(task=Task.SEND_NOTIFICATION)
    assert notification.completed_at is not None
    assert sorted(notification.payload["sent_to"]) == sorted(a.email for a in agents)
    assert notification.payload["failed"] == {}


# --------------------------------------------------------------------------- outage


async def test_changes_made_while_redis_and_smtp_are_down_commit_and_each_email_goes_out_once(
    api: GraphQLClient,
    db: Settings,
    redis_server: RedisServer,
    smtp_server: SmtpServer,
    clock: time_machine.Traveller,
) -> None:
    # Given Fabrikam's admin agent, Contoso's global admin, and a two-role relationship between
    # them accepted while everything was up
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    relationship = await flows.accepted(
        api,
        db,
        smtp_server,
        agent,
        admin,
        customerEmail="it@contoso.com",
        roles=["USER_ADMINISTRATOR", "GLOBAL_READER"],
    )
    relationship_id = relationship["id"]
    done_before = await OutboxMessage.filter(completed_at__not_isnull=True).count()

    # When Redis and SMTP are both down
    redis_server.stop()
    smtp_server.stop()
    try:
        # And the partner sends two invitations and resends the first, the customer removes
        # one role and the partner then ends the relationship
        first = await f.send(api, agent, customerEmail="security@contoso.com")
        second = await f.send(api, agent, customerEmail="it@northwind.example.com")
        resent = await api.query(RESEND, {"input": {"id": first["invitation"]["id"]}}, agent.token)
        removed = await api.query(
            f.REMOVE_ROLES,
            {"input": {"relationshipId": relationship_id, "roles": ["USER_ADMINISTRATOR"]}},
            admin.token,
        )
        ended = await api.query(f.END, {"input": {"relationshipId": relationship_id}}, agent.token)

        # Then every mutation succeeded
        assert first["errors"] == []
        assert second["errors"] == []
        assert resent["resendInvitation"]["errors"] == []
        assert removed["removeRoles"]["errors"] == []
        assert ended["endRelationship"]["errors"] == []

        # And committed, as the API shows while both servers are still down
        for sent in (first, second):
            assert await _email_state(api, agent, sent["invitation"]["id"]) == {
                "status": "PENDING",
                "emailStatus": "QUEUED",
                "emailAttempts": 0,
                "emailError": None,
            }
        data = await api.query(RELATIONSHIP, {"id": relationship_id}, admin.token)
        assert data["relationship"]["status"] == "ENDED"
        assert {g["status"] for g in data["relationship"]["roleGrants"]} == {"REVOKING"}

        # And their six side effects wait in the outbox, none handed to Redis: two invitation
        # emails, the resend's, two revocations and the notice that the relationship ended
        waiting = await OutboxMessage.filter(completed_at=None).order_by("created_at")
        assert [m.task for m in waiting] == [
            Task.SEND_INVITATION_EMAIL,
            Task.SEND_INVITATION_EMAIL,
            Task.SEND_INVITATION_EMAIL,
            Task.REVOKE_ROLES,
            Task.REVOKE_ROLES,
            Task.SEND_NOTIFICATION,
        ]
        assert all(m.enqueued_at is None for m in waiting)
        old_token = Runtime(db).sealer.unseal(waiting[0].payload["sealed_token"])
        assert old_token is not None
    finally:
        redis_server.start()
        smtp_server.start()

    # When both are back, and a minute later the relay and the worker run
    clock.shift(timedelta(minutes=1))
    redis = ArqRedis.from_url(db.redis_url or "")
    try:
        assert await relay_outbox({"redis": redis}) == "relayed 6 message(s)"
        await run_jobs(db)
    finally:
        await redis.aclose()

    # Then every email expected went out exactly once: an invitation to each addressee (the
    # resent one as a reminder), and the removal of the roles and the end of the relationship
    # to both sides. The first revocation job finds both grants REVOKING and tells of each
    # removal with its own reason, as if they had been carried through apart.
    gdap = RELATIONSHIP_TYPES[RelationshipType.GDAP_PARTNER].name
    invites = f"Fabrikam invites you to a {gdap} relationship"
    removal = "Admin roles removed: Fabrikam for Contoso"
    end = "Fabrikam ended its relationship with Contoso"
    assert _sent(smtp_server) == sorted(
        [
            ("security@contoso.com", f"Reminder: {invites}"),
            ("it@northwind.example.com", invites),
            (agent.email, removal),
            (admin.email, removal),
            (agent.email, removal),
            (admin.email, removal),
            (agent.email, end),
            (admin.email, end),
        ]
    )
    for person in (agent, admin):
        notices = sorted(
            text_of(m)
            for m in smtp_server.messages
            if m.rcpt_tos == [person.email] and m.message["Subject"] == removal
        )
        by_customer = [t for t in notices if "Reason: Removed by the customer" in t]
        by_end = [t for t in notices if "Reason: Relationship ended by the partner" in t]
        assert len(by_customer) == len(by_end) == 1, notices
        assert role_name(AdminRole.USER_ADMINISTRATOR) in by_customer[0]
        assert role_name(AdminRole.GLOBAL_READER) not in by_customer[0]
        assert role_name(AdminRole.GLOBAL_READER) in by_end[0]

    # And the resent invitation's email carries its new link; the old token never went out
    _, new_token = invitation_link(_mail_to(smtp_server, "security@contoso.com"))
    resent_invitation = await Invitation.get(customer_email="security@contoso.com")
    assert resent_invitation.token_hash == hash_token(new_token)
    assert new_token != old_token
    assert not [m for m in smtp_server.messages if old_token in m.message.as_string()]

    # And both invitations' emails are SENT, at the first try, and the grants REVOKED
    for sent in (first, second):
        assert await _email_state(api, agent, sent["invitation"]["id"]) == {
            "status": "PENDING",
            "emailStatus": "SENT",
            "emailAttempts": 1,
            "emailError": None,
        }
    data = await api.query(RELATIONSHIP, {"id": relationship_id}, admin.token)
    assert {g["status"] for g in data["relationship"]["roleGrants"]} == {"REVOKED"}

    # And nothing is left in the outbox: the six messages and the notices they caused are done
    assert await OutboxMessage.filter(completed_at=None).count() == 0
    assert await OutboxMessage.filter(completed_at__not_isnull=True).count() == done_before + 8

    # When the relay and the worker run again, hours later
    clock.shift(timedelta(hours=2))
    mails = smtp_server.messages
    redis = ArqRedis.from_url(db.redis_url or "")
    try:
        assert await relay_outbox({"redis": redis}) == "relayed 0 message(s)"
        await run_jobs(db)
    finally:
        await redis.aclose()

    # Then no email goes out twice
    assert smtp_server.messages == mails


class _SlowAtEachStep:
    """Answers EHLO and DATA, each a little under the client's step timeout."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    async def handle_EHLO(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        await asyncio.sleep(self.delay)
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(self.delay)
        return "250 OK"


async def test_a_server_slow_at_every_step_is_cut_off_by_the_whole_sends_deadline() -> None:
    # Given a server that answers each step in 0.3 s, and a client that allows 0.4 s a step
    controller = Controller(_SlowAtEachStep(0.3), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        mailer = Mailer(host="127.0.0.1", port=controller.port, timeout=0.4)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "x"
        message.set_content("x")

        # When it sends, the whole send outlasts its deadline (1.5 steps), not any one step
        with pytest.raises(TimeoutError) as raised:
            await mailer.send(message)
    finally:
        controller.stop()

    # Then the failure is one that passes: the job retries it
    assert mailer.deadline == pytest.approx(0.6)
    assert is_transient(raised.value)
