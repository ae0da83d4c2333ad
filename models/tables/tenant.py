"""A customer tenant's own data: its subscriptions and licenses, purchases, billing, support
incidents, devices, line-of-business apps and domains. Its directory of people is its `User`s
(`models/tables/organizations.py`): one model for a person.

Every row belongs to one customer organization (`customer`). Where a partner made or changed
something for the customer, the row names the partner organization and the acting user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.reference.tenant_enums import (
    IncidentSeverity,
    IncidentStatus,
    InvoiceStatus,
    SubscriptionStatus,
)

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import (
        ForeignKeyNullableRelation,
        ForeignKeyRelation,
        OneToOneRelation,
    )

    from models.tables.organizations import Organization, User


class CustomerSettings(Model):
    """Settings a customer organization holds about its partners."""

    id = fields.UUIDField(primary_key=True)
    customer: OneToOneRelation[Organization] = fields.OneToOneField(
        "models.Organization", related_name="customer_settings", on_delete=fields.CASCADE
    )
    customer_id: UUID
    # Lets the customer MPSA partners see the purchases its other MPSA partners made.
    share_mpsa_purchases = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "customer_settings"


class Subscription(Model):
    """A subscription of the tenant to an offer, with a number of licenses."""

    id = fields.UUIDField(primary_key=True)
    customer: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="subscriptions", on_delete=fields.CASCADE
    )
    customer_id: UUID
    offer_name = fields.CharField(max_length=200)
    sku = fields.CharField(max_length=100)
    quantity = fields.IntField()
    status = fields.CharEnumField(
        SubscriptionStatus, max_length=16, default=SubscriptionStatus.ACTIVE
    )
    # The partner that sold it, or NULL when the customer bought it itself.
    sold_by: ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization",
        related_name="sold_subscriptions",
        null=True,
        on_delete=fields.SET_NULL,
    )
    sold_by_id: UUID | None
    ordered_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="ordered_subscriptions", null=True, on_delete=fields.SET_NULL
    )
    ordered_by_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "subscription"
        indexes = (("customer_id", "created_at"),)


class LicenseAssignment(Model):
    """One license of a subscription, assigned to one directory user."""

    id = fields.UUIDField(primary_key=True)
    customer: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="license_assignments", on_delete=fields.CASCADE
    )
    customer_id: UUID
    subscription: ForeignKeyRelation[Subscription] = fields.ForeignKeyField(
        "models.Subscription", related_name="assignments", on_delete=fields.CASCADE
    )
    subscription_id: UUID
    # A person of the customer's directory.
    user: ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="licenses", on_delete=fields.CASCADE
    )
    user_id: UUID
    assigned_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="license_assignments", null=True, on_delete=fields.SET_NULL
    )
    assigned_by_id: UUID | None
    # The partner whose agent assigned it on behalf of the customer, if one did.
    assigned_by_partner: ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization",
        related_name="license_assignments_for_customers",
        null=True,
        on_delete=fields.SET_NULL,
    )
    assigned_by_partner_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "license_assignment"
        unique_together = (("subscription_id", "user_id"),)
        indexes = (("customer_id", "created_at"), ("subscription_id", "created_at"))


class Purchase(Model):
    """Something bought for the tenant: by the customer itself, or by one of its partners."""

    id = fields.UUIDField(primary_key=True)
    customer: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="purchases", on_delete=fields.CASCADE
    )
    customer_id: UUID
    product_name = fields.CharField(max_length=200)
    quantity = fields.IntField(default=1)
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    currency = fields.CharField(max_length=3, default="USD")
    # The partner that bought it, or NULL when the customer bought it itself.
    partner: ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization",
        related_name="partner_purchases",
        null=True,
        on_delete=fields.SET_NULL,
    )
    partner_id: UUID | None
    purchased_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="purchases", null=True, on_delete=fields.SET_NULL
    )
    purchased_by_id: UUID | None
    subscription: ForeignKeyNullableRelation[Subscription] = fields.ForeignKeyField(
        "models.Subscription", related_name="purchases", null=True, on_delete=fields.SET_NULL
    )
    subscription_id: UUID | None
    purchased_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "purchase"
        indexes = (("customer_id", "created_at"), ("partner_id", "created_at"))


class BillingNotification(Model):
    """A billing message the tenant received (a renewal, a payment problem, a price change)."""

    id = fields.UUIDField(primary_key=True)
    customer: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="billing_notifications", on_delete=fields.CASCADE
    )
    customer_id: UUID
    subject = fields.CharField(max_length=200)
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "billing_notification"
        indexes = (("customer_id", "created_at"),)


class Invoice(Model):
    """An invoice of the tenant for one billing period."""

    id = fields.UUIDField(primary_key=True)
    customer: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="invoices", on_delete=fields.CASCADE
    )
    customer_id: UUID
    number = fields.CharField(max_length=40)
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    currency = fields.CharField(max_length=3, default="USD")
    period_start = fields.DateField()
    period_end = fields.DateField()
    status = fields.CharEnumField(InvoiceStatus, max_length=16, default=InvoiceStatus.DUE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "invoice"
        unique_together = (("customer_id", "number"),)
        indexes = (("customer_id", "created_at"),)


class SupportIncident(Model):
    """A support incident of the tenant, opened by its own admin or by a partner agent for it."""

    id = fields.UUIDField(primary_key=True)
    customer: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="support_incidents", on_delete=fields.CASCADE
    )
    customer_id: UUID
    title = fields.CharField(max_length=200)
    description = fields.TextField()
    severity = fields.CharEnumField(IncidentSeverity, max_length=16)
    status = fields.CharEnumField(IncidentStatus, max_length=16, default=IncidentStatus.OPEN)
    opened_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="opened_incidents", null=True, on_delete=fields.SET_NULL
    )
    opened_by_id: UUID | None
    # The partner whose agent opened it on behalf of the customer, if one did.
    opened_by_partner: ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization",
        related_name="incidents_for_customers",
        null=True,
        on_delete=fields.SET_NULL,
    )
    opened_by_partner_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "support_incident"
        indexes = (("customer_id", "created_at"),)


class Device(Model):
    """A device of the tenant in the device registry, by its hardware hash."""

    id = fields.UUIDField(primary_key=True)
    customer: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="devices", on_delete=fields.CASCADE
    )
    customer_id: UUID
    serial_number = fields.CharField(max_length=100)
    hardware_hash = fields.TextField()
    model = fields.CharField(max_length=200)
    # The OEM partner that registered it, or NULL when the customer did.
    registered_by_partner: ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization",
        related_name="registered_devices",
        null=True,
        on_delete=fields.SET_NULL,
    )
    registered_by_partner_id: UUID | None
    registered_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="registered_devices", null=True, on_delete=fields.SET_NULL
    )
    registered_by_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "device"
        unique_together = (("customer_id", "serial_number"),)
        indexes = (("customer_id", "created_at"),)


class LobApp(Model):
    """A line-of-business app made for the tenant, as a package to install."""

    id = fields.UUIDField(primary_key=True)
    customer: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="lob_apps", on_delete=fields.CASCADE
    )
    customer_id: UUID
    name = fields.CharField(max_length=200)
    version = fields.CharField(max_length=50)
    package_url = fields.CharField(max_length=2000)
    description = fields.TextField(default="")
    # The LOB partner that submitted it, or NULL when the customer added it itself.
    submitted_by_partner: ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="submitted_apps", null=True, on_delete=fields.SET_NULL
    )
    submitted_by_partner_id: UUID | None
    submitted_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="submitted_apps", null=True, on_delete=fields.SET_NULL
    )
    submitted_by_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "lob_app"
        indexes = (("customer_id", "created_at"),)


class Domain(Model):
    """A domain name of the tenant, verified or not."""

    id = fields.UUIDField(primary_key=True)
    customer: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="domains", on_delete=fields.CASCADE
    )
    customer_id: UUID
    name = fields.CharField(max_length=253)
    verified = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "domain"
        unique_together = (("customer_id", "name"),)
        indexes = (("customer_id", "created_at"),)


class DomainSubscription(Model):
    """A domain name bought by the tenant for a number of years."""

    id = fields.UUIDField(primary_key=True)
    customer: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="domain_subscriptions", on_delete=fields.CASCADE
    )
    customer_id: UUID
    domain: OneToOneRelation[Domain] = fields.OneToOneField(
        "models.Domain", related_name="subscription", on_delete=fields.CASCADE
    )
    domain_id: UUID
    years = fields.IntField()
    purchased_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="domain_subscriptions", null=True, on_delete=fields.SET_NULL
    )
    purchased_by_id: UUID | None
    expires_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "domain_subscription"
        indexes = (("customer_id", "created_at"),)
