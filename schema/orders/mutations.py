"""Order mutations: a reseller places an order, and changes a subscription it sold."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.operation import Operation
from models.rules import orders as rules
from models.tables.tenant import Subscription as SubscriptionRow
from schema.context import Info
from schema.customers.billing import Purchase
from schema.customers.licensing import Subscription
from schema.errors import UserError
from schema.mutations import perform
from schema.orders.types import (
    ChangeSubscriptionInput,
    OrderPayload,
    PlaceOrderInput,
    SubscriptionPayload,
)


def _subscription(row: SubscriptionRow) -> Subscription:
    return Subscription.of(row)


def _order_payload(order: rules.Order | None, errors: list[UserError]) -> OrderPayload:
    return OrderPayload(
        purchase=Purchase.of(order.purchase) if order else None,
        subscription=_subscription(order.subscription) if order else None,
        errors=errors,
    )


@strawberry.type
class OrderMutations:
    @strawberry.mutation(
        description="A reseller buys licenses of an offer for a customer that accepted the "
        "current Customer Agreement: a purchase and a subscription."
    )
    async def place_order(
        self,
        info: Info,
        input: Annotated[
            PlaceOrderInput,
            strawberry.argument(description="The customer, the offer and how many licenses."),
        ],
    ) -> OrderPayload:
        async def action(op: Operation) -> rules.Order:
            request = rules.OrderRequest(
                customer_id=input.customer,
                sku=input.sku,
                quantity=input.quantity,
                idempotency_key=input.idempotency_key,
            )
            return await rules.place_order(op, request)

        return _order_payload(*await perform(info, action))

    @strawberry.mutation(
        description="A reseller resizes, suspends, reactivates or cancels a subscription it sold."
    )
    async def change_subscription(
        self,
        info: Info,
        input: Annotated[
            ChangeSubscriptionInput,
            strawberry.argument(description="The subscription, and the change to make to it."),
        ],
    ) -> SubscriptionPayload:
        async def action(op: Operation) -> SubscriptionRow:
            return await rules.change_subscription(
                op,
                input.subscription,
                quantity=input.quantity,
                action=input.action,
            )

        found, errors = await perform(info, action)
        return SubscriptionPayload(
            subscription=_subscription(found) if found else None, errors=errors
        )
