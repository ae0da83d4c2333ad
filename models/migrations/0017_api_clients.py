from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0016_templates_and_bulk_operations")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ApiClient",
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
                        related_name="api_clients",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("client_id", fields.CharField(unique=True, max_length=64)),
                ("name", fields.CharField(max_length=100)),
                (
                    "scopes",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="api_clients_created",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "api_client",
                "app": "models",
                "indexes": [Index(fields=["organization_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "A system acting for its organization, never for a person: its access is the",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiClientSecret",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "client",
                    fields.ForeignKeyField(
                        "models.ApiClient",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="secrets",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("secret_hash", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "api_client_secret",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One secret of a client, shown once. Several may be live at once while one is rotated:",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiClientToken",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "client",
                    fields.ForeignKeyField(
                        "models.ApiClient",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "scopes",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("issued_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "expires_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "api_client_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An access token issued at /oauth/token, for `scopes` (ApiScope values) until",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="ActivityEntry",
            name="actor_api_client_id",
            field=fields.UUIDField(null=True),
        ),
    ]
