from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0017_api_clients")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ScimToken",
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
                        related_name="scim_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="created_scim_tokens",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "scim_token",
                "app": "models",
                "indexes": [Index(fields=["organization_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "A bearer token for `/scim/v2/...`, shown once: only its SHA-256 is stored.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="SecurityGroup",
            name="external_id",
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddField(
            model_name="SecurityGroup",
            name="provisioned_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="User",
            name="external_id",
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddField(
            model_name="User",
            name="provisioned_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="User",
            name="user_name",
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddIndex(
            model_name="User",
            index=Index(fields=["organization_id", "user_name"]),
        ),
        ops.AddIndex(
            model_name="User",
            index=Index(fields=["organization_id", "external_id"]),
        ),
    ]
