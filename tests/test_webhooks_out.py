"""Outbound webhooks: events reach subscribed endpoints signed as Standard Webhooks says,
retried on a schedule under a controlled clock, in order per relationship, never to private
addresses; each organization manages and sees only its own endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
import time_machine
from arq.connections import ArqRedis
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from api.app import create_app
from models.events import EVENT_TYPES
from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.identity.actors import Actor
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.reference.catalog import AdminRole
from models.reference.enums import OrganizationKind, PartnerRole
from models.tables.outbound_webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests import factories as f
from tests import flows
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.receivers import Answer, Receiver, TrustedCA, verify_standard_webhook
from tests.servers import SmtpServer
from workers.dispatch import dispatch
from workers.outbound_webhooks import MAX_ATTEMPTS, RETRY_SCHEDULE, due_endpoints
from workers.runtime import Runtime
from workers.worker import create_worker

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)

CREATE = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    webhookEndpoint { id url eventTypes enabled description }
    secret
    errors { field code message }
  }
}
"""
UPDATE = """
mutation($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) {
    webhookEndpoint { id url eventTypes enabled disabledReason description }
    errors { field code }
  }
}
"""
ROTATE = """
mutation($input: WebhookEndpointIdInput!) {
  rotateWebhookSecret(input: $input) { webhookEndpoint { id } secret errors { field code } }
}
"""
DELETE = """
mutation($input: WebhookEndpointIdInput!) {
  deleteWebhookEndpoint(input: $input) { webhookEndpoint { id url } errors { field code } }
}
"""
REDELIVER = """
mutation($input: RedeliverWebhookInput!) {
  redeliverWebhook(input: $input) { delivery { id eventId status } errors { field code } }
}
"""
ENDPOINT = """
query($id: ID!) {
  webhookEndpoint(id: $id) {
    id enabled disabledReason
    deliveries(first: 100) { totalCount edges { node {
      id eventId eventType status attempts lastStatusCode lastError nextAttemptAt
      lastAttemptAt deliveredAt
    } } }
  }
}
"""


@pytest.fixture(scope="session")
def trusted_ca(tmp_path_factory: pytest.TempPathFactory) -> TrustedCA:
    return TrustedCA(str(tmp_path_factory.mktemp("webhooks-ca")))


@pytest.fixture
def receiver(trusted_ca: TrustedCA) -> Iterator[Receiver]:
    with Receiver(trusted_ca) as running:
        yield running


@pytest.fixture
def hooks(db: Settings, trusted_ca: TrustedCA) -> Settings:
    """The test settings, allowing loopback receivers and trusting the test CA."""
    return replace(db, webhooks_allow_private=True, webhooks_ca_bundle=trusted_ca.bundle)


async def _client(settings: Settings) -> AsyncIterator[GraphQLClient]:
    app = create_app(settings)
    async with (
        LifespanManager(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        yield GraphQLClient(http)


@pytest.fixture
async def hook_api(hooks: Settings) -> AsyncIterator[GraphQLClient]:
    async for client in _client(hooks):
        yield client


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


class Pair:
    agent: f.Person
    admin: f.Person


async def _pair() -> Pair:
    pair = Pair()
    pair.agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    pair.admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    return pair


async def _endpoint(
    api: GraphQLClient, who: f.Person, url: str, event_types: list[str]
) -> tuple[str, str]:
    """A new endpoint's ID and its secret."""
    data = await api.query(CREATE, {"input": {"url": url, "eventTypes": event_types}}, who.token)
    payload = data["createWebhookEndpoint"]
    assert payload["errors"] == [], payload
    return payload["webhookEndpoint"]["id"], payload["secret"]


async def _relationship(
    api: GraphQLClient, settings: Settings, smtp: SmtpServer, pair: Pair, roles: list[str]
) -> str:
    relationship = await flows.accepted(
        api, settings, smtp, pair.agent, pair.admin, customerEmail="it@contoso.com", roles=roles
    )
    relationship_id: str = relationship["id"]
    return relationship_id


async def _remove(api: GraphQLClient, pair: Pair, relationship_id: str, *roles: str) -> None:
    data = await api.query(
        f.REMOVE_ROLES,
        {"input": {"relationshipId": relationship_id, "roles": list(roles)}},
        pair.admin.token,
    )
    assert data["removeRoles"]["errors"] == []


async def _deliveries(api: GraphQLClient, who: f.Person, endpoint_id: str) -> list[dict[str, Any]]:
    """The endpoint's deliveries, oldest first."""
    data = await api.query(ENDPOINT, {"id": endpoint_id}, who.token)
    return [edge["node"] for edge in reversed(data["webhookEndpoint"]["deliveries"]["edges"])]


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --------------------------------------------------------------------------- the check


async def test_a_partner_system_registered_for_roles_removed_receives_a_signed_event(
    hook_api: GraphQLClient, hooks: Settings, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    # Given a partner system registered for roles.removed, and a relationship with a customer
    pair = await _pair()
    endpoint_id, secret = await _endpoint(hook_api, pair.agent, receiver.url, ["roles.removed"])
    assert secret.startswith("whsec_")
    relationship_id = await _relationship(
        hook_api, hooks, smtp_server, pair, ["USER_ADMINISTRATOR", "SECURITY_READER"]
    )
    assert receiver.received == []  # the acceptance's events are not subscribed

    # When the customer removes a role, and a worker runs once
    before = utcnow()
    await _remove(hook_api, pair, relationship_id, "SECURITY_READER")
    await run_jobs(hooks)

    # Then the partner system has received one event, signed with its secret
    [request] = receiver.received
    assert request.path == "/hooks"
    assert verify_standard_webhook(secret, request.headers, request.body)
    assert not verify_standard_webhook(secret, request.headers, request.body + b" ")
    assert request.headers["content-type"] == "application/json"
    assert int(before.timestamp()) - 1 <= int(request.headers["webhook-timestamp"])
    assert int(request.headers["webhook-timestamp"]) <= int(utcnow().timestamp())
    body = request.json
    assert body["type"] == "roles.removed"
    assert _at(body["timestamp"]) >= before
    assert body["data"]["relationship"] == relationship_id
    assert body["data"]["changes"]["roles"] == ["SECURITY_READER"]
    actor = await hook_api.query("{ viewer { id organization { id } } }", token=pair.admin.token)
    assert body["data"]["actor"] == actor["viewer"]["id"]
    assert body["data"]["customer"] == actor["viewer"]["organization"]["id"]
    # And its delivery is DELIVERED under the same id
    [delivery] = await _deliveries(hook_api, pair.agent, endpoint_id)
    assert delivery["eventId"] == request.webhook_id
    assert delivery["status"] == "DELIVERED"
    assert delivery["attempts"] == 1
    assert delivery["lastStatusCode"] == 200
    # And the secret is stored sealed, never as it is
    row = await WebhookEndpoint.get()
    assert secret not in row.sealed_secret
    assert secret[len("whsec_") :] not in row.sealed_secret


# --------------------------------------------------------------------------- retries


async def test_failed_deliveries_are_retried_on_the_schedule_then_given_up_after_three_days(
    hook_api: GraphQLClient,
    hooks: Settings,
    smtp_server: SmtpServer,
    receiver: Receiver,
    clock: time_machine.Traveller,
) -> None:
    # Given an endpoint that answers 500 to everything
    pair = await _pair()
    endpoint_id, secret = await _endpoint(hook_api, pair.agent, receiver.url, ["roles.removed"])
    relationship_id = await _relationship(
        hook_api, hooks, smtp_server, pair, ["USER_ADMINISTRATOR"]
    )
    receiver.default = Answer(500)

    # When an event is sent
    await _remove(hook_api, pair, relationship_id, "USER_ADMINISTRATOR")
    await run_jobs(hooks)
    [delivery] = await _deliveries(hook_api, pair.agent, endpoint_id)
    assert (delivery["attempts"], delivery["status"]) == (1, "PENDING")
    first_try = _at(delivery["lastAttemptAt"])

    # Then each retry comes only once its delay has passed, on the schedule
    for attempt, delay in enumerate(RETRY_SCHEDULE, start=1):
        due = _at(delivery["nextAttemptAt"])
        assert due - _at(delivery["lastAttemptAt"]) == timedelta(seconds=delay)
        # (as far before as the delay allows, up to a minute: the clock runs on while a
        # burst worker starts, and a busy machine may take a few seconds for it)
        clock.move_to(due - timedelta(seconds=min(delay, 60)))
        await run_jobs(hooks)
        [delivery] = await _deliveries(hook_api, pair.agent, endpoint_id)
        assert delivery["attempts"] == attempt  # not yet
        clock.move_to(due + timedelta(seconds=1))
        await run_jobs(hooks)
        [delivery] = await _deliveries(hook_api, pair.agent, endpoint_id)
        assert delivery["attempts"] == attempt + 1
        assert delivery["lastStatusCode"] == 500

    # And after the last try, about three days on, it is given up
    assert delivery["attempts"] == MAX_ATTEMPTS
    assert delivery["status"] == "FAILED"
    assert delivery["nextAttemptAt"] is None
    span = _at(delivery["lastAttemptAt"]) - first_try
    assert timedelta(days=2, hours=18) < span < timedelta(days=3, hours=1)
    # And every try carried the same id, each signed for its own timestamp
    assert len(receiver.received) == MAX_ATTEMPTS
    assert {r.webhook_id for r in receiver.received} == {delivery["eventId"]}
    assert all(verify_standard_webhook(secret, r.headers, r.body) for r in receiver.received)
    assert len({r.headers["webhook-timestamp"] for r in receiver.received}) == MAX_ATTEMPTS
    clock.move_to(START + timedelta(days=30))
    await run_jobs(hooks)
    assert len(receiver.received) == MAX_ATTEMPTS


async def test_a_receiver_down_for_a_while_gets_every_event_once_back_in_order(
    hook_api: GraphQLClient,
    hooks: Settings,
    smtp_server: SmtpServer,
    receiver: Receiver,
    clock: time_machine.Traveller,
) -> None:
    # Given a partner system subscribed to roles and relationship events, with two customers
    pair = await _pair()
    endpoint_id, secret = await _endpoint(
        hook_api, pair.agent, receiver.url, ["roles.removed", "roles.revoked", "relationship.ended"]
    )
    roles = ["USER_ADMINISTRATOR", "SECURITY_READER", "REPORTS_READER"]
    first = await _relationship(hook_api, hooks, smtp_server, pair, roles)
    other = Pair()
    other.agent = pair.agent
    other.admin = await f.person(await f.customer("Tailspin"), AdminRole.GLOBAL_ADMINISTRATOR)
    second = await _relationship(hook_api, hooks, smtp_server, other, roles)

    # When the receiver is down while both customers remove roles and the partner ends one
    receiver.stop()
    await _remove(hook_api, pair, first, "SECURITY_READER")
    await _remove(hook_api, other, second, "USER_ADMINISTRATOR")
    await run_jobs(hooks)
    await _remove(hook_api, pair, first, "REPORTS_READER")
    await run_jobs(hooks)
    ended = await hook_api.query(f.END, {"input": {"relationshipId": first}}, pair.agent.token)
    assert ended["endRelationship"]["errors"] == []
    await run_jobs(hooks)
    clock.move_to(START + timedelta(minutes=20))
    await run_jobs(hooks)

    # Then only the earliest event of each relationship was tried, and the rest wait for it
    deliveries = await _deliveries(hook_api, pair.agent, endpoint_id)
    assert len(deliveries) == 9
    assert {d["status"] for d in deliveries} == {"PENDING"}
    tried = [d for d in deliveries if d["attempts"] > 0]
    assert len(tried) == 2
    assert all("ConnectError" in (d["lastError"] or "") for d in tried)
    # And none of the waiting ones is due before the one it waits for is tried again
    assert {d["nextAttemptAt"] for d in deliveries} == {d["nextAttemptAt"] for d in tried}
    assert min(_at(d["nextAttemptAt"]) for d in deliveries) > utcnow()
    assert await due_endpoints(utcnow()) == []

    # When the receiver is back and the next tries are due
    receiver.start()
    clock.move_to(START + timedelta(hours=3))
    await run_jobs(hooks)

    # Then every event has arrived, once each, correctly signed
    deliveries = await _deliveries(hook_api, pair.agent, endpoint_id)
    assert {d["status"] for d in deliveries} == {"DELIVERED"}
    received = receiver.received
    assert sorted(r.webhook_id for r in received) == sorted(d["eventId"] for d in deliveries)
    assert all(verify_standard_webhook(secret, r.headers, r.body) for r in received)

    # And each relationship's events arrived in the order they happened
    def story(relationship_id: str) -> list[tuple[str, list[str]]]:
        return [
            (r.json["type"], r.json["data"]["changes"].get("roles", []))
            for r in received
            if r.json["data"]["relationship"] == relationship_id
        ]

    assert story(first) == [
        ("roles.removed", ["SECURITY_READER"]),
        ("roles.revoked", ["SECURITY_READER"]),
        ("roles.removed", ["REPORTS_READER"]),
        ("roles.revoked", ["REPORTS_READER"]),
        ("relationship.ended", []),
        ("roles.removed", ["USER_ADMINISTRATOR"]),
        ("roles.revoked", ["USER_ADMINISTRATOR"]),
    ]
    assert story(second) == [
        ("roles.removed", ["USER_ADMINISTRATOR"]),
        ("roles.revoked", ["USER_ADMINISTRATOR"]),
    ]
    timestamps = [r.json["timestamp"] for r in received if r.json["data"]["relationship"] == first]
    assert timestamps == sorted(timestamps)


async def test_an_acceptance_reaches_receivers_in_the_order_it_happened(
    hook_api: GraphQLClient, hooks: Settings, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    # Given a partner system subscribed to what an acceptance sets off
    pair = await _pair()
    acceptance = ["invitation.accepted", "agreement.accepted", "relationship.created"]
    await _endpoint(hook_api, pair.agent, receiver.url, [*acceptance, "roles.granted"])

    # When the customer accepts the partner's invitation, starting their relationship
    relationship_id = await _relationship(
        hook_api, hooks, smtp_server, pair, ["USER_ADMINISTRATOR"]
    )

    # Then the receiver got the events in the order things happened: the invitation was
    # accepted (with the agreement), which started the relationship, which holds the grants
    received = [r.json for r in receiver.received]
    assert [event["type"] for event in received] == [*acceptance, "roles.granted"]
    assert {event["data"]["relationship"] for event in received} == {relationship_id}
    timestamps = [event["timestamp"] for event in received]
    assert timestamps == sorted(timestamps)


async def test_410_gone_disables_the_endpoint_and_holds_its_events(
    hook_api: GraphQLClient, hooks: Settings, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    # Given an endpoint that answers 410 Gone
    pair = await _pair()
    endpoint_id, _ = await _endpoint(hook_api, pair.agent, receiver.url, ["roles.removed"])
    relationship_id = await _relationship(
        hook_api, hooks, smtp_server, pair, ["USER_ADMINISTRATOR", "SECURITY_READER"]
    )
    receiver.default = Answer(410)

    # When an event is sent to it
    await _remove(hook_api, pair, relationship_id, "SECURITY_READER")
    await run_jobs(hooks)

    # Then the endpoint is disabled, and the refused delivery waits (HELD) for it
    data = await hook_api.query(ENDPOINT, {"id": endpoint_id}, pair.agent.token)
    endpoint = data["webhookEndpoint"]
    assert endpoint["enabled"] is False
    assert "410" in endpoint["disabledReason"]
    [delivery] = [e["node"] for e in endpoint["deliveries"]["edges"]]
    assert (delivery["status"], delivery["lastStatusCode"]) == ("HELD", 410)
    # And later events are held for it too, not sent
    await _remove(hook_api, pair, relationship_id, "USER_ADMINISTRATOR")
    await run_jobs(hooks)
    assert len(receiver.received) == 1
    statuses = [delivery.status for delivery in await WebhookDelivery.all()]
    assert statuses == [DeliveryStatus.HELD] * 2  # (tests/test_webhooks_out_resume.py)
    # And the organization's log says the system disabled it
    log = await hook_api.query(
        '{ activity(filter: {actions: ["webhook_endpoint.disabled"]}) '
        "{ edges { node { objectId actor { id } } } } }",
        token=pair.agent.token,
    )
    assert log["activity"]["edges"] == [{"node": {"objectId": endpoint_id, "actor": None}}]


async def test_retry_after_is_honoured(
    hook_api: GraphQLClient,
    hooks: Settings,
    smtp_server: SmtpServer,
    receiver: Receiver,
    clock: time_machine.Traveller,
) -> None:
    # Given an endpoint that answers 503 with Retry-After: 600, then 200
    pair = await _pair()
    endpoint_id, _ = await _endpoint(hook_api, pair.agent, receiver.url, ["roles.removed"])
    relationship_id = await _relationship(
        hook_api, hooks, smtp_server, pair, ["USER_ADMINISTRATOR"]
    )
    receiver.answers = [Answer(503, {"Retry-After": "600"})]

    # When an event is sent
    await _remove(hook_api, pair, relationship_id, "USER_ADMINISTRATOR")
    await run_jobs(hooks)

    # Then the next try waits the 600 seconds asked, not the 5 of the schedule
    [delivery] = await _deliveries(hook_api, pair.agent, endpoint_id)
    assert delivery["lastStatusCode"] == 503
    last = _at(delivery["lastAttemptAt"])
    assert _at(delivery["nextAttemptAt"]) - last == timedelta(seconds=600)
    clock.move_to(last + timedelta(seconds=60))
    await run_jobs(hooks)
    assert len(receiver.received) == 1
    clock.move_to(last + timedelta(seconds=601))
    await run_jobs(hooks)
    [delivery] = await _deliveries(hook_api, pair.agent, endpoint_id)
    assert (delivery["status"], delivery["attempts"]) == ("DELIVERED", 2)
    assert len(receiver.received) == 2


# --------------------------------------------------------------------------- management


async def test_rotation_signs_with_both_secrets_for_a_while_and_redelivery_keeps_the_id(
    hook_api: GraphQLClient, hooks: Settings, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    # Given an endpoint that received an event
    pair = await _pair()
    endpoint_id, old = await _endpoint(hook_api, pair.agent, receiver.url, ["roles.removed"])
    relationship_id = await _relationship(
        hook_api, hooks, smtp_server, pair, ["USER_ADMINISTRATOR", "SECURITY_READER"]
    )
    await _remove(hook_api, pair, relationship_id, "SECURITY_READER")
    await run_jobs(hooks)
    [delivery] = await _deliveries(hook_api, pair.agent, endpoint_id)

    # When its secret is rotated and the delivery is sent again
    rotated = await hook_api.query(ROTATE, {"input": {"id": endpoint_id}}, pair.agent.token)
    new = rotated["rotateWebhookSecret"]["secret"]
    assert new.startswith("whsec_")
    assert new != old
    again = await hook_api.query(
        REDELIVER, {"input": {"deliveryId": delivery["id"]}}, pair.agent.token
    )
    assert again["redeliverWebhook"]["errors"] == []
    assert again["redeliverWebhook"]["delivery"]["eventId"] == delivery["eventId"]
    await run_jobs(hooks)

    # Then the event arrives again with the same id, verifiable with either secret
    first, second = receiver.received
    assert second.webhook_id == first.webhook_id == delivery["eventId"]
    assert second.body == first.body
    assert verify_standard_webhook(new, second.headers, second.body)
    assert verify_standard_webhook(old, second.headers, second.body)
    assert len(second.headers["webhook-signature"].split(" ")) == 2

    # And once the overlap is over, only the new secret signs
    await WebhookEndpoint.all().update(previous_secret_expires_at=utcnow())
    await _remove(hook_api, pair, relationship_id, "USER_ADMINISTRATOR")
    await run_jobs(hooks)
    third = receiver.received[2]
    assert verify_standard_webhook(new, third.headers, third.body)
    assert not verify_standard_webhook(old, third.headers, third.body)


async def test_an_admin_updates_and_deletes_its_endpoint_and_each_change_is_logged(
    hook_api: GraphQLClient, hooks: Settings, receiver: Receiver
) -> None:
    # Given a customer's global admin with an endpoint
    pair = await _pair()
    endpoint_id, _ = await _endpoint(hook_api, pair.admin, receiver.url, ["roles.removed"])

    # When it changes the events and description, disables it, then deletes it
    data = await hook_api.query(
        UPDATE,
        {
            "input": {
                "id": endpoint_id,
                "eventTypes": ["invitation.accepted", "roles.granted"],
                "description": "Our SIEM",
                "enabled": False,
            }
        },
        pair.admin.token,
    )
    assert data["updateWebhookEndpoint"] == {
        "webhookEndpoint": {
            "id": endpoint_id,
            "url": receiver.url,
            "eventTypes": ["invitation.accepted", "roles.granted"],
            "enabled": False,
            "disabledReason": "Disabled by an administrator.",
            "description": "Our SIEM",
        },
        "errors": [],
    }
    bad = await hook_api.query(
        UPDATE, {"input": {"id": endpoint_id, "eventTypes": ["roles.stolen"]}}, pair.admin.token
    )
    assert bad["updateWebhookEndpoint"]["errors"] == [
        {"field": ["input", "eventTypes"], "code": "UNKNOWN_EVENT_TYPE"}
    ]
    deleted = await hook_api.query(DELETE, {"input": {"id": endpoint_id}}, pair.admin.token)
    assert deleted["deleteWebhookEndpoint"]["webhookEndpoint"]["url"] == receiver.url
    listed = await hook_api.query("{ webhookEndpoints { totalCount } }", token=pair.admin.token)
    assert listed["webhookEndpoints"]["totalCount"] == 0

    # Then the customer's log holds each change, in order
    log = await hook_api.query(
        "{ activity { edges { node { action objectId actor { email } } } } }",
        token=pair.admin.token,
    )
    assert [e["node"] for e in reversed(log["activity"]["edges"])] == [
        {"action": action, "objectId": endpoint_id, "actor": {"email": pair.admin.email}}
        for action in (
            "webhook_endpoint.created",
            "webhook_endpoint.updated",
            "webhook_endpoint.deleted",
        )
    ]


# --------------------------------------------------------------------------- SSRF


PRIVATE = "private, loopback or link-local"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://127.0.0.1/hooks", PRIVATE),
        ("https://localhost/hooks", PRIVATE),
        ("https://10.1.2.3/hooks", PRIVATE),
        ("https://192.168.0.10/hooks", PRIVATE),
        ("https://169.254.169.254/latest/meta-data", PRIVATE),
        ("https://[::1]/hooks", PRIVATE),
        ("https://[fe80::1]/hooks", PRIVATE),
        ("https://[::ffff:10.0.0.1]/hooks", PRIVATE),
        ("https://203.0.113.9/hooks", PRIVATE),  # reserved for documentation
        ("http://8.8.8.8/hooks", "https://"),  # public, but not https
        ("ftp://8.8.8.8/hooks", "https://"),
        ("https://user:pass@8.8.8.8/hooks", "user name or password"),
        ("https://no-such-host.invalid/hooks", "does not resolve"),
    ],
)
async def test_urls_that_are_not_public_https_are_refused_when_saved(
    api: GraphQLClient, db: Settings, url: str, why: str
) -> None:
    # Given the test environment, where private addresses are not allowed
    assert db.webhooks_private_allowed is False
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)

    # When an admin registers the URL
    data = await api.query(
        CREATE, {"input": {"url": url, "eventTypes": ["roles.removed"]}}, agent.token
    )

    # Then it is refused on the url field, and nothing is saved
    payload = data["createWebhookEndpoint"]
    assert payload["webhookEndpoint"] is None
    assert payload["secret"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == (["input", "url"], "URL_NOT_ALLOWED")
    assert why in error["message"]
    assert await WebhookEndpoint.all().count() == 0


async def test_a_public_https_url_is_accepted(api: GraphQLClient, db: Settings) -> None:
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    # (an address, as no name resolves without a network)
    _, secret = await _endpoint(
        api, agent, "https://8.8.8.8/hooks", ["roles.removed", "invitation.sent"]
    )
    assert secret.startswith("whsec_")
    [saved] = await WebhookEndpoint.all()
    assert (saved.url, saved.event_types) == (
        "https://8.8.8.8/hooks",
        ["invitation.sent", "roles.removed"],
    )


async def test_a_url_that_resolves_to_a_private_address_at_delivery_time_is_not_called(
    hook_api: GraphQLClient, hooks: Settings, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    # Given an endpoint saved while loopback was allowed
    pair = await _pair()
    endpoint_id, _ = await _endpoint(hook_api, pair.agent, receiver.url, ["roles.removed"])
    relationship_id = await _relationship(
        hook_api, hooks, smtp_server, pair, ["USER_ADMINISTRATOR"]
    )

    # When an event is delivered by a worker where it is not allowed (as if DNS had changed)
    await _remove(hook_api, pair, relationship_id, "USER_ADMINISTRATOR")
    await run_jobs(replace(hooks, webhooks_allow_private=False))

    # Then the receiver was never called and the delivery says why
    assert receiver.received == []
    [delivery] = await _deliveries(hook_api, pair.agent, endpoint_id)
    assert delivery["status"] == "PENDING"
    assert delivery["lastStatusCode"] is None
    assert "private" in delivery["lastError"]


async def test_only_the_organizations_admins_manage_its_endpoints(
    hook_api: GraphQLClient, hooks: Settings, receiver: Receiver
) -> None:
    # Given a partner whose sales agent, and a customer whose billing admin, are not its admins
    pair = await _pair()
    sales = await f.person(await f.partner(), PartnerRole.SALES_AGENT)
    billing = await f.person(await f.customer(), AdminRole.BILLING_ADMINISTRATOR)
    for who in (sales, billing):
        # When they try to create an endpoint, then Then it is FORBIDDEN
        code = await hook_api.error_code(
            CREATE, {"input": {"url": receiver.url, "eventTypes": ["roles.removed"]}}, who.token
        )
        assert code == "FORBIDDEN"
    assert await WebhookEndpoint.all().count() == 0
    # While each side's admin may
    await _endpoint(hook_api, pair.agent, receiver.url, ["roles.removed"])
    await _endpoint(hook_api, pair.admin, receiver.url, ["roles.removed"])
    assert await WebhookEndpoint.all().count() == 2
    assert await WebhookDelivery.filter(status=DeliveryStatus.PENDING).count() == 0


async def test_a_rule_records_a_new_kind_of_event_with_one_call(
    hook_api: GraphQLClient, hooks: Settings, receiver: Receiver
) -> None:
    # Given a partner system registered for leads (the leads rules are not written yet), and
    # a partner agent acting on behalf of a customer
    pair = await _pair()
    _, secret = await _endpoint(hook_api, pair.agent, receiver.url, ["lead.created"])
    partner_id = pair.agent.user.organization_id
    customer_id = pair.admin.user.organization_id
    actor = Actor.of(pair.agent.user, OrganizationKind.PARTNER)
    op = Operation(actor=actor, sealer=Sealer(str(hooks.secret_key)), on_behalf_of=customer_id)
    lead_id = uuid4()

    # When a rule records its change with the one call
    async with op.atomic() as tx:
        await tx.record(
            "lead.created", "Lead", lead_id, partner_id=partner_id, changes={"status": "NEW"}
        )
    async with ArqRedis.from_url(str(hooks.redis_url)) as redis:
        await dispatch(op.committed, redis)
    await run_jobs(hooks)

    # Then the partner's log holds it, and its system received it, signed
    log = await hook_api.query(
        "{ activity { edges { node { action objectType objectId actor { email } "
        "onBehalfOf { name } changes } } } }",
        token=pair.agent.token,
    )
    assert log["activity"]["edges"][0]["node"] == {
        "action": "lead.created",
        "objectType": "Lead",
        "objectId": encode_id("Lead", lead_id),
        "actor": {"email": pair.agent.email},
        "onBehalfOf": {"name": "Contoso"},
        "changes": {"status": "NEW"},
    }
    [request] = receiver.received
    assert verify_standard_webhook(secret, request.headers, request.body)
    assert request.json["type"] == "lead.created"
    assert request.json["data"]["object"] == encode_id("Lead", lead_id)
    assert request.json["data"]["onBehalfOf"] == encode_id("Organization", customer_id)
    # And the list of event types clients read names it
    types = await hook_api.query(
        "{ webhookEventTypes { name description } }", token=pair.agent.token
    )
    assert {"name": "lead.created", "description": EVENT_TYPES["lead.created"]} in types[
        "webhookEventTypes"
    ]


async def test_a_receiver_that_does_not_answer_in_time_fails_the_try_which_is_retried(
    hook_api: GraphQLClient,
    hooks: Settings,
    smtp_server: SmtpServer,
    receiver: Receiver,
    clock: time_machine.Traveller,
) -> None:
    # Given an endpoint whose receiver stalls on its first request, and a worker that waits
    # a quarter of a second for an answer
    pair = await _pair()
    endpoint_id, _ = await _endpoint(hook_api, pair.agent, receiver.url, ["roles.removed"])
    relationship_id = await _relationship(
        hook_api, hooks, smtp_server, pair, ["USER_ADMINISTRATOR"]
    )
    receiver.answers = [Answer(200, stall=2.0)]
    runtime = Runtime(hooks, webhook_timeout=httpx.Timeout(0.25, connect=0.25))

    async def run_worker() -> None:
        worker = create_worker(
            hooks, burst=True, poll_delay=0.02, handle_signals=False, ctx={"runtime": runtime}
        )
        try:
            await worker.main()
        finally:
            await worker.close()

    # When an event is sent
    await _remove(hook_api, pair, relationship_id, "USER_ADMINISTRATOR")
    await run_worker()

    # Then the try timed out and waits for its retry
    [delivery] = await _deliveries(hook_api, pair.agent, endpoint_id)
    assert (delivery["status"], delivery["attempts"]) == ("PENDING", 1)
    assert "ReadTimeout" in delivery["lastError"]
    assert delivery["lastStatusCode"] is None
    # And the retry, once due, is delivered
    clock.move_to(_at(delivery["nextAttemptAt"]) + timedelta(seconds=1))
    await run_worker()
    [delivery] = await _deliveries(hook_api, pair.agent, endpoint_id)
    assert (delivery["status"], delivery["attempts"]) == ("DELIVERED", 2)
    assert len({r.webhook_id for r in receiver.received}) == 1
