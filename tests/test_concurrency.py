"""Concurrent acceptances, and admins changing each other at once, on PostgreSQL, where
requests really run side by side.

SQLite has one connection and serializes every transaction, so races only exist on
PostgreSQL: these tests run there alone, each on a database of its own, through the real
HTTP app (its lifespan opens the ORM) and a pool smaller than the number of requests.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from tortoise import connections
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import get_current_context
from tortoise.transactions import in_transaction

from api.app import create_app
from models.foundation.clock import utcnow
from models.foundation.errors import DomainError, ErrorCode
from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import InvitationStatus, PartnerRole, RelationshipStatus, UserStatus
from models.rules.delegated_admin import open_for_invitation
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.invitations import Invitation
from models.tables.organizations import User
from models.tables.outbox import OutboxMessage, Task
from models.tables.quotas import QuotaCounter
from models.tables.relationships import (
    AgreementAcceptance,
    Relationship,
    RelationshipTypeRecord,
    RoleGrant,
)
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link, run_jobs
from tests.servers import PostgresServer, RedisServer, SmtpServer

ROLES = ["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"]


@dataclass
class Postgres:
    """The app on a fresh PostgreSQL database, its client and its settings."""

    api: GraphQLClient
    settings: Settings
    smtp: SmtpServer

    async def tokens(self, count: int) -> dict[str, str]:
        """Run the worker; the invitation token mailed to each recipient."""
        await run_jobs(self.settings)
        mails = await self.smtp.await_for(count)
        return {mail.rcpt_tos[0]: invitation_link(mail)[1] for mail in mails}


@pytest.fixture
async def pg(
    postgres_server: PostgresServer, redis_server: RedisServer, smtp_server: SmtpServer
) -> AsyncIterator[Postgres]:
    # The app's lifespan reuses whatever ORM context is open: none may be (the `db` fixture
    # would point it at the shared test database).
    assert get_current_context() is None, "another test's ORM context is still open"
    url = await postgres_server.migrated_database(f"concurrency_{uuid.uuid4().hex[:12]}")
    EXECUTOR_CACHE.clear()  # cached per connection name, and the last test may have been SQLite
    redis_server.flushall()
    smtp_server.clear()
    settings = Settings(
        database_url=url,
        redis_url=redis_server.url,
        smtp_url=smtp_server.url,
        mail_from="Partnerhub <no-reply@partnerhub.test>",
        public_url="http://partnerhub.test",
        environment="test",
        # Fewer connections than the concurrent requests below: some wait for one.
        database_pool_size=5,
    )
    app = create_app(settings)
    try:
        async with (
            LifespanManager(app),
            AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http,
        ):
            yield Postgres(GraphQLClient(http), settings, smtp_server)
    finally:
        EXECUTOR_CACHE.clear()


def _codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["errors"]]


async def test_of_twenty_concurrent_accepts_of_one_invitation_exactly_one_wins(
    pg: Postgres,
) -> None:
    # Given a GDAP invitation with two roles, and twenty global admins of the customer
    fabrikam = await f.partner("Fabrikam")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    contoso = await f.customer("Contoso")
    admins = [await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR) for _ in range(20)]
    sent = await f.send(pg.api, agent, customerEmail="it@contoso.com", roles=ROLES)
    assert sent["errors"] == []
    token = (await pg.tokens(1))["it@contoso.com"]

    # (more requests than the ORM's pool has connections: some wait for one)
    assert connections.get("default").pool_maxsize < len(admins)

    # When all twenty accept with the same link at the same time
    payloads = await asyncio.gather(*(f.accept(pg.api, admin, token) for admin in admins))

    # Then exactly one wins, and every other is told the invitation is answered already
    winners = [p for p in payloads if p["errors"] == []]
    losers = [p for p in payloads if p["errors"]]
    assert len(winners) == 1, payloads
    assert [_codes(p) for p in losers] == [["INVITATION_NOT_PENDING"]] * 19
    assert all(p["relationship"] is None for p in losers)
    [winner] = winners
    assert winner["relationship"]["status"] == "ACTIVE"
    assert sorted(g["role"] for g in winner["relationship"]["roleGrants"]) == sorted(ROLES)

    # And the database holds one acceptance's worth of rows, by the winning admin
    winning_admin = admins[payloads.index(winner)]
    invitation = await Invitation.get(customer_email="it@contoso.com")
    assert invitation.status is InvitationStatus.ACCEPTED
    assert invitation.responded_by_id == winning_admin.user.id
    assert await Relationship.all().count() == 1
    assert await RelationshipTypeRecord.all().count() == 1
    assert await RoleGrant.all().count() == len(ROLES)
    [acceptance] = await AgreementAcceptance.all()
    assert acceptance.accepted_by_id == winning_admin.user.id
    notifications = [
        m.payload
        for m in await OutboxMessage.filter(task=Task.SEND_NOTIFICATION)
        if m.payload.get("template") == "invitation_accepted"
    ]
    assert len(notifications) == 1


async def test_two_invitations_accepted_at_once_make_one_relationship_with_both_types(
    pg: Postgres,
) -> None:
    # Given ten customers, each invited twice by the same partner: GDAP and Reseller
    fabrikam = await f.partner("Fabrikam")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    customers = []
    for n in range(10):
        org = await f.customer(f"Customer {n}")
        first = await f.person(org, AdminRole.GLOBAL_ADMINISTRATOR)
        second = await f.person(org, AdminRole.GLOBAL_ADMINISTRATOR)
        customers.append((org, first, second))
        gdap = await f.send(pg.api, agent, customerEmail=f"gdap{n}@example.com", roles=ROLES)
        resell = await f.send(
            pg.api,
            agent,
            customerEmail=f"resell{n}@example.com",
            type="RESELLER",
            roles=None,
            durationDays=None,
        )
        assert gdap["errors"] == resell["errors"] == []
    tokens = await pg.tokens(20)

    # When, for every customer at once, one admin accepts each invitation
    accepts = []
    for n, (_, first, second) in enumerate(customers):
        accepts.append(f.accept(pg.api, first, tokens[f"gdap{n}@example.com"]))
        accepts.append(f.accept(pg.api, second, tokens[f"resell{n}@example.com"]))
    payloads = await asyncio.gather(*accepts)

    # Then every acceptance succeeds (no conflict surfaces as an error or a 500) ...
    assert [p["errors"] for p in payloads] == [[]] * 20, payloads
    # ... into one active relationship per customer, holding both types
    for n, (org, _, _) in enumerate(customers):
        gdap, resell = payloads[2 * n], payloads[2 * n + 1]
        assert gdap["relationship"]["id"] == resell["relationship"]["id"]
        [relationship] = await Relationship.filter(customer_id=org.id)
        assert relationship.status is RelationshipStatus.ACTIVE
        records = await RelationshipTypeRecord.filter(relationship_id=relationship.id)
        assert sorted(r.type for r in records) == ["GDAP_PARTNER", "RESELLER"]
        grants = await RoleGrant.filter(relationship_id=relationship.id)
        assert sorted(g.role for g in grants) == sorted(ROLES)
        assert await AgreementAcceptance.filter(customer_id=org.id).count() == 1
    assert await Relationship.all().count() == 10
    assert await Invitation.filter(status=InvitationStatus.ACCEPTED).count() == 20


UPDATE_ROLES = """
mutation($input: UpdateUserRolesInput!) {
  updateUserRoles(input: $input) { user { roles } errors { field code } }
}
"""
DISABLE = """
mutation($input: UserIdInput!) {
  disableUser(input: $input) { user { status } errors { field code } }
}
"""


async def _global_admins(name: str, count: int) -> list[f.Person]:
    """A customer's `count` Global Administrators, all ACTIVE (they have signed in)."""
    org = await f.customer(name)
    admins = [await f.person(org, AdminRole.GLOBAL_ADMINISTRATOR) for _ in range(count)]
    await User.filter(organization_id=org.id).update(status=UserStatus.ACTIVE)
    return admins


def _user_id(person: f.Person) -> str:
    return str(encode_id("User", person.user.id))


async def _demote(pg: Postgres, who: f.Person, whom: f.Person) -> dict[str, Any]:
    """updateUserRoles's whole answer: `who` makes `whom` a Billing Administrator."""
    variables = {"input": {"userId": _user_id(whom), "roles": ["BILLING_ADMINISTRATOR"]}}
    return await pg.api.raw(UPDATE_ROLES, variables, who.token)


def _outcome(body: dict[str, Any]) -> str:
    """What came of a request: "done", a refusal's code, or a top-level error's code."""
    if body.get("errors"):
        code: str = body["errors"][0]["extensions"]["code"]
        return code
    return (_codes(body["data"]["updateUserRoles"]) or ["done"])[0]


async def _holders(admins: list[f.Person]) -> int:
    users = await User.filter(id__in=[a.user.id for a in admins])
    return sum(AdminRole.GLOBAL_ADMINISTRATOR in user.roles for user in users)


async def test_two_global_admins_stepping_down_at_once_leave_one_of_them(pg: Postgres) -> None:
    # Given ten customers, each with exactly two active Global Administrators
    pairs = [await _global_admins(f"Customer {n}", 2) for n in range(10)]

    # When, in every customer at the same moment, both admins step down
    bodies = await asyncio.gather(*(_demote(pg, admin, admin) for pair in pairs for admin in pair))

    # Then in every customer one of them did, and the other was refused: they had become the
    # last Global Administrator
    for n, pair in enumerate(pairs):
        assert sorted(map(_outcome, bodies[2 * n : 2 * n + 2])) == ["LAST_ADMIN", "done"]
        assert await _holders(pair) == 1


async def test_two_global_admins_demoting_each_other_at_once_leave_one_of_them(
    pg: Postgres,
) -> None:
    # Given ten customers, each with exactly two active Global Administrators
    pairs = [await _global_admins(f"Customer {n}", 2) for n in range(10)]

    # When, in every customer at the same moment, each admin demotes the other
    bodies = await asyncio.gather(
        *(_demote(pg, one, other) for one, other in pairs),
        *(_demote(pg, other, one) for one, other in pairs),
    )

    # Then in every customer one demotion went through, and the other was refused: its
    # author was no longer a Global Administrator when it ran
    for n, pair in enumerate(pairs):
        outcomes = sorted([_outcome(bodies[n]), _outcome(bodies[n + len(pairs)])])
        assert outcomes == ["FORBIDDEN", "done"]
        assert await _holders(pair) == 1


async def test_ten_global_admins_disabling_one_another_at_once_leave_exactly_one(
    pg: Postgres,
) -> None:
    # Given a customer with ten active Global Administrators
    admins = await _global_admins("Contoso", 10)

    # When each of them disables every other one, all at the same moment
    async def disable(who: f.Person, whom: f.Person) -> dict[str, Any]:
        return await pg.api.raw(DISABLE, {"input": {"userId": _user_id(whom)}}, who.token)

    answers = await asyncio.gather(
        *(disable(who, whom) for who in admins for whom in admins if who is not whom)
    )

    # Then every request got an answer: done, refused as the last admin, or (an admin
    # disabled meanwhile) no longer signed in or allowed
    for body in answers:
        if body.get("errors"):
            assert body["errors"][0]["extensions"]["code"] in ("UNAUTHENTICATED", "FORBIDDEN")
        else:
            assert _codes(body["data"]["disableUser"]) in ([], ["LAST_ADMIN"])
    # And exactly one Global Administrator is left active
    left = await User.filter(id__in=[a.user.id for a in admins], status=UserStatus.ACTIVE)
    assert len(left) == 1


INVITE = """
mutation($input: InviteUserInput!) {
  inviteUser(input: $input) { user { id } errors { field code } }
}
"""


async def test_the_same_address_invited_ten_times_at_once_makes_one_person(pg: Postgres) -> None:
    # Given a customer with ten Global Administrators
    admins = await _global_admins("Contoso", 10)

    # When each invites the same address at the same moment
    bodies = await asyncio.gather(
        *(
            pg.api.query(INVITE, {"input": {"email": "megan@contoso.com", "roles": []}}, a.token)
            for a in admins
        )
    )

    # Then one invitation went through, and every other was told the address has an account
    codes = sorted(_codes(body["inviteUser"]) for body in bodies)
    assert codes == [[]] + [["DUPLICATE"]] * 9
    assert await User.filter(email="megan@contoso.com").count() == 1


async def test_ten_sends_of_one_name_at_once_make_one_delegated_admin_relationship(
    pg: Postgres,
) -> None:
    # Given Fabrikam's admin agent and its customer Contoso
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    contoso = await f.customer("Contoso")
    customer_id = str(encode_id("Organization", contoso.id))

    # When it sends ten GDAP invitations to Contoso at the same moment, each naming its
    # delegated admin relationship "Contoso support" (to ten addresses: no quota in the way)
    payloads = await asyncio.gather(
        *(
            f.send(
                pg.api,
                agent,
                customerEmail=f"admin{n}@contoso.com",
                customerId=customer_id,
                displayName="Contoso support",
            )
            for n in range(10)
        )
    )

    # Then one is sent, and every other is refused NAME_TAKEN on the name: never a 500
    errors = sorted(
        (tuple(e["field"]), e["code"]) for payload in payloads for e in payload["errors"]
    )
    assert errors == [(("input", "displayName"), "NAME_TAKEN")] * 9, payloads
    assert sum(1 for payload in payloads if payload["invitation"]) == 1
    # And one invitation and one delegated admin relationship of that name exist
    assert await Invitation.all().count() == 1
    assert await DelegatedAdminRelationship.filter(display_name="Contoso support").count() == 1


async def test_ten_sends_to_one_address_at_once_pass_its_quota_exactly_to_its_limit(
    pg: Postgres,
) -> None:
    # Given Fabrikam's admin agent, and the quota of emails to one address of a partner
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    limit = pg.settings.invitation_quotas.recipient.limit
    assert limit < 10

    # When it sends ten invitations to the same address at the same moment
    payloads = await asyncio.gather(
        *(f.send(pg.api, agent, customerEmail="admin@contoso.com") for _ in range(10))
    )

    # Then exactly `limit` are sent, and every other is refused RATE_LIMITED on the address
    sent = [payload for payload in payloads if payload["invitation"]]
    assert len(sent) == limit
    errors = [(tuple(e["field"]), e["code"]) for payload in payloads for e in payload["errors"]]
    assert errors == [(("input", "customerEmail"), "RATE_LIMITED")] * (10 - limit), payloads
    # And each counter counts the sent ones only: a refusal undid its counts
    assert await Invitation.all().count() == limit
    assert sorted(await QuotaCounter.all().values_list("scope", "hits")) == [
        ("agent", limit),
        ("partner", limit),
        ("recipient", limit),
    ]


async def test_a_name_taken_between_the_check_and_the_insert_is_name_taken_not_a_crash(
    pg: Postgres,
) -> None:
    # Given two GDAP invitations from Fabrikam to Contoso (sends by one partner wait for
    # each other at its quota's counter, so the rule is raced here directly)
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    contoso = await f.customer("Contoso")
    for n in range(2):
        sent = await f.send(
            pg.api,
            agent,
            customerEmail=f"admin{n}@contoso.com",
            customerId=str(encode_id("Organization", contoso.id)),
        )
        assert sent["errors"] == []
    first, second = await Invitation.all().order_by("created_at")
    inserted, release = asyncio.Event(), asyncio.Event()

    async def offer_and_wait() -> None:
        async with in_transaction():
            await open_for_invitation(first, "Contoso support", utcnow())
            inserted.set()
            await release.wait()  # commits once the other waits on the unique index

    async def offer_meanwhile() -> DomainError:
        await inserted.wait()
        with pytest.raises(DomainError) as refused:
            async with in_transaction():
                # Its check cannot see the other's uncommitted row: its insert waits for it
                await open_for_invitation(second, "Contoso support", utcnow())
        return refused.value

    async def release_once_waiting() -> None:
        await inserted.wait()
        # Polling the database: no event says that a session waits there.
        while not await _waiting_on_a_lock():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        release.set()

    # When both offer the same name, the second inserting while the first has not committed
    _, error, _ = await asyncio.gather(offer_and_wait(), offer_meanwhile(), release_once_waiting())

    # Then the second is refused NAME_TAKEN on the name, and one of that name exists
    assert (error.code, error.field) == (ErrorCode.NAME_TAKEN, "displayName")
    assert await DelegatedAdminRelationship.filter(display_name="Contoso support").count() == 1


async def _waiting_on_a_lock() -> bool:
    """Whether another session of the database waits on a lock (the unique index's)."""
    _, rows = await connections.get("default").execute_query(
        "SELECT count(*) AS n FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    return bool(rows[0]["n"])
