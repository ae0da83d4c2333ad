"""Outbound webhooks: an organization's endpoints, the events they receive, each delivery."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyRelation

    from models.tables.organizations import Organization


# How long a disabled endpoint's events are held for it: enabled again within this time, it
# receives every event it missed, in order; later, none of them (`models/events.py` holds
# them, `models/rules/webhook_endpoints.py` releases them).
HELD_FOR = timedelta(days=7)


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    HELD = "HELD"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


DELIVERY_STATUS_MEANINGS: dict[DeliveryStatus, str] = {
    DeliveryStatus.PENDING: "Waiting for its first try, or for its next one.",
    DeliveryStatus.HELD: "Waiting while its endpoint is disabled (the endpoint answered 410 "
    f"Gone, or an administrator disabled it); enabling the endpoint again within "
    f"{HELD_FOR.days} days sends it, in order.",
    DeliveryStatus.DELIVERED: "The endpoint answered with a 2xx status.",
    DeliveryStatus.FAILED: f"Every try failed, or it was held longer than {HELD_FOR.days} days "
    "while its endpoint was disabled.",
}


class WebhookEndpoint(Model):
    """An HTTPS URL of an organization that receives the events it subscribed to.

    Secrets are stored sealed (`models.infrastructure.tokens.Sealer`), never in plain text.
    After a rotation the previous secret stays valid until `previous_secret_expires_at`:
    deliveries are signed with both meanwhile.
    """

    id = fields.UUIDField(primary_key=True)
    organization: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="webhook_endpoints", on_delete=fields.CASCADE
    )
    organization_id: UUID
    url = fields.CharField(max_length=2000)
    description = fields.CharField(max_length=500, default="")
    event_types: list[str] = fields.JSONField(default=list)
    sealed_secret = fields.TextField()
    sealed_previous_secret = fields.TextField(null=True)
    previous_secret_expires_at = fields.DatetimeField(null=True)
    enabled = fields.BooleanField(default=True)
    disabled_reason = fields.CharField(max_length=500, null=True)
    # When it was disabled: its events are held for it (HELD deliveries) for a while after.
    disabled_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "webhook_endpoint"
        indexes = (("organization_id", "created_at"),)


class WebhookEvent(Model):
    """An event as subscribed systems receive it: its id is the `webhook-id` of every try.

    The integer key grows with each event, so it orders the events of one ordering key
    (a relationship, or the object when there is none) as they happened.
    """

    id = fields.BigIntField(primary_key=True)
    message_id = fields.CharField(max_length=64, unique=True)
    type = fields.CharField(max_length=64)
    ordering_key = fields.CharField(max_length=64)
    occurred_at = fields.DatetimeField()
    data: dict[str, Any] = fields.JSONField(default=dict)

    class Meta:
        table = "webhook_event"


class WebhookDelivery(Model):
    """One event on its way to one endpoint: its tries, and when the next one is due.

    The state lives here, not in Redis, so a lost queue loses nothing: a cron job picks up
    what is due. `locked_until` is the lease of the worker trying it.
    """

    id = fields.UUIDField(primary_key=True)
    endpoint: ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    endpoint_id: UUID
    event: ForeignKeyRelation[WebhookEvent] = fields.ForeignKeyField(
        "models.WebhookEvent", related_name="deliveries", on_delete=fields.CASCADE
    )
    event_id: int
    ordering_key = fields.CharField(max_length=64)
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    locked_until = fields.DatetimeField(null=True)
    last_attempt_at = fields.DatetimeField(null=True)
    last_status_code = fields.IntField(null=True)
    last_error = fields.CharField(max_length=1000, null=True)
    delivered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_delivery"
        indexes = (
            ("endpoint_id", "created_at"),
            ("endpoint_id", "status", "event_id"),
            ("status", "next_attempt_at"),
        )
