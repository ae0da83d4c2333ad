"""A customer's settings about its partners, as GraphQL types."""

from __future__ import annotations

import strawberry

from models.tables import tenant as m
from schema.errors import UserError


@strawberry.type(description="What a customer organization allows its partners.")
class CustomerSettings:
    share_mpsa_purchases: bool = strawberry.field(
        description="Whether the customer's MPSA partners see each other's purchases."
    )

    @classmethod
    def of(cls, settings: m.CustomerSettings) -> CustomerSettings:
        return cls(share_mpsa_purchases=settings.share_mpsa_purchases)


@strawberry.input(description="Change the viewer's organization's settings.")
class UpdateCustomerSettingsInput:
    share_mpsa_purchases: bool = strawberry.field(
        description="Let the MPSA partners see each other's purchases, or stop them."
    )


@strawberry.type(description="The result of changing a customer's settings.")
class CustomerSettingsPayload:
    settings: CustomerSettings | None = strawberry.field(description="The settings now.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
