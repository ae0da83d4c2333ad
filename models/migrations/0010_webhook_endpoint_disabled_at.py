from tortoise import migrations
from tortoise.migrations import operations as ops
from models.tables.outbound_webhooks import DeliveryStatus
from tortoise import fields


class AlterComment(ops.AlterField):
    """An AlterField that changes only the column's comment (the enum's new value, HELD).

    SQLite keeps no comments, and Tortoise rebuilds an SQLite table for any AlterField,
    dropping the table's indexes: so on SQLite this does nothing (as in 0003).
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
    dependencies = [("models", "0009_invitation_quotas")]

    initial = False

    operations = [
        AlterComment(
            model_name="WebhookDelivery",
            name="status",
            field=fields.CharEnumField(
                default=DeliveryStatus.PENDING,
                description="PENDING: PENDING\nHELD: HELD\nDELIVERED: DELIVERED\nFAILED: FAILED",
                enum_type=DeliveryStatus,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="WebhookEndpoint",
            name="disabled_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
