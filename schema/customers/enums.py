"""The capability table's names and a tenant's states, exposed to GraphQL, each value described."""

from __future__ import annotations

from models.reference import capabilities, tenant_enums
from models.reference.capabilities import CAPABILITY_TABLE
from models.rules import orders
from schema.enum_values import described_enum

Capability = described_enum(
    capabilities.Capability,
    "What an admin role permits on a customer's data (the capability table).",
    {c.name: rule.description for c, rule in CAPABILITY_TABLE.items()},
)
BillingPage = described_enum(
    capabilities.BillingPage,
    "A billing page of the admin center.",
    {
        "PURCHASE_SERVICES": "Buy services. Never under AOBO.",
        "YOUR_PRODUCTS": "The products and subscriptions the organization holds. Never under AOBO.",
        "BILLS_AND_PAYMENTS": "Invoices and payment methods. Never under AOBO.",
        "LICENSES": "Licenses and who they are assigned to.",
        "BILLING_NOTIFICATIONS": "Billing messages the organization received.",
    },
)
SubscriptionStatus = described_enum(
    tenant_enums.SubscriptionStatus,
    "Where a subscription stands.",
    {
        "ACTIVE": "In force: its licenses can be assigned.",
        "SUSPENDED": "Paused, for example for an unpaid bill.",
        "EXPIRED": "Reached its end without renewal.",
        "CANCELED": "Ended by the organization or its partner.",
    },
)
SubscriptionAction = described_enum(
    orders.SubscriptionAction,
    "What a reseller does to a subscription it sold.",
    {
        "SUSPEND": "Pause it: it becomes SUSPENDED.",
        "REACTIVATE": "Resume a suspended subscription: it becomes ACTIVE again.",
        "CANCEL": "End it for good: it becomes CANCELED and can no longer change.",
    },
)
InvoiceStatus = described_enum(
    tenant_enums.InvoiceStatus,
    "Where an invoice stands.",
    {
        "DUE": "Issued, not yet paid.",
        "PAID": "Paid.",
        "OVERDUE": "Past its due date, unpaid.",
        "VOID": "Canceled; nothing is owed.",
    },
)
IncidentSeverity = described_enum(
    tenant_enums.IncidentSeverity,
    "How severe a support incident is.",
    {
        "CRITICAL": "A service is down for everyone.",
        "HIGH": "A service is badly degraded.",
        "MODERATE": "Some people are affected, with a workaround.",
        "LOW": "A question or a minor problem.",
    },
)
IncidentStatus = described_enum(
    tenant_enums.IncidentStatus,
    "Where a support incident stands.",
    {
        "OPEN": "Opened, not yet taken up.",
        "IN_PROGRESS": "Being worked on.",
        "RESOLVED": "Fixed, awaiting confirmation.",
        "CLOSED": "Done.",
    },
)
