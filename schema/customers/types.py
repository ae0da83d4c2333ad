"""A customer's data as GraphQL types: the `Customer` and what it holds.

Each nested list checks the viewer's capability for the customer (the capability table): a
list the viewer may not read is null, with a FORBIDDEN error at its path.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry

from models.foundation.ids import encode_id
from models.policy import discloses_partner
from models.policy.customer_access import CustomerAccess
from models.reference.capabilities import BillingPage, Capability, billing_pages
from models.reference.catalog import AdminRole
from models.reference.tenant_enums import (
    IncidentSeverity,
    IncidentStatus,
    InvoiceStatus,
    SubscriptionStatus,
)
from models.tables import tenant as m
from schema.context import Info
from schema.customers import enums as _enums  # noqa: F401  (registers the enums)
from schema.customers.loaders import CustomerDataLoaders
from schema.errors import UserError
from schema.guards import denial_forbidden
from schema.organizations.types import Organization, load_organization
from schema.pagination import After, Connection, First


async def disclosed_partner(info: Info, partner_id: object) -> Organization | None:
    """The partner named on a customer's row (who sold, reset, opened, registered...), unless
    it is hidden from the viewer."""
    if partner_id is None or not discloses_partner(info.context.actor(), partner_id):
        return None
    return await load_organization(info, partner_id)


@strawberry.type(description="A user of the customer's directory.")
class DirectoryUser:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    display_name: str = strawberry.field(description="The user's name.")
    user_principal_name: str = strawberry.field(description="The sign-in name (UPN).")
    enabled: bool = strawberry.field(description="Whether the user may sign in.")
    is_admin: bool = strawberry.field(
        description="Whether the user holds admin roles (a helpdesk may not reset it)."
    )
    password_reset_at: datetime | None = strawberry.field(
        description="When the password was last reset here."
    )
    created_at: datetime = strawberry.field(description="When the user was added.")
    _reset_by_partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: m.DirectoryUser) -> DirectoryUser:
        return cls(
            id=encode_id("DirectoryUser", row.id),
            display_name=row.display_name,
            user_principal_name=row.user_principal_name,
            enabled=row.enabled,
            is_admin=row.is_admin,
            password_reset_at=row.password_reset_at,
            created_at=row.created_at,
            _reset_by_partner_id=row.password_reset_by_partner_id,
        )

    @strawberry.field(
        description="The partner whose agent last reset the password on the customer's behalf "
        "(to a partner's agents, only their own organization)."
    )
    async def password_reset_by_partner(self, info: Info) -> Organization | None:
        return await disclosed_partner(info, self._reset_by_partner_id)


@strawberry.type(description="A subscription of the customer to an offer, with its licenses.")
class Subscription:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    offer_name: str = strawberry.field(description="The offer's name.")
    sku: str = strawberry.field(description="The offer's SKU.")
    quantity: int = strawberry.field(description="How many licenses it holds.")
    status: SubscriptionStatus = strawberry.field(description="Where it stands.")
    created_at: datetime = strawberry.field(description="When it started.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    _id: strawberry.Private[Any]
    _customer_id: strawberry.Private[Any]
    _sold_by_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: m.Subscription) -> Subscription:
        return cls(
            id=encode_id("Subscription", row.id),
            offer_name=row.offer_name,
            sku=row.sku,
            quantity=row.quantity,
            status=row.status,
            created_at=row.created_at,
            updated_at=row.updated_at,
            _id=row.id,
            _customer_id=row.customer_id,
            _sold_by_id=row.sold_by_id,
        )

    @strawberry.field(
        description="The partner that sold it; null when the customer bought it (and, to a "
        "partner's agents, when another partner did)."
    )
    async def sold_by(self, info: Info) -> Organization | None:
        return await disclosed_partner(info, self._sold_by_id)

    @strawberry.field(description="How many of its licenses are assigned to users.")
    async def assigned_licenses(self, info: Info) -> int:
        loaders = info.context.loaders.customer_data
        return await loaders.assigned_count.load((self._customer_id, self._id))


@strawberry.type(description="A license of a subscription, assigned to a directory user.")
class LicenseAssignment:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    created_at: datetime = strawberry.field(description="When it was assigned.")
    _customer_id: strawberry.Private[Any]
    _user_id: strawberry.Private[Any]
    _subscription_id: strawberry.Private[Any]
    _partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: m.LicenseAssignment) -> LicenseAssignment:
        return cls(
            id=encode_id("LicenseAssignment", row.id),
            created_at=row.created_at,
            _customer_id=row.customer_id,
            _user_id=row.user_id,
            _subscription_id=row.subscription_id,
            _partner_id=row.assigned_by_partner_id,
        )

    @strawberry.field(description="The user holding the license.")
    async def user(self, info: Info) -> DirectoryUser:
        loaders = info.context.loaders.customer_data
        row = await loaders.directory_user.load((self._customer_id, self._user_id))
        assert row is not None  # the assignment goes when the user goes
        return DirectoryUser.of(row)

    @strawberry.field(description="The subscription the license belongs to.")
    async def subscription(self, info: Info) -> Subscription:
        loaders = info.context.loaders.customer_data
        row = await loaders.subscription.load((self._customer_id, self._subscription_id))
        assert row is not None  # the assignment goes when the subscription goes
        return Subscription.of(row)

    @strawberry.field(
        description="The partner whose agent assigned it on the customer's behalf (to a "
        "partner's agents, only their own organization)."
    )
    async def assigned_by_partner(self, info: Info) -> Organization | None:
        return await disclosed_partner(info, self._partner_id)


@strawberry.type(description="Something bought for the customer, by itself or by a partner.")
class Purchase:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    product_name: str = strawberry.field(description="What was bought.")
    quantity: int = strawberry.field(description="How many.")
    amount: Decimal = strawberry.field(description="What it cost.")
    currency: str = strawberry.field(description="The ISO 4217 currency of the amount.")
    purchased_at: datetime = strawberry.field(description="When it was bought.")
    created_at: datetime = strawberry.field(description="When it was recorded.")
    _partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: m.Purchase) -> Purchase:
        return cls(
            id=encode_id("Purchase", row.id),
            product_name=row.product_name,
            quantity=row.quantity,
            amount=row.amount,
            currency=row.currency,
            purchased_at=row.purchased_at,
            created_at=row.created_at,
            _partner_id=row.partner_id,
        )

    @strawberry.field(description="The partner that bought it; null when the customer did.")
    async def partner(self, info: Info) -> Organization | None:
        return await load_organization(info, self._partner_id)


@strawberry.type(description="A billing message the customer received.")
class BillingNotification:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    subject: str = strawberry.field(description="The subject.")
    body: str = strawberry.field(description="The message.")
    created_at: datetime = strawberry.field(description="When it was sent.")

    @classmethod
    def of(cls, row: m.BillingNotification) -> BillingNotification:
        return cls(
            id=encode_id("BillingNotification", row.id),
            subject=row.subject,
            body=row.body,
            created_at=row.created_at,
        )


@strawberry.type(description="An invoice of the customer for one billing period.")
class Invoice:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    number: str = strawberry.field(description="The invoice number.")
    amount: Decimal = strawberry.field(description="The amount due.")
    currency: str = strawberry.field(description="The ISO 4217 currency of the amount.")
    period_start: date = strawberry.field(description="The first day of the period billed.")
    period_end: date = strawberry.field(description="The last day of the period billed.")
    status: InvoiceStatus = strawberry.field(description="Where it stands.")
    created_at: datetime = strawberry.field(description="When it was issued.")

    @classmethod
    def of(cls, row: m.Invoice) -> Invoice:
        return cls(
            id=encode_id("Invoice", row.id),
            number=row.number,
            amount=row.amount,
            currency=row.currency,
            period_start=row.period_start,
            period_end=row.period_end,
            status=row.status,
            created_at=row.created_at,
        )


@strawberry.type(description="A support incident of the customer.")
class SupportIncident:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    title: str = strawberry.field(description="What it is about.")
    description: str = strawberry.field(description="The details.")
    severity: IncidentSeverity = strawberry.field(description="How severe it is.")
    status: IncidentStatus = strawberry.field(description="Where it stands.")
    created_at: datetime = strawberry.field(description="When it was opened.")
    _opened_by_id: strawberry.Private[Any]
    _partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: m.SupportIncident) -> SupportIncident:
        return cls(
            id=encode_id("SupportIncident", row.id),
            title=row.title,
            description=row.description,
            severity=row.severity,
            status=row.status,
            created_at=row.created_at,
            _opened_by_id=row.opened_by_id,
            _partner_id=row.opened_by_partner_id,
        )

    @strawberry.field(
        description="The email address of the person who opened it (to a partner's agents, "
        "null when another partner's agent did)."
    )
    async def opened_by(self, info: Info) -> str | None:
        if self._opened_by_id is None:
            return None
        if self._partner_id is not None and not discloses_partner(
            info.context.actor(), self._partner_id
        ):
            return None  # another partner's agent
        user = await info.context.loaders.user.load(self._opened_by_id)
        return user.email if user else None

    @strawberry.field(
        description="The partner whose agent opened it on behalf of the customer; null when "
        "the customer opened it itself."
    )
    async def opened_by_partner(self, info: Info) -> Organization | None:
        return await disclosed_partner(info, self._partner_id)


@strawberry.type(description="A device of the customer in the device registry.")
class Device:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    serial_number: str = strawberry.field(description="The serial number, unique per customer.")
    hardware_hash: str = strawberry.field(description="The hardware hash that identifies it.")
    model: str = strawberry.field(description="The device model.")
    created_at: datetime = strawberry.field(description="When it was registered.")
    _partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: m.Device) -> Device:
        return cls(
            id=encode_id("Device", row.id),
            serial_number=row.serial_number,
            hardware_hash=row.hardware_hash,
            model=row.model,
            created_at=row.created_at,
            _partner_id=row.registered_by_partner_id,
        )

    @strawberry.field(
        description="The OEM partner that registered it; null when the customer did (and, to a "
        "partner's agents, when another partner did)."
    )
    async def registered_by_partner(self, info: Info) -> Organization | None:
        return await disclosed_partner(info, self._partner_id)


@strawberry.type(description="A line-of-business app made for the customer.")
class LobApp:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    name: str = strawberry.field(description="The app's name.")
    version: str = strawberry.field(description="The version of the package.")
    package_url: str = strawberry.field(description="Where the package is (https).")
    description: str = strawberry.field(description="What the app does; may be empty.")
    created_at: datetime = strawberry.field(description="When it was submitted.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    _partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: m.LobApp) -> LobApp:
        return cls(
            id=encode_id("LobApp", row.id),
            name=row.name,
            version=row.version,
            package_url=row.package_url,
            description=row.description,
            created_at=row.created_at,
            updated_at=row.updated_at,
            _partner_id=row.submitted_by_partner_id,
        )

    @strawberry.field(
        description="The LOB partner that submitted it; null when the customer did (and, to a "
        "partner's agents, when another partner did)."
    )
    async def submitted_by_partner(self, info: Info) -> Organization | None:
        return await disclosed_partner(info, self._partner_id)


@strawberry.type(description="A domain name the customer bought.")
class DomainSubscription:
    years: int = strawberry.field(description="For how many years it was bought.")
    expires_at: datetime = strawberry.field(description="When it ends.")
    created_at: datetime = strawberry.field(description="When it was bought.")


@strawberry.type(description="A domain name of the customer.")
class Domain:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    name: str = strawberry.field(description="The domain name.")
    verified: bool = strawberry.field(description="Whether the customer proved it owns it.")
    created_at: datetime = strawberry.field(description="When it was added.")
    _id: strawberry.Private[Any]
    _customer_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: m.Domain) -> Domain:
        return cls(
            id=encode_id("Domain", row.id),
            name=row.name,
            verified=row.verified,
            created_at=row.created_at,
            _id=row.id,
            _customer_id=row.customer_id,
        )

    @strawberry.field(description="The domain subscription, when the customer bought the name.")
    async def subscription(self, info: Info) -> DomainSubscription | None:
        loaders = info.context.loaders.customer_data
        row = await loaders.domain_subscription.load((self._customer_id, self._id))
        if row is None:
            return None
        return DomainSubscription(
            years=row.years, expires_at=row.expires_at, created_at=row.created_at
        )


@strawberry.type(
    description="A customer organization's data, as the viewer may see it: its own admins by "
    "their roles, a partner's agents on its behalf by their effective roles. A list the "
    "viewer's roles do not open is null, with a FORBIDDEN error."
)
class Customer:
    id: strawberry.ID = strawberry.field(description="The customer organization's ID.")
    _id: strawberry.Private[Any]
    _access: strawberry.Private[CustomerAccess]

    @classmethod
    def of(cls, access: CustomerAccess) -> Customer:
        return cls(
            id=encode_id("Organization", access.customer_id),
            _id=access.customer_id,
            _access=access,
        )

    def _lists(self, info: Info, capability: Capability) -> CustomerDataLoaders:
        """The request's loaders of customers' data, once the viewer may read this list."""
        with denial_forbidden():
            self._access.require(capability)
        return info.context.loaders.customer_data

    @strawberry.field(description="The customer organization's name.")
    async def name(self, info: Info) -> str:
        org = await load_organization(info, self._id)
        assert org is not None
        return org.name

    @strawberry.field(
        description="Whether the viewer is a partner agent acting on behalf of the customer."
    )
    def on_behalf(self) -> bool:
        return self._access.on_behalf

    @strawberry.field(
        description="The admin roles the viewer holds for this customer: its own for the "
        "customer's admins; for a partner agent, the roles assigned to its groups that an "
        "active grant still gives."
    )
    def roles(self) -> list[AdminRole]:
        return sorted(self._access.roles)

    @strawberry.field(description="What the viewer may do with this customer's data.")
    def capabilities(self) -> list[Capability]:
        return [c for c in Capability if c in self._access.capabilities]

    @strawberry.field(description="The billing pages the viewer may open for this customer.")
    def billing_pages(self) -> list[BillingPage]:
        return billing_pages(self._access.capabilities, on_behalf=self._access.on_behalf)

    @strawberry.field(description="The directory's users, newest first (READ_USERS).")
    async def users(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[DirectoryUser] | None:
        rows = self._lists(info, Capability.READ_USERS).users
        return await rows.connection(self._id, first, after, DirectoryUser.of)

    @strawberry.field(description="The subscriptions, newest first (READ_LICENSES).")
    async def subscriptions(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Subscription] | None:
        rows = self._lists(info, Capability.READ_LICENSES).subscriptions
        return await rows.connection(self._id, first, after, Subscription.of)

    @strawberry.field(description="Licenses assigned to users, newest first (READ_LICENSES).")
    async def licenses(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[LicenseAssignment] | None:
        rows = self._lists(info, Capability.READ_LICENSES).licenses
        return await rows.connection(self._id, first, after, LicenseAssignment.of)

    @strawberry.field(
        description="What was bought, newest first (READ_PURCHASES; never under AOBO)."
    )
    async def purchases(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Purchase] | None:
        rows = self._lists(info, Capability.READ_PURCHASES).purchases
        return await rows.connection(self._id, first, after, Purchase.of)

    @strawberry.field(
        description="Billing notifications, newest first (READ_BILLING_NOTIFICATIONS)."
    )
    async def billing_notifications(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[BillingNotification] | None:
        rows = self._lists(info, Capability.READ_BILLING_NOTIFICATIONS).billing_notifications
        return await rows.connection(self._id, first, after, BillingNotification.of)

    @strawberry.field(description="Invoices, newest first (READ_INVOICES; never under AOBO).")
    async def invoices(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Invoice] | None:
        rows = self._lists(info, Capability.READ_INVOICES).invoices
        return await rows.connection(self._id, first, after, Invoice.of)

    @strawberry.field(description="Support incidents, newest first (READ_SUPPORT_INCIDENTS).")
    async def support_incidents(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[SupportIncident] | None:
        rows = self._lists(info, Capability.READ_SUPPORT_INCIDENTS).support_incidents
        return await rows.connection(self._id, first, after, SupportIncident.of)

    @strawberry.field(description="Devices of the device registry, newest first (READ_DEVICES).")
    async def devices(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Device] | None:
        rows = self._lists(info, Capability.READ_DEVICES).devices
        return await rows.connection(self._id, first, after, Device.of)

    @strawberry.field(description="Line-of-business apps, newest first (READ_APPS).")
    async def apps(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[LobApp] | None:
        rows = self._lists(info, Capability.READ_APPS).apps
        return await rows.connection(self._id, first, after, LobApp.of)

    @strawberry.field(description="Domain names, newest first (READ_DOMAINS).")
    async def domains(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Domain] | None:
        rows = self._lists(info, Capability.READ_DOMAINS).domains
        return await rows.connection(self._id, first, after, Domain.of)


# ------------------------------------------------------------------------------- inputs


@strawberry.input(description="Reset a directory user's password.")
class ResetUserPasswordInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer organization.")
    user_id: strawberry.ID = strawberry.field(description="The directory user.")


@strawberry.type(description="The result of a password reset.")
class ResetUserPasswordPayload:
    user: DirectoryUser | None = strawberry.field(description="The user whose password was reset.")
    temporary_password: str | None = strawberry.field(
        description="The new temporary password, shown this once and never stored."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")


@strawberry.input(description="Open a support incident for a customer.")
class CreateSupportIncidentInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer organization.")
    title: str = strawberry.field(description="What it is about: 1 to 200 characters.")
    description: str = strawberry.field(description="The details: 1 to 5000 characters.")
    severity: IncidentSeverity = strawberry.field(description="How severe it is.")


@strawberry.type(description="The result of opening a support incident.")
class SupportIncidentPayload:
    support_incident: SupportIncident | None = strawberry.field(description="The incident.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")


@strawberry.input(
    description="A license of a subscription, and the user to give it to or take it from."
)
class LicenseInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer organization.")
    subscription_id: strawberry.ID = strawberry.field(description="The subscription.")
    user_id: strawberry.ID = strawberry.field(description="The directory user.")


@strawberry.type(description="The result of assigning or removing a license.")
class LicensePayload:
    subscription: Subscription | None = strawberry.field(description="The subscription.")
    user: DirectoryUser | None = strawberry.field(description="The user.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")


@strawberry.input(description="Buy a domain name for the customer's own organization.")
class PurchaseDomainSubscriptionInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer organization.")
    domain_name: str = strawberry.field(description="The domain name, e.g. contoso.com.")
    years: int = strawberry.field(description="For how many years: 1 to 10.")


@strawberry.type(description="The result of buying a domain name.")
class DomainSubscriptionPayload:
    domain: Domain | None = strawberry.field(description="The domain bought.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
