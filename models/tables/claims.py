"""Unique values that partner actions claim beside the tenant tables: an order's idempotency
key, a registered device's hardware hash. A unique row each, so that two requests at the same
moment cannot both win.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyRelation, OneToOneRelation

    from models.tables.organizations import Organization
    from models.tables.tenant import Device, Purchase


class OrderKey(Model):
    """The idempotency key a partner sent with an order for a customer, and the purchase made."""

    id = fields.UUIDField(primary_key=True)
    partner: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="order_keys", on_delete=fields.CASCADE
    )
    partner_id: UUID
    customer: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="customer_order_keys", on_delete=fields.CASCADE
    )
    customer_id: UUID
    key = fields.CharField(max_length=100)
    purchase: OneToOneRelation[Purchase] = fields.OneToOneField(
        "models.Purchase", related_name="order_key", on_delete=fields.CASCADE
    )
    purchase_id: UUID
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "order_key"
        unique_together = (("partner_id", "customer_id", "key"),)


class DeviceHash(Model):
    """The SHA-256 of a registered device hardware hash: a machine is registered only once."""

    id = fields.UUIDField(primary_key=True)
    digest = fields.CharField(max_length=64, unique=True)
    device: OneToOneRelation[Device] = fields.OneToOneField(
        "models.Device", related_name="hash_claim", on_delete=fields.CASCADE
    )
    device_id: UUID

    class Meta:
        table = "device_hash"
