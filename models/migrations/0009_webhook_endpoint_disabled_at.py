from tortoise import migrations
from tortoise.migrations import operations as ops
from models.tables.outbound_webhooks import DeliveryStatus
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0008_invitation_quotas")]

    initial = False

    operations = [
        ops.AlterField(
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
