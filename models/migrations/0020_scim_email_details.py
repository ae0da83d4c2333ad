from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0019_one_directory_of_people")]

    initial = False

    operations = [
        ops.AddField(
            model_name="User",
            name="email_primary",
            field=fields.BooleanField(null=True),
        ),
        ops.AddField(
            model_name="User",
            name="email_type",
            field=fields.CharField(null=True, max_length=32),
        ),
    ]
