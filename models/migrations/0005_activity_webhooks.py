from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.tables.outbound_webhooks import DeliveryStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0004_customer_data")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ActivityEntry",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "created_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("action", fields.CharField(max_length=64)),
                ("actor_user_id", fields.UUIDField(null=True)),
                ("actor_organization_id", fields.UUIDField(null=True)),
                ("on_behalf_of_id", fields.UUIDField(null=True)),
                ("object_type", fields.CharField(max_length=64)),
                ("object_id", fields.UUIDField()),
                ("relationship_id", fields.UUIDField(null=True)),
                ("customer_id", fields.UUIDField(null=True)),
                ("partner_id", fields.UUIDField(null=True)),
                (
                    "changes",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("request_id", fields.CharField(null=True, max_length=128)),
                ("client_address", fields.CharField(null=True, max_length=64)),
            ],
            options={
                "table": "activity_entry",
                "app": "models",
                "indexes": [
                    Index(fields=["customer_id", "created_at"]),
                    Index(fields=["partner_id", "created_at"]),
                    Index(fields=["relationship_id", "created_at"]),
                    Index(fields=["object_id", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "One state change, written in the same transaction as the change itself.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookEndpoint",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="organization_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="webhook_endpoints",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("url", fields.CharField(max_length=2000)),
                ("description", fields.CharField(default="", max_length=500)),
                (
                    "event_types",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("sealed_secret", fields.TextField(unique=False)),
                ("sealed_previous_secret", fields.TextField(null=True, unique=False)),
                (
                    "previous_secret_expires_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("enabled", fields.BooleanField(default=True)),
                ("disabled_reason", fields.CharField(null=True, max_length=500)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "webhook_endpoint",
                "app": "models",
                "indexes": [Index(fields=["organization_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "An HTTPS URL of an organization that receives the events it subscribed to.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookEvent",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("message_id", fields.CharField(unique=True, max_length=64)),
                ("type", fields.CharField(max_length=64)),
                ("ordering_key", fields.CharField(max_length=64)),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "data",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
            ],
            options={
                "table": "webhook_event",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An event as subscribed systems receive it: its id is the `webhook-id` of every try.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "endpoint",
                    fields.ForeignKeyField(
                        "models.WebhookEndpoint",
                        source_field="endpoint_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "event",
                    fields.ForeignKeyField(
                        "models.WebhookEvent",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("ordering_key", fields.CharField(max_length=64)),
                (
                    "status",
                    fields.CharEnumField(
                        default=DeliveryStatus.PENDING,
                        description="PENDING: PENDING\nDELIVERED: DELIVERED\nFAILED: FAILED",
                        enum_type=DeliveryStatus,
                        max_length=16,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                (
                    "next_attempt_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "locked_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "last_attempt_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("last_status_code", fields.IntField(null=True)),
                ("last_error", fields.CharField(null=True, max_length=1000)),
                (
                    "delivered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "webhook_delivery",
                "app": "models",
                "indexes": [
                    Index(fields=["endpoint_id", "created_at"]),
                    Index(fields=["endpoint_id", "status", "event_id"]),
                    Index(fields=["status", "next_attempt_at"]),
                ],
                "pk_attr": "id",
                "table_description": "One event on its way to one endpoint: its tries, and when the next one is due.",
            },
            bases=["Model"],
        ),
    ]
