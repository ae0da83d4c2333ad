"""Orders a reseller places for a customer, and the subscriptions it sold: resized, suspended,
reactivated or canceled.

Only an admin or sales agent of a partner holding the RESELLER or INDIRECT_RESELLER type with
the customer may, and only once the customer accepted the current Customer Agreement. An
order sent again with the same idempotency key returns the first one instead of buying twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from tortoise.exceptions import IntegrityError

from models.foundation.errors import DomainError, ErrorCode, ValidationErrors
from models.operation import Operation
from models.policy import require_reseller, require_sales_agent
from models.reference.offers import OFFERS, Offer
from models.reference.tenant_enums import SubscriptionStatus
from models.rules.agreements import current_acceptance
from models.rules.concerns import pair_sides
from models.tables.claims import OrderKey
from models.tables.tenant import Purchase, Subscription

IDEMPOTENCY_KEY_MAX_LENGTH = 100
# Subscriptions in these states may still change; CANCELED and EXPIRED ones are closed.
OPEN_STATUSES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED)


class SubscriptionAction(StrEnum):
    SUSPEND = "SUSPEND"
    REACTIVATE = "REACTIVATE"
    CANCEL = "CANCEL"


_STATUS_AFTER = {
    SubscriptionAction.SUSPEND: SubscriptionStatus.SUSPENDED,
    SubscriptionAction.REACTIVATE: SubscriptionStatus.ACTIVE,
    SubscriptionAction.CANCEL: SubscriptionStatus.CANCELED,
}


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What the reseller asks for, as received."""

    customer_id: UUID
    sku: str
    quantity: int
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class Order:
    """A placed order: the purchase and the subscription it created."""

    purchase: Purchase
    subscription: Subscription


def _quantity_error(quantity: int, offer: Offer | None) -> DomainError | None:
    most = offer.max_quantity if offer else None
    if quantity < 1 or (most is not None and quantity > most):
        bound = f"from 1 to {most}" if most is not None else "at least 1"
        return DomainError(ErrorCode.INVALID_INPUT, f"The quantity must be {bound}.", "quantity")
    return None


def check_order(request: OrderRequest) -> Offer:
    """Every refusal of the order's input at once, or the offer it buys."""
    errors: list[DomainError] = []
    offer = OFFERS.get(request.sku)
    if offer is None:
        errors.append(DomainError(ErrorCode.NOT_FOUND, "No such offer.", "sku"))
    error = _quantity_error(request.quantity, offer)
    if error is not None:
        errors.append(error)
    key = request.idempotency_key
    if key is not None and not (0 < len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH and key.isprintable()):
        errors.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                f"The idempotency key must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} printable "
                "characters.",
                "idempotencyKey",
            )
        )
    if errors:
        raise ValidationErrors(errors)
    assert offer is not None
    return offer


async def require_agreement(customer_id: UUID) -> None:
    """No order and no subscription change before the current Customer Agreement."""
    if await current_acceptance(customer_id) is None:
        raise DomainError(
            ErrorCode.AGREEMENT_NOT_ACCEPTED,
            "The customer has not accepted the current Customer Agreement yet.",
            "customerId",
        )


async def _earlier_order(partner_id: UUID, request: OrderRequest, offer: Offer) -> Order | None:
    """The order the partner already placed under the request's idempotency key, if any."""
    claim = await OrderKey.get_or_none(
        partner_id=partner_id, customer_id=request.customer_id, key=request.idempotency_key
    ).prefetch_related("purchase__subscription")
    if claim is None:
        return None
    purchase = claim.purchase
    subscription = purchase.subscription
    if (
        subscription is None
        or subscription.sku != offer.sku
        or purchase.quantity != request.quantity
    ):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "This idempotency key was used for a different order.",
            "idempotencyKey",
        )
    return Order(purchase=purchase, subscription=subscription)


async def place_order(op: Operation, request: OrderRequest) -> Order:
    """Buy `quantity` licenses of an offer for the customer: a purchase and a subscription."""
    actor = op.require_actor()
    await require_reseller(actor, request.customer_id)
    await require_agreement(request.customer_id)
    offer = check_order(request)
    if request.idempotency_key is not None:
        earlier = await _earlier_order(actor.organization_id, request, offer)
        if earlier is not None:
            return earlier
    concerns = await pair_sides(request.customer_id, actor.organization_id)
    try:
        async with op.atomic() as tx:
            subscription = await Subscription.create(
                customer_id=request.customer_id,
                offer_name=offer.name,
                sku=offer.sku,
                quantity=request.quantity,
                sold_by_id=actor.organization_id,
                ordered_by_id=actor.user_id,
            )
            purchase = await Purchase.create(
                customer_id=request.customer_id,
                product_name=offer.name,
                quantity=request.quantity,
                amount=offer.unit_price * request.quantity,
                currency=offer.currency,
                partner_id=actor.organization_id,
                purchased_by_id=actor.user_id,
                subscription=subscription,
                purchased_at=op.now(),
            )
            if request.idempotency_key is not None:
                await OrderKey.create(
                    partner_id=actor.organization_id,
                    customer_id=request.customer_id,
                    key=request.idempotency_key,
                    purchase=purchase,
                )
            await tx.record(
                "order.placed",
                "Purchase",
                purchase.id,
                **concerns,
                changes={
                    "sku": offer.sku,
                    "offerName": offer.name,
                    "quantity": request.quantity,
                    "amount": str(purchase.amount),
                    "currency": offer.currency,
                },
            )
    except IntegrityError:
        # The same key, sent twice at once: the other request's order won.
        earlier = await _earlier_order(actor.organization_id, request, offer)
        if earlier is None:
            raise
        return earlier
    return Order(purchase=purchase, subscription=subscription)


def _check_change(
    subscription: Subscription, quantity: int | None, action: SubscriptionAction | None
) -> None:
    if subscription.status not in OPEN_STATUSES:
        raise DomainError(
            ErrorCode.SUBSCRIPTION_CLOSED,
            f"The subscription is {subscription.status.lower()}; it can no longer change.",
            "subscriptionId",
        )
    if quantity is None and action is None:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "Give a new quantity, an action, or both.", "quantity"
        )
    error = None if quantity is None else _quantity_error(quantity, OFFERS.get(subscription.sku))
    if error is not None:
        raise ValidationErrors([error])


async def change_subscription(
    op: Operation,
    subscription_id: UUID,
    quantity: int | None = None,
    action: SubscriptionAction | None = None,
) -> Subscription:
    """Resize, suspend, reactivate or cancel a subscription that the viewer's partner sold."""
    actor = op.require_actor()
    require_sales_agent(actor)
    found = await Subscription.get_or_none(id=subscription_id, sold_by_id=actor.organization_id)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such subscription.", "subscriptionId")
    customer_id: UUID = found.customer_id
    await require_reseller(actor, customer_id)
    await require_agreement(customer_id)
    concerns = await pair_sides(customer_id, actor.organization_id)
    async with op.atomic() as tx:
        subscription = await Subscription.select_for_update().get(id=subscription_id)
        _check_change(subscription, quantity, action)
        before = {"quantity": subscription.quantity, "status": subscription.status}
        if quantity is not None:
            subscription.quantity = quantity
        if action is not None:
            subscription.status = _STATUS_AFTER[action]
        await subscription.save(update_fields=["quantity", "status", "updated_at"])
        await tx.record(
            "subscription.changed",
            "Subscription",
            subscription.id,
            **concerns,
            changes={
                "sku": subscription.sku,
                "action": action,
                "quantity": subscription.quantity,
                "previousQuantity": before["quantity"],
                "status": subscription.status,
                "previousStatus": before["status"],
            },
        )
    return subscription
