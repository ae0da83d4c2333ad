"""Live progress of a bulk operation: `bulkOperationChanged` over WebSocket sends the
operation's state, then its counts after each round the workers run, and completes with it;
nobody but the partner's admin agents may follow it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.enums import PartnerRole
from models.tables.templates import InvitationTemplate
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.live import live
from tests.served import Served, served
from tests.servers import SmtpServer

SEND = """mutation($input: SendInvitationsInput!) { sendInvitations(input: $input) {
  bulkOperation { id status } errors { field code } } }"""

WATCH = """subscription($id: ID!) {
  bulkOperationChanged(id: $id) { id status total succeeded failed pending }
}"""


@pytest.fixture
async def web(db: Settings) -> AsyncIterator[Served]:
    async with served(db) as server:
        yield server


async def _start(api: GraphQLClient, admin: f.Person, count: int) -> str:
    template = await InvitationTemplate.create(
        partner_id=admin.user.organization_id,
        name="Helpdesk",
        type="GDAP_PARTNER",
        roles=["USER_ADMINISTRATOR"],
        duration_days=90,
        created_by_id=admin.user.id,
    )
    customers = [{"customerEmail": f"it@customer{n}.example.com"} for n in range(count)]
    customers.append({"customerEmail": "not an address"})
    data = await api.query(
        SEND,
        {
            "input": {
                "templateId": str(encode_id("InvitationTemplate", template.id)),
                "customers": customers,
            }
        },
        admin.token,
    )
    assert data["sendInvitations"]["errors"] == []
    operation_id: str = data["sendInvitations"]["bulkOperation"]["id"]
    return operation_id


async def test_the_admin_agent_follows_a_bulk_send_until_it_completes(
    api: GraphQLClient, db: Settings, web: Served, smtp_server: SmtpServer
) -> None:
    # Given a bulk send of a template to three customers and a refused address
    admin = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    operation_id = await _start(api, admin, 3)
    async with live(web.graphql_ws) as client:
        assert (await client.init({"authorization": f"Bearer {admin.token}"}))[
            "type"
        ] == "connection_ack"
        # When its admin agent subscribes to it
        operation = await client.subscribe(WATCH, {"id": operation_id})
        # Then the first message is its state now: queued, every item pending
        first = (await client.next_data(operation))["bulkOperationChanged"]
        assert (first["status"], first["total"], first["pending"]) == ("QUEUED", 4, 4)

        # When the workers run it
        await run_jobs(db)

        # Then progress arrives without asking, never going back, until it is complete
        seen = [first]
        while seen[-1]["status"] != "COMPLETED":
            seen.append((await client.next_data(operation))["bulkOperationChanged"])
        assert [s["pending"] for s in seen] == sorted((s["pending"] for s in seen), reverse=True)
        last = seen[-1]
        assert (last["succeeded"], last["failed"], last["pending"]) == (3, 1, 0)
        # And the subscription completes with the operation
        assert await client.receive() == {"id": operation, "type": "complete"}


async def test_no_one_but_the_partners_admin_agents_may_follow_a_bulk_operation(
    api: GraphQLClient, web: Served
) -> None:
    # Given a bulk send of one partner
    fabrikam = await f.partner("Fabrikam")
    admin = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    operation_id = await _start(api, admin, 1)
    # When a sales agent of the same partner, and another partner's admin agent, subscribe
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    stranger = await f.person(await f.partner("Tailspin"), PartnerRole.ADMIN_AGENT)
    for person in (sales, stranger):
        async with live(web.graphql_ws) as client:
            await client.init({"authorization": f"Bearer {person.token}"})
            operation = await client.subscribe(WATCH, {"id": operation_id})
            # Then each gets FORBIDDEN and nothing of the operation
            assert await client.error_and_complete(operation) == "FORBIDDEN"
