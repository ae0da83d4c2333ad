from tortoise import migrations
from tortoise.migrations import operations as ops
from models.reference.enums import PasswordLinkPurpose, UserStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


# Tortoise's AddField writes no PostgreSQL column comment, which a new table's columns do get
# (an enum column's lists its values): the new `user.status` gets its own here.
STATUS_COMMENT = r"""COMMENT ON COLUMN "user"."status" IS 'ACTIVE: ACTIVE\nDISABLED: DISABLED\nINVITED: INVITED'"""


async def comment_status(apps, schema_editor):
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(STATUS_COMMENT)


async def uncomment_status(apps, schema_editor):
    pass  # the column goes, with its comment


class Migration(migrations.Migration):
    dependencies = [("models", "0007_partner_actions")]

    initial = False

    operations = [
        ops.CreateModel(
            name="PasswordLink",
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
                        related_name="password_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "purpose",
                    fields.CharEnumField(
                        description="SET: SET\nRESET: RESET",
                        enum_type=PasswordLinkPurpose,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("emailed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "password_link",
                "app": "models",
                "indexes": [Index(fields=["user_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "A single-use link that lets a person choose a password: for a new account, or to reset a",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SignInThrottle",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("key", fields.CharField(unique=True, max_length=100)),
                ("failures", fields.IntField(default=0)),
                (
                    "blocked_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "last_failure_at",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
            ],
            options={
                "table": "sign_in_throttle",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Failed password checks counted for one key (an account, or a client address), and the",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="UserSession",
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
                        related_name="sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_used_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("idle_expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "expires_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("user_agent", fields.CharField(null=True, max_length=300)),
                ("client_address", fields.CharField(null=True, max_length=64)),
            ],
            options={
                "table": "user_session",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A browser's sign-in, carried by an HttpOnly cookie whose value is hashed here.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="ApiToken",
            name="expires_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="ApiToken",
            name="name",
            field=fields.CharField(default="", max_length=100),
        ),
        ops.AddField(
            model_name="User",
            name="must_change_password",
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name="User",
            name="password_changed_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="User",
            name="password_hash",
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddField(
            model_name="User",
            name="status",
            field=fields.CharEnumField(
                default=UserStatus.INVITED,
                description="ACTIVE: ACTIVE\nDISABLED: DISABLED\nINVITED: INVITED",
                enum_type=UserStatus,
                max_length=16,
            ),
        ),
        ops.RunPython(comment_status, uncomment_status),
    ]
