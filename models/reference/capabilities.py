"""What each admin role permits on a customer's data: the capability table, kept as data.

A viewer holds a capability for a customer when one of its roles for that customer is listed
for it below; anything not listed is refused. Customer admins hold their own roles; a partner
agent holds its effective roles (`models.policy.customer_access`), and under AOBO the billing
capabilities in `CUSTOMER_ONLY` are never available, whatever the roles.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from models.reference.catalog import AdminRole


class Capability(StrEnum):
    READ_USERS = "READ_USERS"
    RESET_PASSWORD = "RESET_PASSWORD"  # noqa: S105 (a capability name, not a secret)
    RESET_ADMIN_PASSWORD = "RESET_ADMIN_PASSWORD"  # noqa: S105
    READ_LICENSES = "READ_LICENSES"
    ASSIGN_LICENSE = "ASSIGN_LICENSE"
    READ_BILLING_NOTIFICATIONS = "READ_BILLING_NOTIFICATIONS"
    READ_INVOICES = "READ_INVOICES"
    READ_PURCHASES = "READ_PURCHASES"
    PURCHASE_SERVICES = "PURCHASE_SERVICES"
    READ_SUPPORT_INCIDENTS = "READ_SUPPORT_INCIDENTS"
    OPEN_SUPPORT_INCIDENT = "OPEN_SUPPORT_INCIDENT"
    READ_DEVICES = "READ_DEVICES"
    READ_APPS = "READ_APPS"
    READ_DOMAINS = "READ_DOMAINS"


@dataclass(frozen=True, slots=True)
class CapabilityRule:
    capability: Capability
    description: str
    roles: frozenset[AdminRole]


def _rule(capability: Capability, description: str, *roles: AdminRole) -> CapabilityRule:
    return CapabilityRule(capability, description, frozenset(roles))


C, R = Capability, AdminRole
CAPABILITY_TABLE: dict[Capability, CapabilityRule] = {
    rule.capability: rule
    for rule in (
        _rule(
            C.READ_USERS,
            "Read the users of the tenant directory.",
            R.GLOBAL_ADMINISTRATOR,
            R.GLOBAL_READER,
            R.USER_ADMINISTRATOR,
            R.HELPDESK_ADMINISTRATOR,
            R.PASSWORD_ADMINISTRATOR,
            R.AUTHENTICATION_ADMINISTRATOR,
            R.PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
            R.LICENSE_ADMINISTRATOR,
            R.GROUPS_ADMINISTRATOR,
            R.DIRECTORY_READERS,
            R.DIRECTORY_WRITERS,
        ),
        _rule(
            C.RESET_PASSWORD,
            "Reset the password of a user who holds no admin role.",
            R.GLOBAL_ADMINISTRATOR,
            R.USER_ADMINISTRATOR,
            R.HELPDESK_ADMINISTRATOR,
            R.PASSWORD_ADMINISTRATOR,
            R.AUTHENTICATION_ADMINISTRATOR,
            R.PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
        ),
        _rule(
            C.RESET_ADMIN_PASSWORD,
            "Reset the password of any user, administrators included.",
            R.GLOBAL_ADMINISTRATOR,
            R.PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
        ),
        _rule(
            C.READ_LICENSES,
            "Read the subscriptions and which users their licenses are assigned to.",
            R.GLOBAL_ADMINISTRATOR,
            R.GLOBAL_READER,
            R.BILLING_ADMINISTRATOR,
            R.LICENSE_ADMINISTRATOR,
            R.USER_ADMINISTRATOR,
        ),
        _rule(
            C.ASSIGN_LICENSE,
            "Assign licenses to users and remove them.",
            R.GLOBAL_ADMINISTRATOR,
            R.LICENSE_ADMINISTRATOR,
            R.USER_ADMINISTRATOR,
        ),
        _rule(
            C.READ_BILLING_NOTIFICATIONS,
            "Read the billing notifications.",
            R.GLOBAL_ADMINISTRATOR,
            R.GLOBAL_READER,
            R.BILLING_ADMINISTRATOR,
        ),
        _rule(
            C.READ_INVOICES,
            "Read invoices (bills and payments).",
            R.GLOBAL_ADMINISTRATOR,
            R.GLOBAL_READER,
            R.BILLING_ADMINISTRATOR,
        ),
        _rule(
            C.READ_PURCHASES,
            "Read what was bought for the organization, and by whom.",
            R.GLOBAL_ADMINISTRATOR,
            R.GLOBAL_READER,
            R.BILLING_ADMINISTRATOR,
        ),
        _rule(
            C.PURCHASE_SERVICES,
            "Buy services for the organization.",
            R.GLOBAL_ADMINISTRATOR,
            R.BILLING_ADMINISTRATOR,
        ),
        _rule(
            C.READ_SUPPORT_INCIDENTS,
            "Read the support incidents.",
            R.GLOBAL_ADMINISTRATOR,
            R.GLOBAL_READER,
            R.HELPDESK_ADMINISTRATOR,
            R.SERVICE_SUPPORT_ADMINISTRATOR,
            R.BILLING_ADMINISTRATOR,
        ),
        _rule(
            C.OPEN_SUPPORT_INCIDENT,
            "Open a support incident.",
            R.GLOBAL_ADMINISTRATOR,
            R.HELPDESK_ADMINISTRATOR,
            R.SERVICE_SUPPORT_ADMINISTRATOR,
            R.BILLING_ADMINISTRATOR,
        ),
        _rule(
            C.READ_DEVICES,
            "Read the devices of the device registry.",
            R.GLOBAL_ADMINISTRATOR,
            R.GLOBAL_READER,
            R.INTUNE_ADMINISTRATOR,
            R.CLOUD_DEVICE_ADMINISTRATOR,
        ),
        _rule(
            C.READ_APPS,
            "Read the line-of-business apps.",
            R.GLOBAL_ADMINISTRATOR,
            R.GLOBAL_READER,
            R.APPLICATION_ADMINISTRATOR,
            R.CLOUD_APPLICATION_ADMINISTRATOR,
            R.INTUNE_ADMINISTRATOR,
        ),
        _rule(
            C.READ_DOMAINS,
            "Read the domain names.",
            R.GLOBAL_ADMINISTRATOR,
            R.GLOBAL_READER,
            R.DOMAIN_NAME_ADMINISTRATOR,
        ),
    )
}

# Never available to a partner acting on behalf of a customer, whatever its roles: partners
# buy and see purchases through the partner-side order API instead.
CUSTOMER_ONLY: frozenset[Capability] = frozenset(
    {C.PURCHASE_SERVICES, C.READ_INVOICES, C.READ_PURCHASES}
)

# Domain subscriptions: a customer's own account holding every one of these roles.
DOMAIN_SUBSCRIPTION_ROLES: frozenset[AdminRole] = frozenset(
    {R.DOMAIN_NAME_ADMINISTRATOR, R.BILLING_ADMINISTRATOR}
)
del C, R


class BillingPage(StrEnum):
    """The billing pages of the admin center."""

    PURCHASE_SERVICES = "PURCHASE_SERVICES"
    YOUR_PRODUCTS = "YOUR_PRODUCTS"
    BILLS_AND_PAYMENTS = "BILLS_AND_PAYMENTS"
    LICENSES = "LICENSES"
    BILLING_NOTIFICATIONS = "BILLING_NOTIFICATIONS"


# The capability each billing page needs, and the pages never offered under AOBO.
BILLING_PAGES: dict[BillingPage, Capability] = {
    BillingPage.PURCHASE_SERVICES: Capability.PURCHASE_SERVICES,
    BillingPage.YOUR_PRODUCTS: Capability.READ_LICENSES,
    BillingPage.BILLS_AND_PAYMENTS: Capability.READ_INVOICES,
    BillingPage.LICENSES: Capability.READ_LICENSES,
    BillingPage.BILLING_NOTIFICATIONS: Capability.READ_BILLING_NOTIFICATIONS,
}
NOT_UNDER_AOBO: frozenset[BillingPage] = frozenset(
    {BillingPage.PURCHASE_SERVICES, BillingPage.YOUR_PRODUCTS, BillingPage.BILLS_AND_PAYMENTS}
)


def capabilities_of(roles: Iterable[str], *, on_behalf: bool) -> frozenset[Capability]:
    """What these roles permit: for the customer's own admin, or for a partner under AOBO."""
    held = frozenset(roles)
    granted = frozenset(
        c for c, rule in CAPABILITY_TABLE.items() if not held.isdisjoint(rule.roles)
    )
    return granted - CUSTOMER_ONLY if on_behalf else granted


def billing_pages(capabilities: frozenset[Capability], *, on_behalf: bool) -> list[BillingPage]:
    """The billing pages these capabilities open, in the admin center's order."""
    return [
        page
        for page, needed in BILLING_PAGES.items()
        if needed in capabilities and not (on_behalf and page in NOT_UNDER_AOBO)
    ]


def capabilities_of_role(role: AdminRole) -> list[Capability]:
    """What one role permits its holder on its own organization, in the table's order."""
    return [c for c, rule in CAPABILITY_TABLE.items() if role in rule.roles]
