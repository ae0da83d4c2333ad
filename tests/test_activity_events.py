"""The new areas' changes reach subscribed systems as signed events: a lead for its partner,
an action under AOBO for both the customer and the partner, naming the customer acted for."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from api.app import create_app
from models.events import EVENT_TYPES
from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from tests import factories as f
from tests.activity_entries import mutate
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.receivers import Receiver, TrustedCA, verify_standard_webhook
from tests.servers import SmtpServer

CREATE_ENDPOINT = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { webhookEndpoint { id } secret errors { field code } }
}
"""
RESET = """
mutation($input: ResetUserPasswordInput!) {
  resetUserPassword(input: $input) { temporaryPassword errors { field code } }
}
"""


@pytest.fixture(scope="session")
def trusted_ca(tmp_path_factory: pytest.TempPathFactory) -> TrustedCA:
    return TrustedCA(str(tmp_path_factory.mktemp("activity-webhooks-ca")))


@pytest.fixture
def receiver(trusted_ca: TrustedCA) -> Iterator[Receiver]:
    with Receiver(trusted_ca) as running:
        yield running


@pytest.fixture
def hooks(db: Settings, trusted_ca: TrustedCA) -> Settings:
    """The test settings, allowing loopback receivers and trusting the test CA."""
    return replace(db, webhooks_allow_private=True, webhooks_ca_bundle=trusted_ca.bundle)


@pytest.fixture
async def hook_api(hooks: Settings) -> AsyncIterator[GraphQLClient]:
    app = create_app(hooks)
    async with (
        LifespanManager(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        yield GraphQLClient(http)


async def _endpoint(
    api: GraphQLClient, who: f.Person, url: str, event_types: list[str]
) -> tuple[str, str]:
    """A new endpoint's ID and its secret."""
    created = await mutate(api, CREATE_ENDPOINT, {"url": url, "eventTypes": event_types}, who)
    return created["webhookEndpoint"]["id"], created["secret"]


def test_the_new_areas_event_types_are_listed_as_data() -> None:
    for name in (
        "lead.created",
        "lead.status_changed",
        "partner_profile.updated",
        "access.role_assigned",
        "access.role_unassigned",
        "user.password_reset",
        "order.placed",
        "subscription.changed",
        "device.registered",
        "lob_app.submitted",
    ):
        assert EVENT_TYPES[name], name


async def test_a_lead_and_an_action_on_a_customers_behalf_reach_the_subscribed_systems(
    hook_api: GraphQLClient, hooks: Settings, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    # Given Fabrikam, listed, with a GDAP relationship whose helpdesk role its agent holds
    fabrikam, admin_agent = await f.listed_partner("Fabrikam")
    agent = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT)
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    relationship = await f.granted(admin_agent, admin, [AdminRole.HELPDESK_ADMINISTRATOR])
    await f.assign(
        await f.group(admin_agent, "Tier 1", agent),
        relationship,
        AdminRole.HELPDESK_ADMINISTRATOR,
    )
    user = (await f.tenant(contoso)).user
    # And Fabrikam's CRM subscribed to leads and password resets, Contoso's system to
    # password resets, and another partner's to everything of the kind
    partner_url, customer_url, other_url = (
        f"{receiver.url}/{name}" for name in ("fabrikam", "contoso", "northwind")
    )
    types = ["lead.created", "user.password_reset"]
    _, partner_secret = await _endpoint(hook_api, admin_agent, partner_url, types)
    _, customer_secret = await _endpoint(hook_api, admin, customer_url, ["user.password_reset"])
    northwind_admin = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    await _endpoint(hook_api, northwind_admin, other_url, types)

    # When a visitor sends Contact me, and the agent resets the Contoso user's password
    assert (await f.contact(hook_api, fabrikam))["errors"] == []
    customer_id = str(encode_id("Organization", contoso.id))
    user_id = str(encode_id("User", user.id))
    reset = await mutate(hook_api, RESET, {"customerId": customer_id, "userId": user_id}, agent)
    await run_jobs(hooks)

    # Then Fabrikam's CRM received the lead, signed, with its fields and no client address
    by_path = {(r.path, r.json["type"]): r for r in receiver.received}
    assert sorted(by_path) == [
        ("/hooks/contoso", "user.password_reset"),
        ("/hooks/fabrikam", "lead.created"),
        ("/hooks/fabrikam", "user.password_reset"),
    ]
    lead = by_path[("/hooks/fabrikam", "lead.created")]
    assert verify_standard_webhook(partner_secret, lead.headers, lead.body)
    data = lead.json["data"]
    assert data["partner"] == str(encode_id("Organization", fabrikam.id))
    assert data["actor"] is None
    assert data["changes"]["email"] == "dana@tailspin.example.com"
    assert data["changes"]["businessNeeds"] == "We want to move our email to the cloud."
    assert "127.0.0.1" not in lead.body.decode()
    # And both sides' systems received the reset, on Contoso's behalf, without the password
    for path, secret in (("/hooks/contoso", customer_secret), ("/hooks/fabrikam", partner_secret)):
        event = by_path[(path, "user.password_reset")]
        assert verify_standard_webhook(secret, event.headers, event.body)
        data = event.json["data"]
        assert data["object"] == user_id
        assert data["onBehalfOf"] == customer_id
        assert data["actor"] == str(encode_id("User", agent.user.id))
        assert data["actorOrganization"] == str(encode_id("Organization", fabrikam.id))
        assert data["relationship"] == str(encode_id("Relationship", relationship.id))
        assert reset["temporaryPassword"] not in event.body.decode()
