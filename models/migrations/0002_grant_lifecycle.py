from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="Invitation",
            index=Index(fields=["status", "expires_at"]),
        ),
        ops.AddField(
            model_name="RoleGrant",
            name="extended_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="RoleGrant",
            name="next_notice_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="RoleGrant",
            name="warned_days",
            field=fields.IntField(null=True),
        ),
        ops.AddIndex(
            model_name="RoleGrant",
            index=Index(fields=["status", "next_notice_at"]),
        ),
    ]
