"""Offers, purchases and subscriptions as GraphQL types, and the order mutations' inputs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from models import tenant as m
from models.offers import Offer as OfferData
from models.rules.orders import SubscriptionAction as _SubscriptionAction
from models.tenant_enums import SubscriptionStatus as _SubscriptionStatus
from schema.context import Info
from schema.errors import UserError
from schema.ids import encode_id
from schema.organizations.types import Organization, load_organization

SubscriptionStatus = strawberry.enum(
    _SubscriptionStatus, name="SubscriptionStatus", description="Where a subscription stands."
)
SubscriptionAction = strawberry.enum(
    _SubscriptionAction,
    name="SubscriptionAction",
    description="What a reseller does to a subscription it sold.",
)


@strawberry.type(description="An offer resellers may order for their customers.")
class Offer:
    sku: str = strawberry.field(description="The offer's stable key, to order it by.")
    name: str = strawberry.field(description="The offer's name.")
    unit_price: Decimal = strawberry.field(description="The price of one license, a month.")
    currency: str = strawberry.field(description="The ISO 4217 currency of the price.")
    max_quantity: int = strawberry.field(description="The most licenses one order may hold.")

    @classmethod
    def of(cls, offer: OfferData) -> Offer:
        return cls(
            sku=offer.sku,
            name=offer.name,
            unit_price=offer.unit_price,
            currency=offer.currency,
            max_quantity=offer.max_quantity,
        )


@strawberry.type(description="Something bought for a customer, by itself or by a partner.")
class Purchase:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    product_name: str = strawberry.field(description="What was bought.")
    quantity: int = strawberry.field(description="How many licenses.")
    amount: Decimal = strawberry.field(description="The price of the purchase, a month.")
    currency: str = strawberry.field(description="The ISO 4217 currency of the amount.")
    purchased_at: datetime = strawberry.field(description="When it was bought.")
    _partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, purchase: m.Purchase) -> Purchase:
        return cls(
            id=encode_id("Purchase", purchase.id),
            product_name=purchase.product_name,
            quantity=purchase.quantity,
            amount=purchase.amount,
            currency=purchase.currency,
            purchased_at=purchase.purchased_at,
            _partner_id=purchase.partner_id,  # type: ignore[attr-defined]
        )

    @strawberry.field(
        description="The partner that bought it for the customer; null when the customer did."
    )
    async def partner(self, info: Info) -> Organization | None:
        return await load_organization(info, self._partner_id)


@strawberry.type(description="A customer's subscription to an offer.")
class Subscription:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    offer_name: str = strawberry.field(description="The offer subscribed to.")
    sku: str = strawberry.field(description="The offer's key.")
    quantity: int = strawberry.field(description="How many licenses it holds.")
    status: _SubscriptionStatus = strawberry.field(description="Where it stands.")
    created_at: datetime = strawberry.field(description="When it was ordered.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    _sold_by_id: strawberry.Private[Any]

    @classmethod
    def of(cls, subscription: m.Subscription) -> Subscription:
        return cls(
            id=encode_id("Subscription", subscription.id),
            offer_name=subscription.offer_name,
            sku=subscription.sku,
            quantity=subscription.quantity,
            status=subscription.status,
            created_at=subscription.created_at,
            updated_at=subscription.updated_at,
            _sold_by_id=subscription.sold_by_id,  # type: ignore[attr-defined]
        )

    @strawberry.field(description="The partner that sold it; null when the customer bought it.")
    async def sold_by(self, info: Info) -> Organization | None:
        return await load_organization(info, self._sold_by_id)


@strawberry.input(description="A reseller's order for a customer.")
class PlaceOrderInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer to buy for.")
    sku: str = strawberry.field(description="The offer to buy: an `offers` sku.")
    quantity: int = strawberry.field(description="How many licenses, 1 to the offer's maximum.")
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="A key of the client's choosing (1 to 100 characters): sending the same "
        "order again with it returns the first order instead of buying twice.",
    )


@strawberry.input(description="A change to a subscription the viewer's partner sold.")
class ChangeSubscriptionInput:
    subscription_id: strawberry.ID = strawberry.field(description="The subscription.")
    quantity: int | None = strawberry.field(
        default=None, description="The new number of licenses, 1 to the offer's maximum."
    )
    action: _SubscriptionAction | None = strawberry.field(
        default=None, description="Suspend, reactivate or cancel it (cancelling is final)."
    )


@strawberry.type(description="The result of placing an order.")
class OrderPayload:
    purchase: Purchase | None = strawberry.field(description="The purchase made.")
    subscription: Subscription | None = strawberry.field(
        description="The subscription the purchase created."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")


@strawberry.type(description="The result of changing a subscription.")
class SubscriptionPayload:
    subscription: Subscription | None = strawberry.field(description="The subscription changed.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
