"""An organization's webhook endpoints: created, changed, secrets rotated, deleted, disabled
when they say they are gone; and a delivery sent again. Each change is recorded in the
activity log.

A disabled endpoint (by a 410 Gone answer, or by an administrator) misses nothing at first:
its pending deliveries, the one that was answered 410 included, wait as HELD, and so do the
events of the next HELD_FOR (7 days, `models/tables/outbound_webhooks.py`). Enabled again
within that time, it receives them all, in the order they happened, each with its tries
afresh. Enabled later, it would receive a week of events and miss what followed, so it
receives none of them: they become FAILED, still listed with their endpoint and each
redeliverable by hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from models.events import EVENT_TYPES
from models.foundation.clock import utcnow
from models.foundation.errors import DomainError, ErrorCode, ValidationErrors
from models.foundation.standard_webhooks import new_secret
from models.identity.actors import Actor
from models.infrastructure.webhook_addresses import AddressRefused, check
from models.operation import Operation, Transaction
from models.policy import require_webhook_manager, visible_webhook_endpoints
from models.reference.enums import OrganizationKind
from models.tables.organizations import Organization
from models.tables.outbound_webhooks import (
    HELD_FOR,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from models.tables.outbox import Task

MAX_DESCRIPTION = 500
# After a rotation the previous secret stays valid this long: deliveries carry a signature
# under each, so a receiver can switch to the new secret without missing an event.
ROTATION_OVERLAP = timedelta(hours=24)


async def _check_url(url: str, allow_private: bool) -> str:
    url = url.strip()
    try:
        await check(url, allow_private=allow_private)
    except AddressRefused as refused:
        raise DomainError(ErrorCode.URL_NOT_ALLOWED, str(refused), "url") from refused
    return url


def _check_event_types(event_types: list[str]) -> list[str]:
    unknown = [name for name in event_types if name not in EVENT_TYPES]
    if unknown:
        raise DomainError(
            ErrorCode.UNKNOWN_EVENT_TYPE,
            f"Unknown event type(s): {', '.join(unknown)}.",
            "eventTypes",
        )
    if not event_types:
        raise DomainError(ErrorCode.INVALID_INPUT, "Subscribe to at least one event.", "eventTypes")
    return sorted(set(event_types))


def _check_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"The description is longer than {MAX_DESCRIPTION} characters.",
            "description",
        )
    return description.strip()


async def _validated(
    url: str | None, event_types: list[str] | None, description: str | None, allow_private: bool
) -> dict[str, Any]:
    """The changes, every field checked, each refusal naming its field."""
    changes: dict[str, Any] = {}
    errors: list[DomainError] = []
    checks: list[tuple[str, Any]] = [
        ("url", url),
        ("event_types", event_types),
        ("description", description),
    ]
    for name, value in checks:
        if value is None:
            continue
        try:
            if name == "url":
                changes[name] = await _check_url(value, allow_private)
            elif name == "event_types":
                changes[name] = _check_event_types(value)
            else:
                changes[name] = _check_description(value)
        except DomainError as error:
            errors.append(error)
    if errors:
        raise ValidationErrors(errors) if len(errors) > 1 else errors[0]
    return changes


def _side(actor: Actor) -> dict[str, UUID]:
    """The `Transaction.record` argument naming the actor's organization as the side concerned."""
    key = "customer_id" if actor.is_customer else "partner_id"
    return {key: actor.organization_id}


async def _record(
    tx: Transaction, actor: Actor, action: str, endpoint: WebhookEndpoint, **changes: Any
) -> None:
    await tx.record(action, "WebhookEndpoint", endpoint.id, **_side(actor), changes=changes)


async def create_endpoint(
    op: Operation, url: str, event_types: list[str], description: str, *, allow_private: bool
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret, in `whsec_` form: shown this once, stored sealed."""
    actor = op.require_actor()
    require_webhook_manager(actor)
    fields = await _validated(url, event_types, description, allow_private)
    if "url" not in fields or "event_types" not in fields:
        raise DomainError(ErrorCode.INVALID_INPUT, "A URL and event types are required.", "url")
    secret = new_secret()
    async with op.atomic() as tx:
        endpoint = await WebhookEndpoint.create(
            organization_id=actor.organization_id,
            url=fields["url"],
            event_types=fields["event_types"],
            description=fields.get("description", ""),
            sealed_secret=op.sealer.seal(secret),
        )
        await _record(
            tx,
            actor,
            "webhook_endpoint.created",
            endpoint,
            url=endpoint.url,
            eventTypes=endpoint.event_types,
        )
    return endpoint, secret


async def _own_endpoint(op: Operation, endpoint_id: UUID) -> tuple[Actor, WebhookEndpoint]:
    actor = op.require_actor()
    require_webhook_manager(actor)
    endpoint = await visible_webhook_endpoints(actor).get_or_none(id=endpoint_id)
    if endpoint is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such webhook endpoint.", "id")
    return actor, endpoint


async def update_endpoint(
    op: Operation,
    endpoint_id: UUID,
    *,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
    allow_private: bool,
) -> WebhookEndpoint:
    """Change what is given. Disabling holds the endpoint's deliveries; enabling a disabled
    endpoint sends what it missed (or drops it, after HELD_FOR: see the module's words)."""
    actor, endpoint = await _own_endpoint(op, endpoint_id)
    fields = await _validated(url, event_types, description, allow_private)
    now = op.now()
    disabling = enabled is False and endpoint.enabled
    enabling = enabled is True and not endpoint.enabled
    if disabling:
        fields |= {
            "enabled": False,
            "disabled_reason": "Disabled by an administrator.",
            "disabled_at": now,
        }
    if enabling:
        fields |= {"enabled": True, "disabled_reason": None, "disabled_at": None}
    disabled_at = endpoint.disabled_at
    async with op.atomic() as tx:
        await WebhookEndpoint.filter(id=endpoint.id).update(**fields, updated_at=utcnow())
        if disabling:
            await hold_pending(endpoint.id)
        endpoint.disabled_at = disabled_at
        resumed, dropped = await release_held(endpoint, now) if enabling else (None, None)
        await endpoint.refresh_from_db()
        summary = {
            "url": fields.get("url"),
            "eventTypes": fields.get("event_types"),
            "description": fields.get("description"),
            "enabled": enabled,
            "resumed": resumed,
            "dropped": dropped,
        }
        await _record(
            tx,
            actor,
            "webhook_endpoint.updated",
            endpoint,
            **{k: v for k, v in summary.items() if v is not None},
        )
        if enabled:
            await tx.enqueue(Task.DELIVER_WEBHOOKS, endpoint_ids=[str(endpoint.id)])
    return endpoint


async def rotate_secret(op: Operation, endpoint_id: UUID) -> tuple[WebhookEndpoint, str]:
    """A new secret, shown once; the previous one stays valid for ROTATION_OVERLAP."""
    actor, endpoint = await _own_endpoint(op, endpoint_id)
    secret = new_secret()
    async with op.atomic() as tx:
        await WebhookEndpoint.filter(id=endpoint.id).update(
            sealed_secret=op.sealer.seal(secret),
            sealed_previous_secret=endpoint.sealed_secret,
            previous_secret_expires_at=op.now() + ROTATION_OVERLAP,
            updated_at=utcnow(),
        )
        await endpoint.refresh_from_db()
        await _record(tx, actor, "webhook_endpoint.secret_rotated", endpoint)
    return endpoint, secret


async def delete_endpoint(op: Operation, endpoint_id: UUID) -> WebhookEndpoint:
    """The endpoint and its deliveries go; what it was stays in the activity log."""
    actor, endpoint = await _own_endpoint(op, endpoint_id)
    async with op.atomic() as tx:
        await WebhookEndpoint.filter(id=endpoint.id).delete()
        await _record(tx, actor, "webhook_endpoint.deleted", endpoint, url=endpoint.url)
    return endpoint


async def redeliver(op: Operation, delivery_id: UUID) -> WebhookDelivery:
    """Send a delivery's event to its endpoint again, with the same `webhook-id`, as a new
    delivery queued behind the endpoint's other events of the same ordering key."""
    actor = op.require_actor()
    require_webhook_manager(actor)
    delivery = await WebhookDelivery.get_or_none(
        id=delivery_id, endpoint__organization_id=actor.organization_id
    ).prefetch_related("endpoint")
    if delivery is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such webhook delivery.", "deliveryId")
    enabled = delivery.endpoint.enabled
    async with op.atomic() as tx:
        again = await WebhookDelivery.create(
            endpoint_id=delivery.endpoint.id,
            event_id=delivery.event_id,
            ordering_key=delivery.ordering_key,
            status=DeliveryStatus.PENDING if enabled else DeliveryStatus.HELD,
            next_attempt_at=op.now() if enabled else None,
        )
        await _record(
            tx, actor, "webhook_endpoint.redelivered", delivery.endpoint, delivery=str(delivery.id)
        )
        await tx.enqueue(Task.DELIVER_WEBHOOKS, endpoint_ids=[str(delivery.endpoint.id)])
    return again


async def hold_pending(endpoint_id: UUID) -> int:
    """The endpoint's pending deliveries wait, HELD, until it is enabled again; how many."""
    return await WebhookDelivery.filter(
        endpoint_id=endpoint_id, status=DeliveryStatus.PENDING
    ).update(status=DeliveryStatus.HELD, next_attempt_at=None, locked_until=None)


async def release_held(endpoint: WebhookEndpoint, now: datetime) -> tuple[int, int]:
    """The endpoint's HELD deliveries as it is enabled: due now, each with its tries afresh,
    or FAILED when it was disabled longer than HELD_FOR; (resumed, dropped). Called after
    the endpoint's row is updated in the same transaction: an event being published for it
    meanwhile holds that row locked (`models.events.publish`), so its delivery is either
    released here or written as the enabled endpoint's."""
    held = WebhookDelivery.filter(endpoint_id=endpoint.id, status=DeliveryStatus.HELD)
    if endpoint.disabled_at is not None and now - endpoint.disabled_at > HELD_FOR:
        dropped = await held.update(
            status=DeliveryStatus.FAILED,
            last_error=f"Not sent: its endpoint was disabled for more than {HELD_FOR.days} days.",
        )
        return 0, dropped
    resumed = await held.update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, locked_until=None
    )
    return resumed, 0


async def disable_gone_endpoint(op: Operation, endpoint: WebhookEndpoint, reason: str) -> None:
    """Stop delivering to an endpoint that said it is gone: the system's change, recorded for
    the endpoint's organization. Its pending deliveries are held, for when it is enabled
    again (within HELD_FOR)."""
    org = await Organization.get(id=endpoint.organization_id)
    side = "customer_id" if org.kind is OrganizationKind.CUSTOMER else "partner_id"
    async with op.atomic() as tx:
        await WebhookEndpoint.filter(id=endpoint.id, enabled=True).update(
            enabled=False, disabled_reason=reason, disabled_at=op.now()
        )
        await hold_pending(endpoint.id)
        await tx.record(
            "webhook_endpoint.disabled",
            "WebhookEndpoint",
            endpoint.id,
            **{side: org.id},
            changes={"enabled": False, "reason": reason},
        )
    endpoint.enabled = False
