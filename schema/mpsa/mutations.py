"""The customer's settings about its partners."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.rules import mpsa as rules
from schema.context import Info
from schema.mpsa.types import CustomerSettings, CustomerSettingsPayload, UpdateCustomerSettingsInput
from schema.mutations import perform


@strawberry.type
class MpsaMutations:
    @strawberry.mutation(
        description="A customer's Global or Billing Administrator changes its settings: "
        "whether its MPSA partners see each other's purchases."
    )
    async def update_customer_settings(
        self,
        info: Info,
        input: Annotated[
            UpdateCustomerSettingsInput, strawberry.argument(description="The settings to change.")
        ],
    ) -> CustomerSettingsPayload:
        found, errors = await perform(
            info, lambda op: rules.update_customer_settings(op, input.share_mpsa_purchases)
        )
        return CustomerSettingsPayload(
            settings=CustomerSettings.of(found) if found else None, errors=errors
        )
