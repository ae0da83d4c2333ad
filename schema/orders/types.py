"""Offers as GraphQL types, and the order mutations' inputs and payloads.

An order returns the `Purchase` and `Subscription` of `schema.customers.types`.
"""

from __future__ import annotations

from decimal import Decimal

import strawberry

from models.reference.offers import Offer as OfferData
from models.rules.orders import SubscriptionAction
from schema.customers import enums as _enums  # noqa: F401  (registers SubscriptionAction)
from schema.customers.billing import Purchase
from schema.customers.licensing import Subscription
from schema.errors import UserError
from schema.global_ids import GlobalId


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
    customer = GlobalId("Organization", "customer_id")


@strawberry.input(description="A change to a subscription the viewer's partner sold.")
class ChangeSubscriptionInput:
    subscription_id: strawberry.ID = strawberry.field(description="The subscription.")
    quantity: int | None = strawberry.field(
        default=None, description="The new number of licenses, 1 to the offer's maximum."
    )
    action: SubscriptionAction | None = strawberry.field(
        default=None, description="Suspend, reactivate or cancel it (cancelling is final)."
    )
    subscription = GlobalId("Subscription", "subscription_id")


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
