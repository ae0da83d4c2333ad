"""Managing webhook endpoints: thin, each reads its input, calls one rule, shapes the payload."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.operation import Operation
from models.rules import webhook_endpoints as rules
from models.tables import outbound_webhooks as m
from schema.context import Info
from schema.errors import UserError
from schema.mutations import perform
from schema.webhook_endpoints.types import (
    CreateWebhookEndpointInput,
    RedeliverWebhookInput,
    UpdateWebhookEndpointInput,
    WebhookDelivery,
    WebhookDeliveryPayload,
    WebhookEndpoint,
    WebhookEndpointIdInput,
    WebhookEndpointPayload,
    WebhookSecretPayload,
)


def _payload(found: m.WebhookEndpoint | None, errors: list[UserError]) -> WebhookEndpointPayload:
    return WebhookEndpointPayload(
        webhook_endpoint=WebhookEndpoint.of(found) if found else None, errors=errors
    )


def _secret_payload(
    found: tuple[m.WebhookEndpoint, str] | None, errors: list[UserError]
) -> WebhookSecretPayload:
    if found is None:
        return WebhookSecretPayload(webhook_endpoint=None, secret=None, errors=errors)
    endpoint, secret = found
    return WebhookSecretPayload(
        webhook_endpoint=WebhookEndpoint.of(endpoint), secret=secret, errors=errors
    )


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="An admin adds a webhook endpoint for its organization; the answer holds "
        "its signing secret, shown this once."
    )
    async def create_webhook_endpoint(
        self,
        info: Info,
        input: Annotated[
            CreateWebhookEndpointInput,
            strawberry.argument(
                description="The endpoint's URL, the events it receives and a description."
            ),
        ],
    ) -> WebhookSecretPayload:
        allow_private = info.context.settings.webhooks_private_allowed
        return _secret_payload(
            *await perform(
                info,
                lambda op: rules.create_endpoint(
                    op,
                    input.url,
                    list(input.event_types),
                    input.description,
                    allow_private=allow_private,
                ),
            )
        )

    @strawberry.mutation(description="Change a webhook endpoint's URL, events or description.")
    async def update_webhook_endpoint(
        self,
        info: Info,
        input: Annotated[
            UpdateWebhookEndpointInput,
            strawberry.argument(description="The endpoint, and the fields to change."),
        ],
    ) -> WebhookEndpointPayload:
        allow_private = info.context.settings.webhooks_private_allowed

        async def action(op: Operation) -> m.WebhookEndpoint:
            return await rules.update_endpoint(
                op,
                input.endpoint,
                url=input.url,
                event_types=list(input.event_types) if input.event_types is not None else None,
                description=input.description,
                enabled=input.enabled,
                allow_private=allow_private,
            )

        return _payload(*await perform(info, action))

    @strawberry.mutation(
        description="Give an endpoint a new signing secret, shown this once. Deliveries are "
        "signed with the old one too for the next 24 hours."
    )
    async def rotate_webhook_secret(
        self,
        info: Info,
        input: Annotated[
            WebhookEndpointIdInput,
            strawberry.argument(description="The endpoint whose secret to replace."),
        ],
    ) -> WebhookSecretPayload:
        return _secret_payload(
            *await perform(
                info,
                lambda op: rules.rotate_secret(op, input.endpoint),
            )
        )

    @strawberry.mutation(description="Delete a webhook endpoint and its deliveries.")
    async def delete_webhook_endpoint(
        self,
        info: Info,
        input: Annotated[
            WebhookEndpointIdInput, strawberry.argument(description="The endpoint to delete.")
        ],
    ) -> WebhookEndpointPayload:
        return _payload(
            *await perform(
                info,
                lambda op: rules.delete_endpoint(op, input.endpoint),
            )
        )

    @strawberry.mutation(
        description="Send a delivery's event to its endpoint again, with the same webhook-id."
    )
    async def redeliver_webhook(
        self,
        info: Info,
        input: Annotated[
            RedeliverWebhookInput, strawberry.argument(description="The delivery to send again.")
        ],
    ) -> WebhookDeliveryPayload:
        async def action(op: Operation) -> m.WebhookDelivery:
            delivery = await rules.redeliver(op, input.delivery)
            await delivery.fetch_related("event")
            return delivery

        found, errors = await perform(info, action)
        return WebhookDeliveryPayload(
            delivery=WebhookDelivery.of(found) if found else None, errors=errors
        )
