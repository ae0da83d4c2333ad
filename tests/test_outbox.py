"""The outbox: side effects are committed with their change and delivered once Redis answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from arq.connections import ArqRedis

from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.invitations import Invitation
from models.tables.outbox import OutboxMessage, Task
from tests import factories as f
from tests import flows
from tests.factories import Person
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link, run_jobs
from tests.servers import RedisServer, SmtpServer
from workers.dispatch import dispatch

CANCEL = """
mutation Cancel($input: InvitationIdInput!) {
  cancelInvitation(input: $input) { invitation { status } errors { code field } }
}
"""

RESEND = """
mutation Resend($input: InvitationIdInput!) {
  resendInvitation(input: $input) { invitation { status } errors { code field } }
}
"""


@asynccontextmanager
async def _arq(settings: Settings) -> AsyncIterator[ArqRedis]:
    """A fresh arq client of the test's Redis, as a relay process would hold."""
    assert settings.redis_url is not None
    redis = ArqRedis.from_url(settings.redis_url)
    try:
        yield redis
    finally:
        await redis.aclose()


async def _queued_job_ids(settings: Settings) -> list[str]:
    async with _arq(settings) as redis:
        return sorted(str(job.job_id) for job in await redis.queued_jobs())


def _codes(payload: dict[str, list[dict[str, str]]]) -> list[str]:
    return [error["code"] for error in payload["errors"]]


async def _relationship(
    api: GraphQLClient, smtp_server: SmtpServer, settings: Settings, agent: Person, admin: Person
) -> str:
    """An accepted two-role GDAP relationship, with every job run and the mailbox emptied."""
    relationship = await flows.accepted(
        api,
        settings,
        smtp_server,
        agent,
        admin,
        customerEmail="it@contoso.com",
        roles=["USER_ADMINISTRATOR", "GLOBAL_READER"],
    )
    relationship_id: str = relationship["id"]
    return relationship_id


# --------------------------------------------------------------------------- Redis down


async def test_an_invitation_sent_while_redis_is_down_is_mailed_once_it_is_back(
    api: GraphQLClient, db: Settings, redis_server: RedisServer, smtp_server: SmtpServer
) -> None:
    # Given a partner agent, and Redis down
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    redis_server.stop()
    try:
        # When the agent sends an invitation
        sent = await f.send(api, agent, customerEmail="it@contoso.com")
    finally:
        redis_server.start()

    # Then the mutation succeeded and the invitation and its email intent are stored, unenqueued
    assert sent["errors"] == []
    assert sent["invitation"]["status"] == "PENDING"
    assert sent["invitation"]["emailStatus"] == "QUEUED"
    assert await Invitation.filter(customer_email="it@contoso.com").count() == 1
    [pending] = await OutboxMessage.filter(completed_at=None)
    assert pending.task == Task.SEND_INVITATION_EMAIL
    assert pending.enqueued_at is None
    assert await _queued_job_ids(db) == []

    # When Redis is back and the pending messages are dispatched, and the worker runs
    unenqueued = await OutboxMessage.filter(enqueued_at=None, completed_at=None)
    async with _arq(db) as redis:
        assert await dispatch(unenqueued, redis) == 1
    assert await _queued_job_ids(db) == [pending.job_id]
    await run_jobs(db)

    # Then exactly one email reaches the customer
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["it@contoso.com"]
    await pending.refresh_from_db()
    assert pending.enqueued_at is not None
    assert pending.completed_at is not None

    # And the app's own Redis client reconnected: the next mutation is enqueued at once
    again = await f.send(api, agent, customerEmail="sales@contoso.com")
    assert again["errors"] == []
    [latest] = await OutboxMessage.filter(completed_at=None)
    assert latest.enqueued_at is not None
    assert await _queued_job_ids(db) == [latest.job_id]
    await run_jobs(db)
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        "it@contoso.com",
        "sales@contoso.com",
    ]


# --------------------------------------------------------------------------- dedupe


async def test_dispatching_a_message_twice_makes_one_job_and_one_email(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation whose email job the mutation enqueued
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    sent = await f.send(api, agent, customerEmail="it@contoso.com")
    assert sent["errors"] == []
    [message] = await OutboxMessage.all()
    assert message.enqueued_at is not None

    # When a relay dispatches the same message twice more
    async with _arq(db) as redis:
        await dispatch([message], redis)
        await dispatch([message], redis)

    # Then arq holds one job for it
    assert await _queued_job_ids(db) == [message.job_id]

    # When the worker runs, and the message is dispatched yet again afterwards
    await run_jobs(db)
    async with _arq(db) as redis:
        await dispatch([message], redis)
    assert await _queued_job_ids(db) == []
    await run_jobs(db)

    # Then one email went out
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["it@contoso.com"]


# --------------------------------------------------------------------------- refusals


async def test_a_refused_mutation_records_no_outbox_message(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a partner agent, a customer billing admin, and one invitation (one message)
    agent = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    billing = await f.person(await f.customer(), AdminRole.BILLING_ADMINISTRATOR)
    global_admin = await f.person(await f.customer(), AdminRole.GLOBAL_ADMINISTRATOR)
    sent = await f.send(api, agent, customerEmail="it@contoso.com")
    await run_jobs(db)
    _, token = invitation_link(smtp_server.wait_for(1)[0])
    assert await OutboxMessage.all().count() == 1

    # When rules refuse: roles on a type that takes none, an accept without the agreement,
    refused = await f.send(api, agent, type="ISV", roles=["USER_ADMINISTRATOR"], durationDays=None)
    assert _codes(refused) == ["ROLES_NOT_ALLOWED"]
    refused = await f.accept(api, global_admin, token, accept_agreement=False)
    assert _codes(refused) == ["AGREEMENT_NOT_ACCEPTED"]
    # a billing admin accepting roles (FORBIDDEN), and a resend of a canceled invitation
    code = await api.error_code(
        f.ACCEPT, {"input": {"token": token, "acceptAgreement": True}}, billing.token
    )
    assert code == "FORBIDDEN"
    assert await OutboxMessage.all().count() == 1
    assert await _queued_job_ids(db) == []
    invitation_id = sent["invitation"]["id"]
    canceled = await api.query(CANCEL, {"input": {"id": invitation_id}}, agent.token)
    assert _codes(canceled["cancelInvitation"]) == []
    await run_jobs(db)  # the withdrawal notice to the addressee, the one message canceling adds
    assert await OutboxMessage.all().count() == 2
    resent = await api.query(RESEND, {"input": {"id": invitation_id}}, agent.token)
    assert _codes(resent["resendInvitation"]) == ["INVITATION_NOT_PENDING"]

    # Then none of the refusals recorded an outbox message or queued a job
    assert await OutboxMessage.all().count() == 2
    assert await _queued_job_ids(db) == []
    await run_jobs(db)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["it@contoso.com"], ["it@contoso.com"]]
    assert "withdrew" in str(smtp_server.messages[1].message["Subject"])


async def test_of_concurrent_accepts_only_the_winner_records_a_notification(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an emailed invitation and three global admins of the customer
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    contoso = await f.customer()
    admins = [await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR) for _ in range(3)]
    await f.send(api, agent, customerEmail="it@contoso.com")
    await run_jobs(db)
    _, token = invitation_link(smtp_server.wait_for(1)[0])

    # When they all accept at once
    results = await asyncio.gather(*(f.accept(api, admin, token) for admin in admins))

    # Then one wins, and only its transaction recorded a notification
    assert sorted(_codes(r) for r in results) == [
        [],
        ["INVITATION_NOT_PENDING"],
        ["INVITATION_NOT_PENDING"],
    ]
    assert await OutboxMessage.filter(task=Task.SEND_NOTIFICATION).count() == 1
    await run_jobs(db)
    assert [m.rcpt_tos for m in smtp_server.messages[1:]] == [[agent.email]]


# --------------------------------------------------------------------------- removeRoles


async def test_remove_roles_records_one_revocation_message_with_its_change(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an accepted relationship with two roles
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    admin = await f.person(await f.customer(), AdminRole.GLOBAL_ADMINISTRATOR)
    relationship_id = await _relationship(api, smtp_server, db, agent, admin)
    before = await OutboxMessage.all().count()

    # When the customer removes both roles
    removed = await api.query(
        f.REMOVE_ROLES, {"input": {"relationshipId": relationship_id}}, admin.token
    )

    # Then the grants are REVOKING and exactly one revocation message was recorded and enqueued
    payload = removed["removeRoles"]
    assert payload["errors"] == []
    assert {g["status"] for g in payload["relationship"]["roleGrants"]} == {"REVOKING"}
    assert await OutboxMessage.all().count() == before + 1
    [revocation] = await OutboxMessage.filter(task=Task.REVOKE_ROLES)
    assert revocation.enqueued_at is not None
    assert revocation.completed_at is None
    assert await _queued_job_ids(db) == [revocation.job_id]

    # When the customer removes them again before the job ran
    again = await api.query(
        f.REMOVE_ROLES, {"input": {"relationshipId": relationship_id}}, admin.token
    )

    # Then nothing is left to remove, so no second message is recorded
    assert again["removeRoles"]["errors"] == []
    assert await OutboxMessage.filter(task=Task.REVOKE_ROLES).count() == 1


async def test_a_failed_remove_roles_records_no_message(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an accepted relationship, and an admin of another customer
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    admin = await f.person(await f.customer(), AdminRole.GLOBAL_ADMINISTRATOR)
    stranger = await f.person(await f.customer(), AdminRole.GLOBAL_ADMINISTRATOR)
    relationship_id = await _relationship(api, smtp_server, db, agent, admin)
    before = await OutboxMessage.all().count()

    # When the stranger tries to remove its roles, and the admin names no role at all
    denied = await api.query(
        f.REMOVE_ROLES, {"input": {"relationshipId": relationship_id}}, stranger.token
    )
    empty = await api.query(
        f.REMOVE_ROLES, {"input": {"relationshipId": relationship_id, "roles": []}}, admin.token
    )

    # Then both are refused and no message is recorded nor queued
    assert _codes(denied["removeRoles"]) == ["NOT_FOUND"]
    assert _codes(empty["removeRoles"]) == ["INVALID_INPUT"]
    assert await OutboxMessage.all().count() == before
    assert await _queued_job_ids(db) == []

    # And on an ended relationship, removing roles is refused the same way
    ended = await api.query(f.END, {"input": {"relationshipId": relationship_id}}, agent.token)
    assert ended["endRelationship"]["errors"] == []
    after_end = await OutboxMessage.all().count()
    late = await api.query(
        f.REMOVE_ROLES, {"input": {"relationshipId": relationship_id}}, admin.token
    )
    assert _codes(late["removeRoles"]) == ["RELATIONSHIP_ENDED"]
    assert await OutboxMessage.all().count() == after_end
