"""Reading an organization's webhook endpoints and the event types they may receive."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.events import EVENT_TYPES
from models.foundation.ids import decode_id
from models.policy import visible_webhook_endpoints
from schema.context import Info
from schema.guards import opens_list
from schema.pagination import After, Connection, First, paginate
from schema.webhook_endpoints.types import WebhookEndpoint, WebhookEventType


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        description="The viewer's organization's webhook endpoints, newest first: for a "
        "customer's Global Administrators and a partner's admin agents; FORBIDDEN for anyone "
        "else.",
        extensions=opens_list("webhookEndpoints"),
    )
    async def webhook_endpoints(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[WebhookEndpoint]:
        queryset = visible_webhook_endpoints(info.context.actor())
        return await paginate(queryset, first, after, WebhookEndpoint.of)

    @strawberry.field(description="One webhook endpoint of the viewer's organization.")
    async def webhook_endpoint(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint's ID.")],
    ) -> WebhookEndpoint | None:
        actor = info.context.actor()
        endpoint_id = decode_id("WebhookEndpoint", id)
        if endpoint_id is None:
            return None
        found = await visible_webhook_endpoints(actor).get_or_none(id=endpoint_id)
        return WebhookEndpoint.of(found) if found else None

    @strawberry.field(description="The event types an endpoint may subscribe to.")
    def webhook_event_types(self, info: Info) -> list[WebhookEventType]:
        info.context.actor()
        return [WebhookEventType(name=n, description=d) for n, d in EVENT_TYPES.items()]
