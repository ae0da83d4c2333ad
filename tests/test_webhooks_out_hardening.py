"""Outbound webhooks under hostile or broken endpoints: whatever one endpoint answers (or
whatever its URL holds) fails its own try, recorded, and holds up no other endpoint; URLs
that reach a private address through an IPv6 range carrying an IPv4 address are refused."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
import time_machine

from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.foundation.standard_webhooks import new_secret
from models.infrastructure.tokens import Sealer
from models.infrastructure.webhook_addresses import AddressRefused, check
from models.reference.enums import PartnerRole
from models.tables.organizations import Organization
from models.tables.outbound_webhooks import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from models.tables.outbox import OutboxMessage
from tests import factories as f
from tests import test_webhooks_out as out
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.receivers import Answer, Receiver
from tests.servers import SmtpServer
from tests.test_webhooks_out import (
    CREATE,
    _at,
    _deliveries,
    _endpoint,
    _pair,
    _relationship,
    _remove,
)
from workers.outbound_webhooks import MAX_RETRY_AFTER, due_endpoints, retry_after, try_deadline
from workers.runtime import Runtime
from workers.worker import create_worker

# The outbound webhook tests' fixtures, by their names: the test CA, a receiver trusting it,
# the settings allowing loopback, their API, and the controlled clock.
trusted_ca = out.trusted_ca
receiver = out.receiver
hooks = out.hooks
hook_api = out.hook_api
clock = out.clock


async def _endpoint_row(settings: Settings, url: str, org: Organization | None = None) -> Any:
    """An endpoint saved as it is, past today's checks (as one saved before them was)."""
    return await WebhookEndpoint.create(
        organization=org or await f.partner(),
        url=url,
        event_types=["roles.removed"],
        sealed_secret=Sealer(str(settings.secret_key)).seal(new_secret()),
    )


async def _due(
    endpoint: WebhookEndpoint,
    key: str = "key",
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> WebhookDelivery:
    """An event due for the endpoint now (or at `at`)."""
    at = at or utcnow()
    event = await WebhookEvent.create(
        message_id=f"msg_{uuid4().hex}",
        type="roles.removed",
        ordering_key=key,
        occurred_at=at,
        data=data or {},
    )
    return await WebhookDelivery.create(
        endpoint=endpoint, event=event, ordering_key=key, next_attempt_at=at
    )


# --------------------------------------------------------------------------- Retry-After


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("600", timedelta(seconds=600)),
        ("0", timedelta(0)),
        ("-5", timedelta(0)),
        ("99999999999999999", MAX_RETRY_AFTER),
        ("9" * 400, MAX_RETRY_AFTER),
        ("Fri, 31 Dec 9999 23:59:59 GMT", MAX_RETRY_AFTER),
        ("Mon, 01 Mar 2027 09:10:00 GMT", timedelta(minutes=10)),
        ("Mon, 01 Mar 2027 08:00:00 GMT", timedelta(0)),
        ("soon", None),
        ("1e9", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_defensively_and_capped(
    header: str | None, wait: timedelta | None
) -> None:
    now = datetime.fromisoformat("2027-03-01T09:00:00+00:00")
    assert retry_after(header, now) == wait


async def test_a_huge_retry_after_is_a_failed_try_retried_a_day_later(
    hook_api: GraphQLClient, hooks: Settings, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    # Given an endpoint that answers 503 with a Retry-After too large for a timedelta
    pair = await _pair()
    endpoint_id, _ = await _endpoint(hook_api, pair.agent, receiver.url, ["roles.removed"])
    relationship_id = await _relationship(
        hook_api, hooks, smtp_server, pair, ["USER_ADMINISTRATOR"]
    )
    receiver.answers = [Answer(503, {"Retry-After": "99999999999999999"})]

    # When an event is sent
    await _remove(hook_api, pair, relationship_id, "USER_ADMINISTRATOR")
    worker = await run_jobs(hooks)

    # Then the try is recorded as failed, its retry a day on, and no job failed
    [delivery] = await _deliveries(hook_api, pair.agent, endpoint_id)
    assert (delivery["status"], delivery["attempts"]) == ("PENDING", 1)
    assert delivery["lastStatusCode"] == 503
    wait = _at(delivery["nextAttemptAt"]) - _at(delivery["lastAttemptAt"])
    assert wait == MAX_RETRY_AFTER
    assert worker.jobs_failed == 0
    assert await OutboxMessage.filter(completed_at=None).count() == 0


# --------------------------------------------------------------------------- any failure


async def test_any_failure_of_a_try_is_recorded_and_holds_up_no_other_endpoint(
    hooks: Settings, receiver: Receiver
) -> None:
    # Given an endpoint saved with a control character in its URL, one whose event cannot
    # be written out (its stored data is damaged), and a sound one, each with events due
    bad_url = await _endpoint_row(hooks, "https://1.1.1.1/x\x01")
    bad_data = await _endpoint_row(hooks, receiver.url)
    sound = await _endpoint_row(hooks, receiver.url)
    first = await _due(bad_url, "one")
    later = await _due(bad_url, "one")
    damaged = await _due(bad_data, "two", data={"object": ["Lead", "not-a-uuid"]})
    fine = await _due(sound, "three")

    # When a worker delivers what is due
    worker = await run_jobs(hooks)

    # Then each bad try is a failed attempt that says why, the event behind it waits for it
    await first.refresh_from_db()
    assert (first.status, first.attempts, first.last_status_code) == ("PENDING", 1, None)
    assert first.last_error is not None
    assert "control characters" in first.last_error
    await later.refresh_from_db()
    assert later.attempts == 0
    assert later.next_attempt_at == first.next_attempt_at
    assert first.next_attempt_at is not None
    assert first.next_attempt_at > utcnow()
    await damaged.refresh_from_db()
    assert (damaged.status, damaged.attempts) == ("PENDING", 1)
    assert damaged.last_error is not None
    assert "ValueError" in damaged.last_error
    # And the sound endpoint got its event; no job failed
    await fine.refresh_from_db()
    assert fine.status is DeliveryStatus.DELIVERED
    assert len(receiver.received) == 1
    assert worker.jobs_failed == 0


async def test_a_receiver_trickling_its_answer_is_cut_off_at_the_deadline(
    hooks: Settings, receiver: Receiver, clock: time_machine.Traveller
) -> None:
    # Given a receiver that sends its answer a byte every 50 ms (each read well within the
    # worker's quarter-second read timeout, about 12 s in all), then answers at once
    endpoint = await _endpoint_row(hooks, receiver.url)
    delivery = await _due(endpoint)
    receiver.answers = [Answer(200, trickle=0.05)]
    runtime = Runtime(hooks, webhook_timeout=httpx.Timeout(0.25, connect=0.25))
    deadline = try_deadline(runtime.webhook_timeout)
    assert deadline == 1.0

    async def run_worker() -> None:
        worker = create_worker(
            hooks, burst=True, poll_delay=0.02, handle_signals=False, ctx={"runtime": runtime}
        )
        try:
            await worker.main()
        finally:
            await worker.close()

    # When a worker tries it
    await run_worker()

    # Then the try was cut off at its deadline, and waits for its retry
    await delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("PENDING", 1)
    assert delivery.last_error == "Timeout: no full answer within 1 s."
    # And the retry, once due, is delivered
    assert delivery.next_attempt_at is not None
    clock.move_to(delivery.next_attempt_at + timedelta(seconds=1))
    await run_worker()
    await delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("DELIVERED", 2)


# --------------------------------------------------------------------------- fairness


async def test_one_endpoints_backlog_does_not_starve_the_others(hooks: Settings) -> None:
    # Given an endpoint with 1,200 deliveries due for an hour, and, due only now, another
    # endpoint's delivery; and a disabled endpoint with deliveries due
    hour_ago = utcnow() - timedelta(hours=1)
    backlog = await _endpoint_row(hooks, "https://8.8.8.8/a")
    keys = [f"key-{n}" for n in range(1200)]
    await WebhookEvent.bulk_create(
        [
            WebhookEvent(
                message_id=f"msg_{n}", type="roles.removed", ordering_key=k, occurred_at=hour_ago
            )
            for n, k in enumerate(keys)
        ]
    )
    events = await WebhookEvent.all().order_by("id")
    await WebhookDelivery.bulk_create(
        [
            WebhookDelivery(
                endpoint_id=backlog.id,
                event_id=event.id,
                ordering_key=event.ordering_key,
                next_attempt_at=hour_ago,
            )
            for event in events
        ]
    )
    other = await _endpoint_row(hooks, "https://8.8.4.4/b")
    await _due(other)
    disabled = await _endpoint_row(hooks, "https://1.1.1.1/c")
    await WebhookEndpoint.filter(id=disabled.id).update(enabled=False)
    await _due(disabled, at=hour_ago - timedelta(minutes=1))

    # When the cron job looks for what is due
    due = await due_endpoints(utcnow())

    # Then each enabled endpoint with a delivery due is there once, the longest waiting first
    assert due == [backlog.id, other.id]
    # And nothing is due before its time
    assert await due_endpoints(hour_ago - timedelta(seconds=1)) == []


# --------------------------------------------------------------------------- SSRF

# Addresses that carry (or route to) an IPv4 address inside an IPv6 one, the IPv4 address a
# private one; and other non-public ranges.
REFUSED = [
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8: refused too, the range is
    "64:ff9b:1::a00:1",  # local-use NAT64
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:808:808::1",  # 6to4 of 8.8.8.8
    "::7f00:1",  # IPv4-compatible 127.0.0.1
    "::808:808",  # IPv4-compatible 8.8.8.8
    "::ffff:0:7f00:1",  # IPv4-translated (SIIT) 127.0.0.1
    "2001::1",  # Teredo
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "::ffff:a9fe:a9fe",  # IPv4-mapped 169.254.169.254
    "fec0::1",  # site-local
    "fc00::1",  # unique local
    "ff0e::1",  # multicast
    "::",
    "100.64.0.1",  # shared address space
    "198.18.0.1",  # benchmarking
    "0.0.0.0",  # noqa: S104  (an address to refuse, not one to bind)
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
]
ALLOWED = ["8.8.8.8", "2606:4700:4700::1111", "2001:4860:4860::8888", "::ffff:8.8.8.8"]


def _url(address: str) -> str:
    return f"https://[{address}]/hooks" if ":" in address else f"https://{address}/hooks"


@pytest.mark.parametrize("address", REFUSED)
async def test_addresses_that_are_not_public_are_refused(address: str) -> None:
    with pytest.raises(AddressRefused, match="private, loopback or link-local"):
        await check(_url(address), allow_private=False)


@pytest.mark.parametrize("address", ALLOWED)
async def test_public_addresses_are_allowed(address: str) -> None:
    target = await check(_url(address), allow_private=False)
    assert target.address == str(ipaddress.ip_address(address))


async def test_refused_addresses_and_odd_urls_are_refused_when_saved_and_public_ones_saved(
    api: GraphQLClient, db: Settings
) -> None:
    # Given the test environment, where private addresses are not allowed
    assert db.webhooks_private_allowed is False
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    odd = ["https://1.1.1.1/x\x01", "https://1.1.1.1/a b", "https://1.1.1.1/\x7f", "https://xn--/"]

    # When an admin registers each URL, then each is refused on the url field
    for url in [_url(address) for address in REFUSED] + odd:
        data = await api.query(
            CREATE, {"input": {"url": url, "eventTypes": ["roles.removed"]}}, agent.token
        )
        payload = data["createWebhookEndpoint"]
        assert payload["webhookEndpoint"] is None, url
        [error] = payload["errors"]
        assert (error["field"], error["code"]) == (["input", "url"], "URL_NOT_ALLOWED"), url
    assert await WebhookEndpoint.all().count() == 0
    # While the public ones are saved
    for address in ALLOWED:
        await _endpoint(api, agent, _url(address), ["roles.removed"])
    assert await WebhookEndpoint.all().count() == len(ALLOWED)


async def test_refused_addresses_are_not_called_at_delivery_time(hooks: Settings) -> None:
    # Given endpoints saved before these ranges were refused, each with an event due
    org = await f.partner()
    deliveries = [await _due(await _endpoint_row(hooks, _url(address), org)) for address in REFUSED]

    # When a worker delivers, where private addresses are not allowed
    worker = await run_jobs(replace(hooks, webhooks_allow_private=False))

    # Then none was connected to: each try was refused before, and says why
    for delivery in deliveries:
        await delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("PENDING", 1)
        assert delivery.last_error is not None
        assert delivery.last_error.startswith("Refused: ")
        assert "private, loopback or link-local" in delivery.last_error
    assert worker.jobs_failed == 0
