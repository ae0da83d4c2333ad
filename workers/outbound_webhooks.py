"""Delivering webhook events to endpoints, as the Standard Webhooks specification says.

Each delivery's state is in the database (`models.tables.outbound_webhooks.WebhookDelivery`):
the outbox job that the change recorded tries it at once, and a cron job, every few seconds,
tries whatever is due again, so a lost queue loses nothing. An endpoint receives the events
of one ordering key (a relationship, or the object) one at a time, in the order they
happened: a later event waits while an earlier one is retrying. Failures are retried on
RETRY_SCHEDULE (about three days); `Retry-After` pushes the next try later; `410 Gone`
disables the endpoint, whose deliveries then wait (HELD) until it is enabled again.

One endpoint cannot hold up the others: whatever goes wrong in a try (an answer that cannot
be read, a URL the client refuses, a receiver trickling its answer) is that try's failure,
recorded like any other; each try has an overall deadline; and the cron job looks for due
endpoints, each counted once, not for due rows, which one endpoint's backlog could fill.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from uuid import UUID

import httpx
from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.functions import Min

from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.foundation.standard_webhooks import (
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
)
from models.infrastructure.tokens import Sealer
from models.infrastructure.webhook_addresses import AddressRefused, Target, check
from models.operation import Operation
from models.rules.webhook_endpoints import disable_gone_endpoint
from models.tables.outbound_webhooks import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from workers.runtime import Runtime

log = logging.getLogger(__name__)

# Seconds before each retry: the first try, then these; the last failure ends it (FAILED).
RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000, 36000, 36000, 36000, 36000)
MAX_ATTEMPTS = 1 + len(RETRY_SCHEDULE)
MAX_RETRY_AFTER = timedelta(days=1)  # a Retry-After further out is taken as this
BATCH = 500  # pending deliveries of one endpoint read at a time
DUE_ENDPOINTS = 1000  # endpoints with a delivery due that one cron run delivers to
ENDPOINTS_AT_ONCE = 10  # endpoints a job delivers to concurrently
USER_AGENT = "Partnerhub-Webhooks/1"


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try."""
    return timedelta(seconds=RETRY_SCHEDULE[min(attempts, len(RETRY_SCHEDULE)) - 1])


def body_of(event: WebhookEvent) -> bytes:
    """The JSON body: `type`, `timestamp` and `data`, with the API's opaque IDs."""

    def public(value: Any) -> Any:
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
            return encode_id(value[0], UUID(value[1]))
        return value

    data = {
        key: (value if key == "changes" else public(value)) for key, value in event.data.items()
    }
    document = {"type": event.type, "timestamp": event.occurred_at.isoformat(), "data": data}
    return json.dumps(document, separators=(",", ":")).encode()


def secrets_of(endpoint: WebhookEndpoint, sealer: Sealer, now: datetime) -> list[str]:
    """The secrets to sign with: the current one, and the previous one while it overlaps."""
    found = [sealer.unseal(endpoint.sealed_secret)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.sealed_previous_secret and expires is not None and expires > now:
        found.append(sealer.unseal(endpoint.sealed_previous_secret))
    return [secret for secret in found if secret]


def headers_for(
    event: WebhookEvent, secrets: list[str], body: bytes, now: datetime
) -> dict[str, str]:
    timestamp = int(now.timestamp())
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        ID_HEADER: event.message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: " ".join(
            signature(secret, event.message_id, timestamp, body) for secret in secrets
        ),
    }


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A Retry-After header (seconds, or an HTTP date) as a wait, capped at MAX_RETRY_AFTER."""
    if not value:
        return None
    try:
        seconds = int(value.strip())
    except ValueError:
        try:
            wait = parsedate_to_datetime(value) - now
        except (TypeError, ValueError, OverflowError):
            return None
    else:
        # (capped before it becomes a timedelta, which a huge number would overflow)
        wait = timedelta(seconds=min(max(0, seconds), MAX_RETRY_AFTER.total_seconds()))
    return min(max(wait, timedelta(0)), MAX_RETRY_AFTER)


def try_deadline(timeout: httpx.Timeout) -> float:
    """Seconds a whole try may last: resolving the name, connecting, sending, reading the
    answer. The client's timeouts bound each read only, so a receiver trickling its answer
    a byte at a time would keep a try alive without this."""
    return 2 * (timeout.connect or 10.0) + 2 * (timeout.read or 10.0)


def describe(exc: BaseException) -> str:
    """An exception as a delivery's `last_error`."""
    return f"{type(exc).__name__}: {exc}"[:1000]


@dataclass
class Outcome:
    status_code: int | None = None
    error: str | None = None
    retry_after: timedelta | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def _request_url(target: Target) -> tuple[httpx.URL, dict[str, str], dict[str, Any]]:
    """Connect to the checked address, naming the host in the Host header and for TLS."""
    url = httpx.URL(target.url)
    extensions: dict[str, Any] = {}
    if target.https and target.host != target.address:
        extensions["sni_hostname"] = target.host
    return url.copy_with(host=target.address), {"host": url.netloc.decode("ascii")}, extensions


async def _post(
    client: httpx.AsyncClient, runtime: Runtime, url: str, body: bytes, headers: dict[str, str]
) -> Outcome:
    try:
        target = await check(url, allow_private=runtime.settings.webhooks_private_allowed)
        request_url, host, extensions = _request_url(target)
        async with client.stream(
            "POST", request_url, content=body, headers=headers | host, extensions=extensions
        ) as response:
            return Outcome(
                status_code=response.status_code,
                error=None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}",
                retry_after=retry_after(response.headers.get("retry-after"), utcnow()),
            )
    except AddressRefused as refused:
        return Outcome(error=f"Refused: {refused}")
    except httpx.HTTPError as exc:
        return Outcome(error=describe(exc))


async def _attempt(
    client: httpx.AsyncClient, runtime: Runtime, endpoint: WebhookEndpoint, event: WebhookEvent
) -> Outcome:
    """One try, within its deadline; it never raises: what goes wrong is its failure."""
    deadline = try_deadline(runtime.webhook_timeout)
    limit = asyncio.timeout(deadline)
    try:
        async with limit:
            now = utcnow()
            body = body_of(event)
            headers = headers_for(event, secrets_of(endpoint, runtime.sealer, now), body, now)
            return await _post(client, runtime, endpoint.url, body, headers)
    except TimeoutError as exc:
        if not limit.expired():
            log.warning("webhooks: try to endpoint %s failed", endpoint.id, exc_info=True)
            return Outcome(error=describe(exc))
        log.warning("webhooks: try to endpoint %s passed its %gs deadline", endpoint.id, deadline)
        return Outcome(error=f"Timeout: no full answer within {deadline:g} s.")
    except Exception as exc:
        log.warning("webhooks: try to endpoint %s failed", endpoint.id, exc_info=True)
        return Outcome(error=describe(exc))


async def _claim(delivery: WebhookDelivery, now: datetime, lease: timedelta) -> bool:
    """Take the delivery for one try; False when another worker holds it or tried it."""
    return bool(
        await WebhookDelivery.filter(
            Q(locked_until=None) | Q(locked_until__lte=now),
            id=delivery.id,
            status=DeliveryStatus.PENDING,
            attempts=delivery.attempts,
        ).update(locked_until=now + lease)
    )


async def _disable(runtime: Runtime, endpoint: WebhookEndpoint, reason: str) -> None:
    """Stop delivering to an endpoint that said it is gone; recorded as the system's change."""
    await disable_gone_endpoint(Operation(actor=None, sealer=runtime.sealer), endpoint, reason)
    log.warning("webhooks: endpoint %s disabled: %s", endpoint.id, reason)


async def _try(
    client: httpx.AsyncClient,
    runtime: Runtime,
    endpoint: WebhookEndpoint,
    delivery: WebhookDelivery,
) -> None:
    event = await WebhookEvent.get(id=delivery.event_id)
    outcome = await _attempt(client, runtime, endpoint, event)
    attempts = delivery.attempts + 1
    done_at = utcnow()
    changes: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": done_at,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
        "locked_until": None,
    }
    if outcome.delivered:
        changes |= {
            "status": DeliveryStatus.DELIVERED,
            "delivered_at": done_at,
            "next_attempt_at": None,
        }
    elif outcome.gone:
        # Refused with the endpoint, not for good: held with the others until it is enabled.
        changes |= {"status": DeliveryStatus.HELD, "next_attempt_at": None}
    elif attempts >= MAX_ATTEMPTS:
        changes |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
    else:
        wait = max(retry_delay(attempts), outcome.retry_after or timedelta(0))
        changes["next_attempt_at"] = done_at + wait
    await WebhookDelivery.filter(id=delivery.id).update(**changes)
    if changes["next_attempt_at"] is not None:
        # The events behind it wait for it: none is due before its next try.
        await WebhookDelivery.filter(
            endpoint_id=endpoint.id,
            ordering_key=delivery.ordering_key,
            status=DeliveryStatus.PENDING,
            event_id__gt=delivery.event_id,
            next_attempt_at__lt=changes["next_attempt_at"],
        ).update(next_attempt_at=changes["next_attempt_at"])
    if outcome.gone:
        await _disable(runtime, endpoint, "The endpoint answered 410 Gone.")
    log.info(
        "webhooks: %s to endpoint %s, try %d: %s",
        event.type,
        endpoint.id,
        attempts,
        "delivered" if outcome.delivered else outcome.error,
    )


def _client(runtime: Runtime) -> httpx.AsyncClient:
    bundle = runtime.settings.webhooks_ca_bundle
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=bundle) if bundle else True
    # One client per endpoint and run: its connections all go to that endpoint's host.
    return httpx.AsyncClient(
        verify=verify, timeout=runtime.webhook_timeout, follow_redirects=False, trust_env=False
    )


async def deliver_to(runtime: Runtime, endpoint_id: UUID) -> int:
    """Try every due delivery of the endpoint, the earliest pending event of each ordering key
    first and alone; how many tries were made."""
    endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id)
    if endpoint is None:
        return 0
    # (longer than a try may last, so that no other worker takes a delivery being tried)
    lease = timedelta(seconds=try_deadline(runtime.webhook_timeout) + 30)
    tried = 0
    async with _client(runtime) as client:
        while endpoint.enabled:
            now = utcnow()
            pending = (
                await WebhookDelivery.filter(endpoint_id=endpoint.id, status=DeliveryStatus.PENDING)
                .order_by("event_id", "created_at")
                .limit(BATCH)
            )
            heads: dict[str, WebhookDelivery] = {}
            for delivery in pending:
                heads.setdefault(delivery.ordering_key, delivery)
            due = [
                d
                for d in heads.values()
                if d.next_attempt_at is not None
                and d.next_attempt_at <= now
                and (d.locked_until is None or d.locked_until <= now)
            ]
            progressed = False
            for delivery in due:
                if not endpoint.enabled or not await _claim(delivery, now, lease):
                    continue
                await _try(client, runtime, endpoint, delivery)
                tried += 1
                progressed = True
            if not progressed:
                return tried
    return tried


async def deliver(runtime: Runtime, endpoint_ids: list[UUID]) -> int:
    """Deliver to several endpoints, a few at a time; one that fails stops none of the others."""
    gate = asyncio.Semaphore(ENDPOINTS_AT_ONCE)

    async def one(endpoint_id: UUID) -> int:
        async with gate:
            try:
                return await deliver_to(runtime, endpoint_id)
            except Exception:
                # (what it holds stays leased until its lease ends, then is tried again)
                log.exception("webhooks: delivering to endpoint %s failed", endpoint_id)
                return 0

    return sum(await asyncio.gather(*(one(endpoint_id) for endpoint_id in endpoint_ids)))


async def due_endpoints(now: datetime) -> list[UUID]:
    """The enabled endpoints with a delivery due, the longest waiting first, each once.

    Grouped by endpoint in the database over the (status, next_attempt_at) index's range of
    due rows, so an endpoint with a backlog of thousands of due deliveries counts once and
    cannot crowd the others out of a run; disabled endpoints (their deliveries stay pending)
    are left out by a list read once. A DISTINCT, a join with the endpoints, or a GROUP BY
    on the column itself makes SQLite scan the deliveries by endpoint in full (to group
    them in index order): grouping on COALESCE(endpoint_id, endpoint_id), the same value,
    keeps it on the range of due rows. Deliveries waiting behind a retrying one are not due
    before it: `_try` moves them along.
    """
    disabled = Subquery(WebhookEndpoint.filter(enabled=False).values("id"))
    due = (
        await WebhookDelivery.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .exclude(endpoint_id__in=disabled)
        .annotate(
            due_endpoint=RawSQL('COALESCE("endpoint_id", "endpoint_id")'),
            first_due=Min("next_attempt_at"),
        )
        .group_by("due_endpoint")
        .order_by("first_due")
        .limit(DUE_ENDPOINTS)
        .values_list("due_endpoint", flat=True)
    )
    return [UUID(str(row)) for row in due]
