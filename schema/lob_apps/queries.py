"""The line-of-business apps a LOB partner submitted for a customer."""

from __future__ import annotations

import strawberry

from models.rules import lob_apps as rules
from schema.context import Info
from schema.customers.devices_and_apps import LobApp
from schema.guards import CustomerId, allowed, customer_uuid
from schema.pagination import After, Connection, First, paginate


@strawberry.type
class LobAppQueries:
    @strawberry.field(
        description="For a LOB partner's agents: the apps it submitted for the customer, "
        "newest first. FORBIDDEN for anyone else. The customer's admins read all of its apps "
        "as `customer(id:) { apps }`."
    )
    async def lob_apps(
        self, info: Info, customer_id: CustomerId, first: First = None, after: After = None
    ) -> Connection[LobApp]:
        actor = info.context.actor()
        queryset = await allowed(rules.partner_lob_apps(actor, customer_uuid(customer_id)))
        return await paginate(queryset, first, after, LobApp.of)
