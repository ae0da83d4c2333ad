"""The offer catalog resellers order from."""

from __future__ import annotations

import strawberry

from models.reference.offers import OFFERS
from schema.context import Info
from schema.orders.types import Offer


@strawberry.type
class OrderQueries:
    @strawberry.field(description="The offers resellers may order, for any signed-in user.")
    def offers(self, info: Info) -> list[Offer]:
        info.context.actor()
        return [Offer.of(offer) for offer in OFFERS.values()]
