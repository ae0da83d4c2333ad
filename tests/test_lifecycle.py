"""GDAP grants and open invitations age by themselves: the clock moves, no one sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from arq.connections import ArqRedis

from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import InvitationStatus, PartnerRole, RoleGrantStatus
from models.rules.grants import active_roles
from models.tables.invitations import Invitation
from models.tables.outbox import OutboxMessage
from models.tables.relationships import RoleGrant
from tests import factories as f
from tests import flows
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link, run_jobs
from tests.servers import RedisServer, SmtpServer
from workers.jobs import relay_outbox, sweep_lifecycle
from workers.runtime import Runtime

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """The whole process's clock, set to START and running on; tests move it forward."""
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


class Pair:
    """A partner with an admin agent and a sales agent; a customer with a global admin."""

    agent: f.Person
    sales: f.Person
    admin: f.Person
    billing: f.Person


async def _pair() -> Pair:
    pair = Pair()
    partner, customer = await f.partner("Fabrikam"), await f.customer("Contoso")
    pair.agent = await f.person(partner, PartnerRole.ADMIN_AGENT)
    pair.sales = await f.person(partner, PartnerRole.SALES_AGENT)
    pair.admin = await f.person(customer, AdminRole.GLOBAL_ADMINISTRATOR)
    pair.billing = await f.person(customer, AdminRole.BILLING_ADMINISTRATOR)
    return pair


async def _accepted(
    api: GraphQLClient, db: Settings, smtp: SmtpServer, pair: Pair, **invitation: Any
) -> dict[str, Any]:
    """An invitation sent, emailed and accepted now; the mailbox is emptied afterwards."""
    return await flows.accepted(
        api, db, smtp, pair.agent, pair.admin, customerEmail="it@contoso.com", **invitation
    )


def _subjects(smtp: SmtpServer) -> list[tuple[str, str]]:
    return sorted((m.rcpt_tos[0], str(m.message["Subject"]).strip()) for m in smtp.messages)


async def test_a_gdap_grant_is_warned_30_7_and_1_days_before_then_expires_each_once(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer, clock: time_machine.Traveller
) -> None:
    # Given a 40-day GDAP grant, accepted at START
    pair = await _pair()
    await _accepted(api, db, smtp_server, pair, roles=["USER_ADMINISTRATOR"], durationDays=40)
    told = {pair.agent.email, pair.admin.email}  # not the sales agent, not the billing admin

    # When 31 days remain, nothing is due
    clock.move_to(START + timedelta(days=9))
    await run_jobs(db)
    assert smtp_server.messages == []

    # Then at 30, 7 and 1 days before the end, each warning goes out once, however often
    # the sweep runs
    for days_left, words in ((30, "end in 30 days"), (7, "end in 7 days"), (1, "end in 1 day")):
        clock.move_to(START + timedelta(days=40 - days_left, hours=1))
        await run_jobs(db)
        await run_jobs(db)
        subjects = _subjects(smtp_server)
        assert {to for to, _ in subjects} == told, subjects
        assert len(subjects) == 2
        assert all(words in subject for _, subject in subjects), subjects
        smtp_server.clear()

    # When the end date passes, the grant expires, access ends, and both sides are told once
    clock.move_to(START + timedelta(days=40, minutes=1))
    await run_jobs(db)
    await run_jobs(db)
    subjects = _subjects(smtp_server)
    assert {to for to, _ in subjects} == told
    assert all("have ended" in subject for _, subject in subjects)
    assert len(subjects) == 2
    grant = await RoleGrant.get()
    assert grant.status is RoleGrantStatus.EXPIRED
    relationship = await grant.relationship
    assert (
        await active_roles(
            relationship.customer_id,
            relationship.partner_id,
            utcnow(),
        )
        == set()
    )

    # And an expired grant is never revived: later sweeps leave it and send nothing
    smtp_server.clear()
    clock.move_to(START + timedelta(days=400))
    await run_jobs(db)
    assert smtp_server.messages == []
    assert (await RoleGrant.get()).status is RoleGrantStatus.EXPIRED


async def test_an_auto_extending_grant_is_extended_by_180_days_without_warnings(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer, clock: time_machine.Traveller
) -> None:
    # Given a 10-day GDAP grant that extends automatically
    pair = await _pair()
    relationship = await _accepted(
        api,
        db,
        smtp_server,
        pair,
        roles=["HELPDESK_ADMINISTRATOR"],
        durationDays=10,
        autoExtend=True,
    )

    # When its warnings' dates and its end date pass
    clock.move_to(START + timedelta(days=9, hours=12))
    await run_jobs(db)
    assert smtp_server.messages == []
    clock.move_to(START + timedelta(days=10, minutes=1))
    await run_jobs(db)
    await run_jobs(db)

    # Then it is extended once, by 180 days, stays active, and nobody is warned
    data = await api.query(
        "query($id: ID!) { relationship(id: $id) { roleGrants { status expiresAt autoExtend } } }",
        {"id": relationship["id"]},
        pair.admin.token,
    )
    [grant] = data["relationship"]["roleGrants"]
    assert grant["status"] == "ACTIVE"
    extended_to = datetime.fromisoformat(grant["expiresAt"])
    assert abs(extended_to - (START + timedelta(days=190))) < timedelta(minutes=1)
    assert smtp_server.messages == []


async def test_a_short_grant_gets_only_the_warnings_still_ahead_of_it(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer, clock: time_machine.Traveller
) -> None:
    # Given a 5-day grant: its 30 and 7-day warning dates were past when it was granted
    pair = await _pair()
    await _accepted(api, db, smtp_server, pair, roles=["USER_ADMINISTRATOR"], durationDays=5)

    # When the days go by, only the 1-day warning goes out, then the end
    for day in range(1, 4):
        clock.move_to(START + timedelta(days=day))
        await run_jobs(db)
    assert smtp_server.messages == []
    clock.move_to(START + timedelta(days=4, hours=1))
    await run_jobs(db)
    assert all("end in 1 day" in subject for _, subject in _subjects(smtp_server))
    assert len(smtp_server.messages) == 2


async def test_two_workers_sweeping_at_once_warn_once(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer, clock: time_machine.Traveller
) -> None:
    # Given 12 customers whose GDAP grants are all 30 days from their end
    pair = await _pair()
    for n in range(11):
        other = await f.person(await f.customer(), AdminRole.GLOBAL_ADMINISTRATOR)
        address = f"it{n}@customer{n}.com"
        sent = await f.send(api, pair.agent, customerEmail=address, durationDays=31)
        await run_jobs(db)
        [invitation_mail] = [m for m in smtp_server.messages if m.rcpt_tos == [address]]
        _, token = invitation_link(invitation_mail)
        assert (await f.accept(api, other, token))["errors"] == []
        assert sent["errors"] == []
    await _accepted(api, db, smtp_server, pair, roles=["USER_ADMINISTRATOR"], durationDays=31)
    clock.move_to(START + timedelta(days=1, hours=1))

    # When two sweeps run at the same time
    redis = ArqRedis.from_url(db.redis_url or "")
    ctx = {"runtime": Runtime(db), "redis": redis, "job_try": 1}
    try:
        await asyncio.gather(sweep_lifecycle(dict(ctx)), sweep_lifecycle(dict(ctx)))
    finally:
        await redis.aclose()
    await run_jobs(db)

    # Then each grant's 30-day warning was recorded and sent once
    grants = await RoleGrant.all()
    assert [g.warned_days for g in grants] == [30] * 12
    expiring = [m for m in smtp_server.messages if "end in 30 days" in str(m.message["Subject"])]
    partner_copies = [m for m in expiring if m.rcpt_tos == [pair.agent.email]]
    assert len(partner_copies) == 12
    notices = [
        m for m in await OutboxMessage.all() if m.payload.get("template") == "grants_expiring"
    ]
    assert len(notices) == 12


async def test_a_pending_invitation_past_its_date_expires_and_the_partner_is_told(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer, clock: time_machine.Traveller
) -> None:
    # Given an invitation open for one day
    pair = await _pair()
    sent = await f.send(api, pair.sales, customerEmail="it@contoso.com", expiresInDays=1)
    await run_jobs(db)
    smtp_server.clear()

    # When the day passes and the sweeps run (twice)
    clock.move_to(START + timedelta(days=1, minutes=1))
    await run_jobs(db)
    await run_jobs(db)

    # Then it is recorded EXPIRED and the partner's admin agents and its sender are told once
    invitation = await Invitation.get()
    assert invitation.status is InvitationStatus.EXPIRED
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == sorted(
        [pair.agent.email, pair.sales.email]
    )
    assert all("has expired" in str(m.message["Subject"]) for m in smtp_server.messages)
    data = await api.query(
        "query($id: ID!) { invitation(id: $id) { status } }",
        {"id": sent["invitation"]["id"]},
        pair.sales.token,
    )
    assert data["invitation"]["status"] == "EXPIRED"


async def test_the_relay_sends_what_never_reached_redis(
    api: GraphQLClient,
    db: Settings,
    smtp_server: SmtpServer,
    redis_server: RedisServer,
    clock: time_machine.Traveller,
) -> None:
    # Given an invitation sent while Redis was down
    pair = await _pair()
    redis_server.stop()
    try:
        sent = await f.send(api, pair.agent, customerEmail="it@contoso.com")
    finally:
        redis_server.start()
    assert sent["errors"] == []
    assert (await OutboxMessage.get()).enqueued_at is None

    # When Redis is back and the relay runs a minute later (twice)
    clock.move_to(START + timedelta(minutes=1))
    redis = ArqRedis.from_url(db.redis_url or "")
    ctx = {"runtime": Runtime(db), "redis": redis, "job_try": 1}
    try:
        assert await relay_outbox(ctx) == "relayed 1 message(s)"
        await run_jobs(db)
        assert await relay_outbox(ctx) == "relayed 0 message(s)"
    finally:
        await redis.aclose()

    # Then the email went out, once
    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["it@contoso.com"]
