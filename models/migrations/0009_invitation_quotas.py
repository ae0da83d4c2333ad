from tortoise import migrations
from tortoise.migrations import operations as ops
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0008_sign_in")]

    initial = False

    operations = [
        ops.CreateModel(
            name="QuotaCounter",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("scope", fields.CharField(max_length=16)),
                ("key", fields.CharField(max_length=64)),
                ("window_start", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("hits", fields.IntField(default=0)),
            ],
            options={
                "table": "quota_counter",
                "app": "models",
                "unique_together": (("scope", "key", "window_start"),),
                "indexes": [Index(fields=["expires_at"])],
                "pk_attr": "id",
                "table_description": "A quota's count for one key in one window of time.",
            },
            bases=["Model"],
        ),
    ]
