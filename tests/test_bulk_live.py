"""Who may follow a bulk operation live (`bulkOperationChanged`): its partner's admin agents
only. Its progress is in `tests/test_subscriptions.py`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.enums import PartnerRole
from models.tables.templates import InvitationTemplate
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.live import live
from tests.served import Served, served

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
            # Then each gets nothing of the operation: the sales agent FORBIDDEN (its
            # organization's), the other partner NOT_FOUND (not told it exists)
            expected = "FORBIDDEN" if person is sales else "NOT_FOUND"
            assert await client.error_and_complete(operation) == expected
