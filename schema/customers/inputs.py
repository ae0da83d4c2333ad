"""The inputs and payloads of the mutations on a customer's data."""

from __future__ import annotations

import strawberry

from models.reference.tenant_enums import (
    IncidentSeverity,
)
from schema.customers import enums as _enums  # noqa: F401  (registers the enums)
from schema.customers.licensing import Domain, Subscription
from schema.customers.people import DirectoryUser
from schema.customers.support import SupportIncident
from schema.errors import UserError
from schema.global_ids import GlobalId


@strawberry.input(description="Reset the password of a person of a customer's directory.")
class ResetUserPasswordInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer organization.")
    user_id: strawberry.ID = strawberry.field(
        description="The person (a `User` ID, as `customer { users }` and "
        "`Organization.members` list them)."
    )
    customer = GlobalId("Organization", "customer_id")
    user = GlobalId("User", "user_id")


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
    customer = GlobalId("Organization", "customer_id")


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
    user_id: strawberry.ID = strawberry.field(
        description="The person of the customer's directory (a `User` ID)."
    )
    customer = GlobalId("Organization", "customer_id")
    subscription = GlobalId("Subscription", "subscription_id")
    user = GlobalId("User", "user_id")


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
    customer = GlobalId("Organization", "customer_id")


@strawberry.type(description="The result of buying a domain name.")
class DomainSubscriptionPayload:
    domain: Domain | None = strawberry.field(description="The domain bought.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
