"""The offer catalog, and a customer's own purchases and subscriptions."""

from __future__ import annotations

import strawberry

from models.offers import OFFERS
from models.policy import own_customer_data
from models.tenant import Purchase as PurchaseRow
from models.tenant import Subscription as SubscriptionRow
from schema.context import Info
from schema.orders.types import Offer, Purchase, Subscription
from schema.pagination import After, Connection, First, paginate


@strawberry.type
class OrderQueries:
    @strawberry.field(description="The offers resellers may order, for any signed-in user.")
    def offers(self, info: Info) -> list[Offer]:
        info.context.actor()
        return [Offer.of(offer) for offer in OFFERS.values()]

    @strawberry.field(
        description="A customer admin's own organization's purchases, whoever made them, "
        "newest first."
    )
    async def my_purchases(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Purchase]:
        queryset = own_customer_data(info.context.actor(), PurchaseRow)
        return await paginate(queryset, first, after, Purchase.of)

    @strawberry.field(
        description="A customer admin's own organization's subscriptions, newest first."
    )
    async def my_subscriptions(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Subscription]:
        queryset = own_customer_data(info.context.actor(), SubscriptionRow)
        return await paginate(queryset, first, after, Subscription.of)
