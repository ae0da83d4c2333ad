from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.reference.enums import (
    BulkOperationItemStatus,
    BulkOperationKind,
    BulkOperationStatus,
    RelationshipType,
)
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0015_delegated_admin_relationships")]

    initial = False

    operations = [
        ops.CreateModel(
            name="InvitationTemplate",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "partner",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="partner_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="invitation_templates",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                (
                    "type",
                    fields.CharEnumField(
                        description="ADVISOR: ADVISOR\nISV: ISV\nINDIRECT_RESELLER: INDIRECT_RESELLER\nLOB_PARTNER: LOB_PARTNER\nMPSA_PARTNER: MPSA_PARTNER\nOEM: OEM\nPARTNER: PARTNER\nGDAP_PARTNER: GDAP_PARTNER\nRESELLER: RESELLER",
                        enum_type=RelationshipType,
                        max_length=32,
                    ),
                ),
                (
                    "roles",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("duration_days", fields.IntField(null=True)),
                ("auto_extend", fields.BooleanField(default=False)),
                ("message", fields.TextField(null=True, unique=False)),
                ("display_name", fields.CharField(null=True, max_length=50)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="invitation_templates",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "invitation_template",
                "app": "models",
                "unique_together": (("partner_id", "name"),),
                "pk_attr": "id",
                "table_description": "Named invitation settings of a partner, its name unique in the partner.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BulkOperation",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "partner",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="partner_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="bulk_operations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="SEND_INVITATIONS: SEND_INVITATIONS",
                        enum_type=BulkOperationKind,
                        max_length=32,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=BulkOperationStatus.QUEUED,
                        description="QUEUED: QUEUED\nRUNNING: RUNNING\nCOMPLETED: COMPLETED",
                        enum_type=BulkOperationStatus,
                        max_length=16,
                    ),
                ),
                (
                    "template",
                    fields.ForeignKeyField(
                        "models.InvitationTemplate",
                        source_field="template_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="bulk_operations",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "settings",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("idempotency_key", fields.CharField(null=True, max_length=200)),
                ("total", fields.IntField()),
                ("succeeded", fields.IntField(default=0)),
                ("failed", fields.IntField(default=0)),
                ("rounds", fields.IntField(default=0)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="bulk_operations",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("started_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "bulk_operation",
                "app": "models",
                "unique_together": (("partner_id", "idempotency_key"),),
                "indexes": [Index(fields=["partner_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "One bulk operation of a partner, its counts kept with the outcome of each item.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BulkOperationItem",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "operation",
                    fields.ForeignKeyField(
                        "models.BulkOperation",
                        source_field="operation_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="items",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("position", fields.IntField()),
                ("customer_email", fields.CharField(max_length=320)),
                ("customer_ref", fields.CharField(null=True, max_length=200)),
                (
                    "status",
                    fields.CharEnumField(
                        default=BulkOperationItemStatus.PENDING,
                        description="PENDING: PENDING\nSUCCEEDED: SUCCEEDED\nFAILED: FAILED",
                        enum_type=BulkOperationItemStatus,
                        max_length=16,
                    ),
                ),
                ("error_code", fields.CharField(null=True, max_length=64)),
                ("error_message", fields.TextField(null=True, unique=False)),
                (
                    "invitation",
                    fields.ForeignKeyField(
                        "models.Invitation",
                        source_field="invitation_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="bulk_items",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "bulk_operation_item",
                "app": "models",
                "unique_together": (("operation_id", "position"),),
                "indexes": [Index(fields=["operation_id", "status", "position"])],
                "pk_attr": "id",
                "table_description": "One customer of a bulk operation, as given, and its outcome.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TemplateAssignment",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "template",
                    fields.ForeignKeyField(
                        "models.InvitationTemplate",
                        source_field="template_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="assignments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "group",
                    fields.ForeignKeyField(
                        "models.SecurityGroup",
                        source_field="group_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="template_assignments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("role", fields.CharField(max_length=64)),
            ],
            options={
                "table": "template_assignment",
                "app": "models",
                "unique_together": (("template_id", "group_id", "role"),),
                "indexes": [Index(fields=["group_id"])],
                "pk_attr": "id",
                "table_description": "A role to assign to a security group of the partner when a customer accepts an",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Invitation",
            name="assignments",
            field=fields.JSONField(
                default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
            ),
        ),
        ops.AddField(
            model_name="Invitation",
            name="template",
            field=fields.ForeignKeyField(
                "models.InvitationTemplate",
                source_field="template_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="invitations",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
    ]
