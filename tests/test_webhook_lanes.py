"""Webhook deliveries run in a few lanes: never more jobs than lanes, never one lane twice at
once, and emails go out while every receiver is stuck."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from uuid import uuid4

import httpx
import pytest
from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from api.app import create_app
from models.foundation.settings import Settings
from models.tables.outbound_webhooks import DeliveryStatus, WebhookDelivery
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.receivers import Receiver, TrustedCA
from tests.servers import SmtpServer
from tests.worker_processes import WAIT, eventually
from workers.runtime import Runtime
from workers.webhook_lanes import LANES, lane_job_id, lane_of, start_lanes
from workers.worker import create_worker

CREATE = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { webhookEndpoint { id } errors { field code } }
}
"""
PARTNERS = 8


@pytest.fixture(scope="module")
def trusted_ca(tmp_path_factory: pytest.TempPathFactory) -> TrustedCA:
    return TrustedCA(str(tmp_path_factory.mktemp("lanes-ca")))


@pytest.fixture
def receiver(trusted_ca: TrustedCA) -> Iterator[Receiver]:
    with Receiver(trusted_ca) as running:
        yield running


@pytest.fixture
def hooks(db: Settings, trusted_ca: TrustedCA) -> Settings:
    """Loopback receivers allowed, the test CA trusted, and Contact me not limited."""
    return replace(
        db,
        webhooks_allow_private=True,
        webhooks_ca_bundle=trusted_ca.bundle,
        contact_rate_limit=1000,
    )


@pytest.fixture
async def hook_api(hooks: Settings) -> AsyncIterator[GraphQLClient]:
    app = create_app(hooks)
    async with (
        LifespanManager(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        yield GraphQLClient(http)


@pytest.fixture
async def arq_redis(db: Settings) -> AsyncIterator[ArqRedis]:
    redis = ArqRedis.from_url(db.redis_url or "")
    try:
        yield redis
    finally:
        await redis.aclose()


async def test_a_lane_runs_once_at_a_time_however_often_it_is_started(
    db: Settings, arq_redis: ArqRedis
) -> None:
    # Given endpoints with deliveries due, spread over the lanes
    endpoints = [uuid4() for _ in range(20)]
    lanes = {lane_of(endpoint) for endpoint in endpoints}

    # When their lanes are started, and started again before they ran
    first = await start_lanes(arq_redis, endpoints)
    again = await start_lanes(arq_redis, endpoints)

    # Then one job was queued per lane, no more, and none twice
    assert first == len(lanes) <= LANES
    assert again == 0
    assert {str(job.job_id) for job in await arq_redis.queued_jobs()} == {
        lane_job_id(lane) for lane in lanes
    }

    # And once a worker has run them, a lane can be started again at once
    await run_jobs(db)
    assert await start_lanes(arq_redis, endpoints) == len(lanes)


async def test_emails_go_out_while_every_webhook_receiver_is_stuck(
    hook_api: GraphQLClient,
    hooks: Settings,
    smtp_server: SmtpServer,
    receiver: Receiver,
    arq_redis: ArqRedis,
) -> None:
    # Given partners each with an endpoint for new leads, on a receiver that answers nothing
    # for now
    partners = [await f.listed_partner(f"Partner {n}") for n in range(PARTNERS)]
    for _, admin in partners:
        data = await hook_api.query(
            CREATE, {"input": {"url": receiver.url, "eventTypes": ["lead.created"]}}, admin.token
        )
        assert data["createWebhookEndpoint"]["errors"] == []
    receiver.hold()

    # And a worker with a single job slot more than there are webhook lanes
    runtime = Runtime(hooks, webhook_timeout=httpx.Timeout(30.0, connect=5.0))
    worker = create_worker(
        hooks, max_jobs=LANES + 1, poll_delay=0.02, handle_signals=False, ctx={"runtime": runtime}
    )
    running = asyncio.create_task(worker.async_run())
    try:
        # When a visitor contacts each partner
        for org, _ in partners:
            assert (await f.contact(hook_api, org))["errors"] == []

        # Then each partner's agent is emailed the lead, while the webhook tries are held
        mails = await smtp_server.await_for(PARTNERS, timeout=WAIT)
        assert sorted(m.rcpt_tos[0] for m in mails) == sorted(a.email for _, a in partners)
        assert receiver.received
        assert await WebhookDelivery.filter(status=DeliveryStatus.DELIVERED).count() == 0
        # And the webhook jobs under way are lanes' jobs, one at most per lane
        running_jobs = [
            key.decode().removeprefix(in_progress_key_prefix)
            for key in await arq_redis.keys(f"{in_progress_key_prefix}*")
        ]
        held = [job for job in running_jobs if not job.startswith(("cron:", "outbox:", "notif"))]
        assert held
        assert set(held) <= {lane_job_id(lane) for lane in range(LANES)}

        # When the receiver answers again
        receiver.release()

        # Then every event is delivered, each once
        async def all_delivered() -> bool:
            delivered = WebhookDelivery.filter(status=DeliveryStatus.DELIVERED)
            return await delivered.count() == PARTNERS

        await eventually(all_delivered, "every event is delivered")
    finally:
        receiver.release()
        await worker.close()
        await asyncio.gather(running, return_exceptions=True)
    assert len({request.webhook_id for request in receiver.received}) == PARTNERS
    assert len(receiver.received) == PARTNERS
