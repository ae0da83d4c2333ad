"""What a trusted system's webhook makes happen is recorded as the system's change: no acting
user, in the history of both sides, traceable to the webhook's request."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import create_app
from models.foundation.inbound_sources import parse_sources
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.inbound_webhooks import InboundStatus, InboundWebhook
from tests import factories as f
from tests import webhooks_in_signing as signing
from tests.activity_entries import (
    assert_relationship_entries_name_both_sides,
    entries,
    who_and_whom,
)
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.servers import SmtpServer

SECRET = signing.new_secret()


@pytest.fixture
async def http(db: Settings) -> AsyncIterator[httpx.AsyncClient]:
    settings = dataclasses.replace(db, inbound_webhook_secrets=parse_sources(f"billing={SECRET}"))
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client,
    ):
        yield client


async def test_a_revocation_by_webhook_is_the_systems_in_both_sides_history(
    http: httpx.AsyncClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Fabrikam's GDAP relationship with Contoso, whose role a group of Fabrikam holds
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    relationship = await f.granted(agent, admin, [AdminRole.USER_ADMINISTRATOR])
    await f.assign(await f.group(agent, "Tier 1"), relationship, AdminRole.USER_ADMINISTRATOR)
    outsider = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    api = GraphQLClient(http)
    relationship_id = (
        await api.query("{ relationships { edges { node { id } } } }", token=admin.token)
    )["relationships"]["edges"][0]["node"]["id"]

    # When the billing system revokes the relationship's roles by webhook, and the jobs run
    body = signing.event("relationship.revoke_roles", relationship_id=relationship_id)
    headers = signing.headers(SECRET, body, webhook_id="msg_billing_42")
    sent = await http.post(
        "/webhooks/billing", content=body, headers={**headers, "X-Request-ID": "billing-req-42"}
    )
    assert sent.status_code == 202, sent.text
    await run_jobs(db)
    webhook = await InboundWebhook.get(source="billing", webhook_id="msg_billing_42")
    assert webhook.status is InboundStatus.COMPLETE

    # Then both sides see the removal, its completion and the dropped assignment, by the
    # system, all under the webhook's request
    expected = ["roles.removed", "access.role_unassigned", "roles.revoked"]
    for insider in (agent, admin):
        done = await entries(api, insider, relationshipId=relationship_id, actions=expected)
        assert [e["action"] for e in done] == expected
        for entry in done:
            assert who_and_whom(entry) == {
                "actor": None,
                "actingOrganization": None,
                "onBehalfOf": None,
                "customer": "Contoso",
                "partner": "Fabrikam",
            }
            assert entry["requestId"] == "billing-req-42"
            assert entry["clientAddress"] is None
        assert done[0]["changes"] == {
            "roles": ["USER_ADMINISTRATOR"],
            "reason": "Removed on the customer's behalf by a trusted system",
        }
    # And every entry of the relationship names both of its sides
    await assert_relationship_entries_name_both_sides()
    # And another organization sees none of it
    assert await entries(api, outsider, relationshipId=relationship_id) == []
