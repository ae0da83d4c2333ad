from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.reference.enums import EmailStatus
from models.tables.inbound_webhooks import InboundStatus
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class AlterComment(ops.AlterField):
    """An AlterField that changes only the column's comment (the enum's new value).

    SQLite keeps no comments, and Tortoise rebuilds an SQLite table for any AlterField,
    dropping the table's indexes: so on SQLite this does nothing.
    """

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None and state_editor.DIALECT == "sqlite":
            return
        await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None and state_editor.DIALECT == "sqlite":
            return
        await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [("models", "0002_grant_lifecycle")]

    initial = False

    operations = [
        ops.CreateModel(
            name="InboundWebhook",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("source", fields.CharField(max_length=64)),
                ("webhook_id", fields.CharField(max_length=255)),
                ("type", fields.CharField(max_length=64)),
                (
                    "payload",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=InboundStatus.QUEUED,
                        description="QUEUED: queued\nRUNNING: running\nCOMPLETE: complete\nFAILED: failed",
                        enum_type=InboundStatus,
                        max_length=16,
                    ),
                ),
                ("job_id", fields.CharField(unique=True, max_length=64)),
                ("outbox_message_id", fields.UUIDField(null=True)),
                ("result", fields.TextField(null=True, unique=False)),
                ("error", fields.TextField(null=True, unique=False)),
                ("received_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("started_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "inbound_webhook",
                "app": "models",
                "unique_together": (("source", "webhook_id"),),
                "pk_attr": "id",
                "table_description": "A webhook a trusted system sent, and the job it triggered.",
            },
            bases=["Model"],
        ),
        AlterComment(
            model_name="Invitation",
            name="email_status",
            field=fields.CharEnumField(
                default=EmailStatus.QUEUED,
                description="QUEUED: QUEUED\nSENT: SENT\nFAILED: FAILED\nBOUNCED: BOUNCED",
                enum_type=EmailStatus,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Invitation",
            name="email_message_id",
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddIndex(
            model_name="Invitation",
            index=Index(fields=["email_message_id"]),
        ),
    ]
