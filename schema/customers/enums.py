"""The capability table's names and a tenant's states, exposed to GraphQL."""

from __future__ import annotations

import strawberry

from models import capabilities, tenant_enums

Capability = strawberry.enum(
    capabilities.Capability,
    description="What an admin role permits on a customer's data (the capability table).",
)
BillingPage = strawberry.enum(
    capabilities.BillingPage, description="A billing page of the admin center."
)
SubscriptionStatus = strawberry.enum(
    tenant_enums.SubscriptionStatus, description="Where a subscription stands."
)
InvoiceStatus = strawberry.enum(tenant_enums.InvoiceStatus, description="Where an invoice stands.")
IncidentSeverity = strawberry.enum(
    tenant_enums.IncidentSeverity, description="How severe a support incident is."
)
IncidentStatus = strawberry.enum(
    tenant_enums.IncidentStatus, description="Where a support incident stands."
)
