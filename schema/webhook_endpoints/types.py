"""Webhook endpoints, their deliveries and the event types, as GraphQL types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from models.foundation.ids import encode_id
from models.tables import outbound_webhooks as m
from schema.context import Info
from schema.enum_values import described_enum
from schema.errors import UserError
from schema.global_ids import GlobalId
from schema.pagination import After, Connection, First
from schema.relay import Node

# Registers the enum with GraphQL; annotations name the model's enum itself.
described_enum(
    m.DeliveryStatus,
    "Where a delivery stands.",
    m.DELIVERY_STATUS_MEANINGS,
    name="WebhookDeliveryStatus",
)


@strawberry.type(description="A kind of event an endpoint may subscribe to.")
class WebhookEventType:
    name: str = strawberry.field(description="The event's `type`, such as `roles.removed`.")
    description: str = strawberry.field(description="When it is sent.")


@strawberry.type(description="One event on its way to one endpoint, with its tries.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    event_id: str = strawberry.field(
        description="The event's id: the `webhook-id` header of every try."
    )
    event_type: str = strawberry.field(description="The event's `type`.")
    occurred_at: datetime = strawberry.field(description="When the event happened.")
    status: m.DeliveryStatus = strawberry.field(description="Where the delivery stands.")
    attempts: int = strawberry.field(description="How many tries were made.")
    last_attempt_at: datetime | None = strawberry.field(description="When the last try was.")
    last_status_code: int | None = strawberry.field(
        description="The HTTP status the endpoint answered the last try with, if it answered."
    )
    last_error: str | None = strawberry.field(description="Why the last try failed, if it did.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When the next try is due, while PENDING."
    )
    delivered_at: datetime | None = strawberry.field(description="When it was delivered.")
    created_at: datetime = strawberry.field(description="When the delivery was queued.")

    @classmethod
    def of(cls, delivery: m.WebhookDelivery) -> WebhookDelivery:
        event: m.WebhookEvent = delivery.event
        return cls(
            id=encode_id("WebhookDelivery", delivery.id),
            event_id=event.message_id,
            event_type=event.type,
            occurred_at=event.occurred_at,
            status=delivery.status,
            attempts=delivery.attempts,
            last_attempt_at=delivery.last_attempt_at,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
        )


@strawberry.type(description="An HTTPS URL of the viewer's organization that receives events.")
class WebhookEndpoint(Node):
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    url: str = strawberry.field(description="Where events are POSTed.")
    description: str = strawberry.field(description="What the endpoint is for.")
    event_types: list[str] = strawberry.field(description="The event types it receives.")
    enabled: bool = strawberry.field(
        description="Whether events are delivered; a 410 Gone answer disables the endpoint. "
        f"While it is disabled its events wait as HELD deliveries, for {m.HELD_FOR.days} days."
    )
    disabled_reason: str | None = strawberry.field(description="Why it was disabled, if it is.")
    disabled_at: datetime | None = strawberry.field(
        description="When it was disabled, if it is: enabled again within "
        f"{m.HELD_FOR.days} days, it receives every event it missed, in order; later, none of "
        "them (they become FAILED)."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    _id: strawberry.Private[Any]

    @classmethod
    def of(cls, endpoint: m.WebhookEndpoint) -> WebhookEndpoint:
        return cls(
            id=encode_id("WebhookEndpoint", endpoint.id),
            url=endpoint.url,
            description=endpoint.description,
            event_types=list(endpoint.event_types),
            enabled=endpoint.enabled,
            disabled_reason=endpoint.disabled_reason,
            disabled_at=endpoint.disabled_at,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
            _id=endpoint.id,
        )

    @strawberry.field(description="The endpoint's deliveries, newest first.")
    async def deliveries(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        status: Annotated[
            m.DeliveryStatus | None,
            strawberry.argument(description="Only deliveries in this status."),
        ] = None,
    ) -> Connection[WebhookDelivery]:
        queryset = m.WebhookDelivery.filter(endpoint_id=self._id)
        if status is not None:
            queryset = queryset.filter(status=status)
        loaders = info.context.loaders
        page = await loaders.webhook_deliveries.page(queryset, first, after)
        # The page's events, with every other endpoint's on the page, in one loader batch
        events = await loaders.webhook_event.load_many([row.event_id for row in page.rows])
        for row, event in zip(page.rows, events, strict=True):
            row.event = event  # type: ignore[assignment]
        return loaders.webhook_deliveries.connection(queryset, page, WebhookDelivery.of)


@strawberry.input(description="A new webhook endpoint.")
class CreateWebhookEndpointInput:
    url: str = strawberry.field(
        description="An https:// URL that resolves to public addresses only."
    )
    event_types: list[str] = strawberry.field(
        description="The event types to receive: names from `webhookEventTypes`."
    )
    description: str = strawberry.field(default="", description="What the endpoint is for.")


@strawberry.input(description="Changes to a webhook endpoint; what is omitted stays.")
class UpdateWebhookEndpointInput:
    id: strawberry.ID = strawberry.field(description="The endpoint.")
    url: str | None = strawberry.field(default=None, description="A new https:// URL.")
    event_types: list[str] | None = strawberry.field(
        default=None, description="The event types to receive instead."
    )
    description: str | None = strawberry.field(default=None, description="A new description.")
    enabled: bool | None = strawberry.field(
        default=None,
        description="Disable (deliveries wait, HELD), or enable again: the events it missed "
        f"while disabled are delivered, in order, if it was disabled {m.HELD_FOR.days} days "
        "or less.",
    )
    endpoint = GlobalId("WebhookEndpoint", "id")


@strawberry.input(description="Names a webhook endpoint.")
class WebhookEndpointIdInput:
    id: strawberry.ID = strawberry.field(description="The endpoint.")
    endpoint = GlobalId("WebhookEndpoint", "id")


@strawberry.input(description="Names a delivery to send again.")
class RedeliverWebhookInput:
    delivery_id: strawberry.ID = strawberry.field(description="The delivery.")
    delivery = GlobalId("WebhookDelivery", "delivery_id")


@strawberry.type(description="The result of a webhook endpoint mutation.")
class WebhookEndpointPayload:
    webhook_endpoint: WebhookEndpoint | None = strawberry.field(
        description="The endpoint changed (as it was, once deleted)."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")


@strawberry.type(description="An endpoint with its new secret, which is shown this once.")
class WebhookSecretPayload:
    webhook_endpoint: WebhookEndpoint | None = strawberry.field(description="The endpoint.")
    secret: str | None = strawberry.field(
        description="The signing secret, in `whsec_` form: shown only now, store it safely."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")


@strawberry.type(description="The result of sending a delivery again.")
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None = strawberry.field(description="The new delivery, queued.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
