from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0011_notification_emails_and_indexes")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SingleSignOn",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "organization",
                    fields.OneToOneField(
                        "models.Organization",
                        source_field="organization_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="single_sign_on",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("display_name", fields.CharField(max_length=100)),
                ("issuer", fields.CharField(max_length=2000)),
                ("client_id", fields.CharField(max_length=255)),
                ("sealed_client_secret", fields.TextField(unique=False)),
                ("required", fields.BooleanField(default=False)),
                ("enabled", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "single_sign_on",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An organization's identity provider, as its Global Administrator (or a partner's admin",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SingleSignOnDomain",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "single_sign_on",
                    fields.ForeignKeyField(
                        "models.SingleSignOn",
                        source_field="single_sign_on_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="domains",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("domain", fields.CharField(unique=True, max_length=253)),
            ],
            options={
                "table": "single_sign_on_domain",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An email domain whose people the organization's provider signs in. A domain belongs to",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SingleSignOnRequest",
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
                        related_name="single_sign_on_requests",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("state_hash", fields.CharField(unique=True, max_length=64)),
                ("browser_hash", fields.CharField(max_length=64)),
                ("sealed_nonce", fields.TextField(unique=False)),
                ("sealed_code_verifier", fields.TextField(unique=False)),
                ("next_path", fields.CharField(default="/", max_length=500)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "expires_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "single_sign_on_request",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A sign-in sent to the provider and not back yet: what the return must match.",
            },
            bases=["Model"],
        ),
    ]
