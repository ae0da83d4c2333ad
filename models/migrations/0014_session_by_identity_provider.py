from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0013_multi_factor_authentication")]

    initial = False

    operations = [
        ops.AddField(
            model_name="UserSession",
            name="by_identity_provider",
            field=fields.BooleanField(default=False),
        ),
    ]
