"""The customer's subscriptions, their licenses, and its domain names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from models.foundation.ids import encode_id
from models.reference.tenant_enums import (
    SubscriptionStatus,
)
from models.tables import tenant as m
from schema.context import Info
from schema.customers import enums as _enums  # noqa: F401  (registers the enums)
from schema.customers.disclosure import disclosed_partner
from schema.customers.people import DirectoryUser
from schema.organizations.types import Organization


@strawberry.type(
    # `Subscription` is the schema's root of live updates; the global ID's kind stays
    # "Subscription", so IDs given out before keep working.
    name="CloudSubscription",
    description="A subscription of the customer to an offer, with its licenses.",
)
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

    @strawberry.field(description="The person of the customer's directory holding the license.")
    async def user(self, info: Info) -> DirectoryUser:
        loaders = info.context.loaders.customer_data
        row = await loaders.person.load((self._customer_id, self._user_id))
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
