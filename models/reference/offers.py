"""The offers a reseller may order for a customer: a small catalog, kept as data."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Offer:
    sku: str
    name: str
    unit_price: Decimal  # a month, for one license
    currency: str
    max_quantity: int  # the most licenses one subscription to it may hold


OFFERS: dict[str, Offer] = {
    offer.sku: offer
    for offer in (
        Offer("M365_BUSINESS_BASIC", "Microsoft 365 Business Basic", Decimal("6.00"), "USD", 300),
        Offer(
            "M365_BUSINESS_STANDARD",
            "Microsoft 365 Business Standard",
            Decimal("12.50"),
            "USD",
            300,
        ),
        Offer(
            "M365_BUSINESS_PREMIUM", "Microsoft 365 Business Premium", Decimal("22.00"), "USD", 300
        ),
        Offer("M365_E3", "Microsoft 365 E3", Decimal("36.00"), "USD", 100_000),
        Offer("M365_E5", "Microsoft 365 E5", Decimal("57.00"), "USD", 100_000),
        Offer("INTUNE_P1", "Microsoft Intune Plan 1", Decimal("8.00"), "USD", 100_000),
    )
}
