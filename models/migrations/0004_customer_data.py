from tortoise import migrations
from tortoise.migrations import operations as ops
from models.reference.tenant_enums import (
    IncidentSeverity,
    IncidentStatus,
    InvoiceStatus,
    SubscriptionStatus,
)
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0003_inbound_webhooks")]

    initial = False

    operations = [
        ops.CreateModel(
            name="BillingNotification",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="billing_notifications",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("subject", fields.CharField(max_length=200)),
                ("body", fields.TextField(unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "billing_notification",
                "app": "models",
                "indexes": [Index(fields=["customer_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "A billing message the tenant received (a renewal, a payment problem, a price change).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CustomerSettings",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.OneToOneField(
                        "models.Organization",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="customer_settings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("share_mpsa_purchases", fields.BooleanField(default=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "customer_settings",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Settings a customer organization holds about its partners.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Device",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="devices",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("serial_number", fields.CharField(max_length=100)),
                ("hardware_hash", fields.TextField(unique=False)),
                ("model", fields.CharField(max_length=200)),
                (
                    "registered_by_partner",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="registered_by_partner_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="registered_devices",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "registered_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="registered_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="registered_devices",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "device",
                "app": "models",
                "unique_together": (("customer_id", "serial_number"),),
                "indexes": [Index(fields=["customer_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "A device of the tenant in the device registry, by its hardware hash.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DirectoryUser",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="directory_users",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("display_name", fields.CharField(max_length=200)),
                ("user_principal_name", fields.CharField(max_length=254)),
                ("enabled", fields.BooleanField(default=True)),
                ("is_admin", fields.BooleanField(default=False)),
                (
                    "password_reset_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "password_reset_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="password_reset_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="password_resets",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "password_reset_by_partner",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="password_reset_by_partner_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="password_resets_for_customers",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "directory_user",
                "app": "models",
                "unique_together": (("customer_id", "user_principal_name"),),
                "indexes": [Index(fields=["customer_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "A user of the tenant directory: a person of the customer, not a Partnerhub account.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Domain",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="domains",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=253)),
                ("verified", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "domain",
                "app": "models",
                "unique_together": (("customer_id", "name"),),
                "indexes": [Index(fields=["customer_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "A domain name of the tenant, verified or not.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DomainSubscription",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="domain_subscriptions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "domain",
                    fields.OneToOneField(
                        "models.Domain",
                        source_field="domain_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="subscription",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("years", fields.IntField()),
                (
                    "purchased_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="purchased_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="domain_subscriptions",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "domain_subscription",
                "app": "models",
                "indexes": [Index(fields=["customer_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "A domain name bought by the tenant for a number of years.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Invoice",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="invoices",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("number", fields.CharField(max_length=40)),
                ("amount", fields.DecimalField(max_digits=14, decimal_places=2)),
                ("currency", fields.CharField(default="USD", max_length=3)),
                ("period_start", fields.DateField()),
                ("period_end", fields.DateField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=InvoiceStatus.DUE,
                        description="DUE: DUE\nPAID: PAID\nOVERDUE: OVERDUE\nVOID: VOID",
                        enum_type=InvoiceStatus,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "invoice",
                "app": "models",
                "unique_together": (("customer_id", "number"),),
                "indexes": [Index(fields=["customer_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "An invoice of the tenant for one billing period.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="LobApp",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="lob_apps",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                ("version", fields.CharField(max_length=50)),
                ("package_url", fields.CharField(max_length=2000)),
                (
                    "submitted_by_partner",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="submitted_by_partner_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="submitted_apps",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "submitted_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="submitted_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="submitted_apps",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "lob_app",
                "app": "models",
                "indexes": [Index(fields=["customer_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "A line-of-business app made for the tenant, as a package to install.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SecurityGroup",
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
                        related_name="security_groups",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="created_groups",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "security_group",
                "app": "models",
                "unique_together": (("partner_id", "name"),),
                "indexes": [Index(fields=["partner_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "A group of a partner organization agents, to which granted roles are assigned.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AccessAssignment",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "group",
                    fields.ForeignKeyField(
                        "models.SecurityGroup",
                        source_field="group_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="assignments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "relationship",
                    fields.ForeignKeyField(
                        "models.Relationship",
                        source_field="relationship_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="access_assignments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("role", fields.CharField(max_length=64)),
                (
                    "assigned_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="assigned_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="access_assignments",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "access_assignment",
                "app": "models",
                "unique_together": (("group_id", "relationship_id", "role"),),
                "indexes": [
                    Index(fields=["relationship_id", "role"]),
                    Index(fields=["group_id", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "A role granted in a relationship, assigned to one of the partner security groups.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SecurityGroupMember",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "group",
                    fields.ForeignKeyField(
                        "models.SecurityGroup",
                        source_field="group_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="members",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="group_memberships",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "security_group_member",
                "app": "models",
                "unique_together": (("group_id", "user_id"),),
                "indexes": [
                    Index(fields=["user_id", "group_id"]),
                    Index(fields=["group_id", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "An agent of the partner, member of one of its security groups.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Subscription",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="subscriptions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("offer_name", fields.CharField(max_length=200)),
                ("sku", fields.CharField(max_length=100)),
                ("quantity", fields.IntField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=SubscriptionStatus.ACTIVE,
                        description="ACTIVE: ACTIVE\nSUSPENDED: SUSPENDED\nEXPIRED: EXPIRED\nCANCELED: CANCELED",
                        enum_type=SubscriptionStatus,
                        max_length=16,
                    ),
                ),
                (
                    "sold_by",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="sold_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="sold_subscriptions",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "ordered_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="ordered_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="ordered_subscriptions",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "subscription",
                "app": "models",
                "indexes": [Index(fields=["customer_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "A subscription of the tenant to an offer, with a number of licenses.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="LicenseAssignment",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="license_assignments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "subscription",
                    fields.ForeignKeyField(
                        "models.Subscription",
                        source_field="subscription_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="assignments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.DirectoryUser",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="licenses",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "assigned_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="assigned_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="license_assignments",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "assigned_by_partner",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="assigned_by_partner_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="license_assignments_for_customers",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "license_assignment",
                "app": "models",
                "unique_together": (("subscription_id", "user_id"),),
                "indexes": [
                    Index(fields=["customer_id", "created_at"]),
                    Index(fields=["subscription_id", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "One license of a subscription, assigned to one directory user.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Purchase",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="purchases",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("product_name", fields.CharField(max_length=200)),
                ("quantity", fields.IntField(default=1)),
                ("amount", fields.DecimalField(max_digits=14, decimal_places=2)),
                ("currency", fields.CharField(default="USD", max_length=3)),
                (
                    "partner",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="partner_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="partner_purchases",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "purchased_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="purchased_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="purchases",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "subscription",
                    fields.ForeignKeyField(
                        "models.Subscription",
                        source_field="subscription_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="purchases",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("purchased_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "purchase",
                "app": "models",
                "indexes": [
                    Index(fields=["customer_id", "created_at"]),
                    Index(fields=["partner_id", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "Something bought for the tenant: by the customer itself, or by one of its partners.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SupportIncident",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="support_incidents",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("title", fields.CharField(max_length=200)),
                ("description", fields.TextField(unique=False)),
                (
                    "severity",
                    fields.CharEnumField(
                        description="CRITICAL: CRITICAL\nHIGH: HIGH\nMODERATE: MODERATE\nLOW: LOW",
                        enum_type=IncidentSeverity,
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=IncidentStatus.OPEN,
                        description="OPEN: OPEN\nIN_PROGRESS: IN_PROGRESS\nRESOLVED: RESOLVED\nCLOSED: CLOSED",
                        enum_type=IncidentStatus,
                        max_length=16,
                    ),
                ),
                (
                    "opened_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="opened_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="opened_incidents",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "opened_by_partner",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="opened_by_partner_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="incidents_for_customers",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "support_incident",
                "app": "models",
                "indexes": [Index(fields=["customer_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "A support incident of the tenant, opened by its own admin or by a partner agent for it.",
            },
            bases=["Model"],
        ),
        ops.AddIndex(
            model_name="RoleGrant",
            index=Index(fields=["relationship_id", "status"]),
        ),
    ]
