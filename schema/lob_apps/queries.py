"""Line-of-business apps: those a LOB partner submitted for a customer, and a customer's own."""

from __future__ import annotations

import strawberry

from models.policy import own_customer_data
from models.rules import lob_apps as rules
from models.tenant import LobApp as LobAppRow
from schema.context import Info
from schema.guards import CustomerId, allowed, customer_uuid
from schema.lob_apps.types import LobApp
from schema.pagination import After, Connection, First, paginate


@strawberry.type
class LobAppQueries:
    @strawberry.field(
        description="For a LOB partner's agents: the apps it submitted for the customer, "
        "newest first. FORBIDDEN for anyone else."
    )
    async def lob_apps(
        self, info: Info, customer_id: CustomerId, first: First = None, after: After = None
    ) -> Connection[LobApp]:
        actor = info.context.actor()
        queryset = await allowed(rules.partner_lob_apps(actor, customer_uuid(customer_id)))
        return await paginate(queryset, first, after, LobApp.of)

    @strawberry.field(
        description="A customer admin's own organization's line-of-business apps, newest first."
    )
    async def my_lob_apps(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[LobApp]:
        queryset = own_customer_data(info.context.actor(), LobAppRow)
        return await paginate(queryset, first, after, LobApp.of)
