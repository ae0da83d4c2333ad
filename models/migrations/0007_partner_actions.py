from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0006_directory")]

    initial = False

    operations = [
        ops.CreateModel(
            name="DeviceHash",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("digest", fields.CharField(unique=True, max_length=64)),
                (
                    "device",
                    fields.OneToOneField(
                        "models.Device",
                        source_field="device_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="hash_claim",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "device_hash",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The SHA-256 of a registered device hardware hash: a machine is registered only once.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OrderKey",
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
                        related_name="order_keys",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="customer_order_keys",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("key", fields.CharField(max_length=100)),
                (
                    "purchase",
                    fields.OneToOneField(
                        "models.Purchase",
                        source_field="purchase_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="order_key",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "order_key",
                "app": "models",
                "unique_together": (("partner_id", "customer_id", "key"),),
                "pk_attr": "id",
                "table_description": "The idempotency key a partner sent with an order for a customer, and the purchase made.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="LobApp",
            name="description",
            field=fields.TextField(default="", unique=False),
        ),
        ops.AddIndex(
            model_name="RelationshipTypeRecord",
            index=Index(fields=["relationship_id", "type"]),
        ),
    ]
