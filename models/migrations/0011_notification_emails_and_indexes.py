from tortoise import migrations
from tortoise.migrations import operations as ops
from models.tables.outbox import RecipientStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0010_webhook_endpoint_disabled_at")]

    initial = False

    operations = [
        ops.CreateModel(
            name="NotificationEmail",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "outbox",
                    fields.ForeignKeyField(
                        "models.OutboxMessage",
                        source_field="outbox_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="emails",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("recipient", fields.CharField(max_length=254)),
                (
                    "status",
                    fields.CharEnumField(
                        default=RecipientStatus.PENDING,
                        description="PENDING: PENDING\nSENDING: SENDING\nSENT: SENT\nFAILED: FAILED\nSKIPPED: SKIPPED",
                        enum_type=RecipientStatus,
                        max_length=16,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("message_id", fields.CharField(max_length=255)),
                ("last_error", fields.TextField(null=True, unique=False)),
                (
                    "lease_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "notification_email",
                "app": "models",
                "unique_together": (("outbox_id", "recipient"),),
                "pk_attr": "id",
                "table_description": "One recipient's email of a notification: recorded before each try (SENDING) and after",
            },
            bases=["Model"],
        ),
        ops.AlterField(
            model_name="OutboxMessage",
            name="completed_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name="OutboxMessage",
            index=Index(fields=["completed_at", "created_at", "id"]),
        ),
        ops.AddIndex(
            model_name="User",
            index=Index(fields=["organization_id", "created_at"]),
        ),
    ]
