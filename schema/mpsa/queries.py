"""What an MPSA partner sees of a customer's purchases, and the customer's own settings."""

from __future__ import annotations

import strawberry

from models.rules import mpsa as rules
from schema.context import Info
from schema.customers.billing import Purchase
from schema.guards import CustomerId, allowed, customer_uuid
from schema.mpsa.types import CustomerSettings
from schema.pagination import After, Connection, First, paginate


@strawberry.type
class MpsaQueries:
    @strawberry.field(
        description="For an MPSA partner's admin or sales agents: the customer's purchases its "
        "own organization made, and, while the customer shares them, those of the customer's "
        "other MPSA partners; newest first. FORBIDDEN for anyone else."
    )
    async def mpsa_purchases(
        self, info: Info, customer_id: CustomerId, first: First = None, after: After = None
    ) -> Connection[Purchase]:
        actor = info.context.actor()
        queryset = await allowed(rules.mpsa_purchases(actor, customer_uuid(customer_id)))
        return await paginate(queryset, first, after, Purchase.of)

    @strawberry.field(
        description="The viewer's own organization's settings, for its Global or Billing "
        "Administrators; FORBIDDEN for anyone else."
    )
    async def customer_settings(self, info: Info) -> CustomerSettings:
        return CustomerSettings.of(await allowed(rules.customer_settings(info.context.actor())))
