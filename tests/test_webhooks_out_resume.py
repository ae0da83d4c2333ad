"""A disabled webhook endpoint misses nothing it is enabled again in time for: its events
wait as HELD deliveries, and enabling it sends them, in the order they happened, to a real
HTTPS receiver. Enabled after HELD_FOR, it receives none of them (they become FAILED)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine

from models.foundation.settings import Settings
from models.tables.outbound_webhooks import HELD_FOR, DeliveryStatus, WebhookDelivery
from tests import test_webhooks_out as out
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.receivers import Answer, Receiver
from tests.servers import SmtpServer
from tests.test_webhooks_out import (
    ENDPOINT,
    REDELIVER,
    UPDATE,
    Pair,
    _deliveries,
    _endpoint,
    _pair,
    _relationship,
    _remove,
)

# The outbound webhook tests' fixtures, by their names: the test CA, a receiver trusting it,
# the settings allowing loopback, their API, and the controlled clock.
trusted_ca = out.trusted_ca
receiver = out.receiver
hooks = out.hooks
hook_api = out.hook_api
clock = out.clock

ROLES = ["USER_ADMINISTRATOR", "SECURITY_READER", "REPORTS_READER", "HELPDESK_ADMINISTRATOR"]
UPDATED = """
{ activity(filter: {actions: ["webhook_endpoint.updated"]}) { edges { node { changes } } } }
"""


async def _enable(api: GraphQLClient, pair: Pair, endpoint_id: str, enabled: bool) -> None:
    data = await api.query(
        UPDATE, {"input": {"id": endpoint_id, "enabled": enabled}}, pair.agent.token
    )
    assert data["updateWebhookEndpoint"]["errors"] == []
    assert data["updateWebhookEndpoint"]["webhookEndpoint"]["enabled"] is enabled


def _removed(received: list[Any]) -> list[list[str]]:
    """The roles each received roles.removed event names, in the order received."""
    return [r.json["data"]["changes"]["roles"] for r in received]


async def _statuses() -> list[str]:
    rows = await WebhookDelivery.all().order_by("event_id").values_list("status", flat=True)
    return [str(status) for status in rows]


async def test_enabled_again_after_410_the_endpoint_receives_what_it_missed_in_order(
    hook_api: GraphQLClient, hooks: Settings, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    # Given an endpoint for roles.removed that answered 410 Gone to the first removal
    pair = await _pair()
    endpoint_id, _ = await _endpoint(hook_api, pair.agent, receiver.url, ["roles.removed"])
    relationship_id = await _relationship(hook_api, hooks, smtp_server, pair, ROLES)
    receiver.answers = [Answer(410)]
    await _remove(hook_api, pair, relationship_id, "SECURITY_READER")
    await run_jobs(hooks)
    [refused] = receiver.received
    # And two more removals while it was disabled, which went nowhere
    await _remove(hook_api, pair, relationship_id, "REPORTS_READER")
    await _remove(hook_api, pair, relationship_id, "HELPDESK_ADMINISTRATOR")
    await run_jobs(hooks)
    assert len(receiver.received) == 1
    assert await _statuses() == ["HELD"] * 3

    # When its admin enables it again, and a worker runs
    await _enable(hook_api, pair, endpoint_id, True)
    await run_jobs(hooks)

    # Then it received the three events, in the order they happened, the refused one first
    # under the webhook-id it was refused with
    resent = receiver.received[1:]
    assert _removed(resent) == [["SECURITY_READER"], ["REPORTS_READER"], ["HELPDESK_ADMINISTRATOR"]]
    assert resent[0].webhook_id == refused.webhook_id
    assert len({r.webhook_id for r in resent}) == 3
    # And each delivery is DELIVERED, its tries counted afresh
    deliveries = await _deliveries(hook_api, pair.agent, endpoint_id)
    assert [(d["status"], d["attempts"]) for d in deliveries] == [("DELIVERED", 1)] * 3
    # And the endpoint's log says how many it resumed
    log = await hook_api.query(UPDATED, token=pair.agent.token)
    [entry] = log["activity"]["edges"]
    assert entry["node"]["changes"] == {"enabled": True, "resumed": 3, "dropped": 0}


async def test_an_endpoint_its_admin_disabled_holds_its_events_until_enabled(
    hook_api: GraphQLClient, hooks: Settings, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    # Given an endpoint whose first delivery is still being retried (the receiver answered 503)
    pair = await _pair()
    endpoint_id, _ = await _endpoint(hook_api, pair.agent, receiver.url, ["roles.removed"])
    relationship_id = await _relationship(hook_api, hooks, smtp_server, pair, ROLES)
    receiver.answers = [Answer(503)]
    await _remove(hook_api, pair, relationship_id, "SECURITY_READER")
    await run_jobs(hooks)
    assert await _statuses() == ["PENDING"]

    # When its admin disables it, and the customer removes another role
    await _enable(hook_api, pair, endpoint_id, False)
    await _remove(hook_api, pair, relationship_id, "REPORTS_READER")
    await run_jobs(hooks)

    # Then nothing more was sent, and both deliveries wait, HELD, with no try due
    assert len(receiver.received) == 1
    deliveries = await _deliveries(hook_api, pair.agent, endpoint_id)
    assert [(d["status"], d["nextAttemptAt"]) for d in deliveries] == [("HELD", None)] * 2
    data = await hook_api.query(ENDPOINT, {"id": endpoint_id}, pair.agent.token)
    assert data["webhookEndpoint"]["enabled"] is False

    # When it enables the endpoint again
    await _enable(hook_api, pair, endpoint_id, True)
    await run_jobs(hooks)

    # Then both events arrive, in order
    assert _removed(receiver.received[1:]) == [["SECURITY_READER"], ["REPORTS_READER"]]
    assert await _statuses() == ["DELIVERED"] * 2


async def test_enabled_after_the_hold_the_missed_events_are_failed_not_sent(
    hook_api: GraphQLClient,
    hooks: Settings,
    smtp_server: SmtpServer,
    receiver: Receiver,
    clock: time_machine.Traveller,
) -> None:
    # Given an endpoint its admin disabled, and an event an hour later (held)
    pair = await _pair()
    endpoint_id, _ = await _endpoint(hook_api, pair.agent, receiver.url, ["roles.removed"])
    relationship_id = await _relationship(hook_api, hooks, smtp_server, pair, ROLES)
    await _enable(hook_api, pair, endpoint_id, False)
    clock.shift(timedelta(hours=1))
    await _remove(hook_api, pair, relationship_id, "SECURITY_READER")
    # And one more past the hold, which is not even held for it
    clock.shift(HELD_FOR)
    await _remove(hook_api, pair, relationship_id, "REPORTS_READER")
    assert await _statuses() == ["HELD"]

    # When its admin enables it again, and a worker runs
    await _enable(hook_api, pair, endpoint_id, True)
    await run_jobs(hooks)

    # Then nothing was sent: the held event is FAILED, saying why
    assert receiver.received == []
    [delivery] = await _deliveries(hook_api, pair.agent, endpoint_id)
    assert delivery["status"] == "FAILED"
    assert delivery["lastError"] == "Not sent: its endpoint was disabled for more than 7 days."
    log = await hook_api.query(UPDATED, token=pair.agent.token)
    assert log["activity"]["edges"][0]["node"]["changes"] == {
        "enabled": True,
        "resumed": 0,
        "dropped": 1,
    }

    # And new events flow again, while the failed one can still be sent by hand
    await _remove(hook_api, pair, relationship_id, "HELPDESK_ADMINISTRATOR")
    again = await hook_api.query(
        REDELIVER, {"input": {"deliveryId": delivery["id"]}}, pair.agent.token
    )
    assert again["redeliverWebhook"]["errors"] == []
    await run_jobs(hooks)
    assert sorted(_removed(receiver.received)) == [["HELPDESK_ADMINISTRATOR"], ["SECURITY_READER"]]
    assert await WebhookDelivery.filter(status=DeliveryStatus.DELIVERED).count() == 2
