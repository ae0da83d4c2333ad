from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0012_single_sign_on")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RecoveryCode",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="recovery_codes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("code_hash", fields.CharField(max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "recovery_code",
                "app": "models",
                "unique_together": (("user_id", "code_hash"),),
                "pk_attr": "id",
                "table_description": "A one-time code that stands in for the authenticator (a lost phone): shown once when",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TotpFactor",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.OneToOneField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="totp_factor",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("secret_sealed", fields.TextField(null=True, unique=False)),
                ("label", fields.CharField(null=True, max_length=100)),
                (
                    "confirmed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("last_used_step", fields.BigIntField(null=True)),
                ("pending_secret_sealed", fields.TextField(null=True, unique=False)),
                ("pending_label", fields.CharField(null=True, max_length=100)),
                (
                    "pending_started_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "totp_factor",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A person's authenticator app: one row per person, made when they start enrolling.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Organization",
            name="mfa_required",
            field=fields.BooleanField(null=True),
        ),
    ]
