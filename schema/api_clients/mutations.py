"""Managing an organization's API clients: thin, each calls one rule
(`models/rules/api_clients.py`, which asks the policy) and shapes the payload."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.rules import api_clients as rules
from schema.api_clients.types import (
    ApiClient,
    ApiClientPayload,
    CreateApiClientInput,
    RotateApiClientSecretInput,
)
from schema.context import Info
from schema.inputs import IdInput
from schema.mutations import perform

MANAGERS = "A customer's Global Administrator or a partner's admin agent."


@strawberry.type
class ApiClientMutations:
    @strawberry.mutation(
        description="Register an API client of the viewer's organization: its `clientSecret` "
        f"is shown in this payload only. {MANAGERS}"
    )
    async def create_api_client(
        self,
        info: Info,
        input: Annotated[
            CreateApiClientInput,
            strawberry.argument(description="Its name, scopes and optional expiry."),
        ],
    ) -> ApiClientPayload:
        found, errors = await perform(
            info,
            lambda op: rules.create_api_client(
                op, input.name, list(input.scopes), input.expires_at
            ),
        )
        return ApiClientPayload(
            api_client=ApiClient.of(found.client) if found else None,
            client_secret=found.secret if found else None,
            errors=errors,
        )

    @strawberry.mutation(
        description="Give an API client a new secret (shown in this payload only); its "
        f"current secrets keep working for `previousSecretHours`. {MANAGERS}"
    )
    async def rotate_api_client_secret(
        self,
        info: Info,
        input: Annotated[
            RotateApiClientSecretInput,
            strawberry.argument(description="The client, and how long its old secret lasts."),
        ],
    ) -> ApiClientPayload:
        found, errors = await perform(
            info,
            lambda op: rules.rotate_api_client_secret(
                op, input.client, input.previous_secret_hours
            ),
        )
        return ApiClientPayload(
            api_client=ApiClient.of(found.client) if found else None,
            client_secret=found.secret if found else None,
            errors=errors,
        )

    @strawberry.mutation(
        description="Revoke an API client: it gets no more tokens, and the tokens it holds "
        f"stop working at once. Revoking it again changes nothing. {MANAGERS}"
    )
    async def revoke_api_client(
        self,
        info: Info,
        input: Annotated[
            IdInput, strawberry.argument(description="The client (an `ApiClient` ID).")
        ],
    ) -> ApiClientPayload:
        found, errors = await perform(
            info, lambda op: rules.revoke_api_client(op, input.uuid_of("ApiClient"))
        )
        return ApiClientPayload(api_client=ApiClient.of(found) if found else None, errors=errors)
