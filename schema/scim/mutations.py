"""Creating and revoking a customer's SCIM tokens (its Global Administrators)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.rules import scim_tokens as rules
from schema.context import Info
from schema.inputs import IdInput
from schema.mutations import perform
from schema.scim.types import CreateScimTokenInput, ScimTokenPayload


@strawberry.type
class ScimMutations:
    @strawberry.mutation(
        description="Create a SCIM token for the viewer's customer organization: its identity "
        "provider provisions the organization's people and groups with it at `/scim/v2`. Its "
        "value is in this answer only. A customer's Global Administrators only."
    )
    async def create_scim_token(
        self,
        info: Info,
        input: Annotated[
            CreateScimTokenInput, strawberry.argument(description="The token's name.")
        ],
    ) -> ScimTokenPayload:
        found, errors = await perform(info, lambda op: rules.create_scim_token(op, input.name))
        if found is None:
            return ScimTokenPayload.of(None, None, errors)
        return ScimTokenPayload.of(*found, errors)

    @strawberry.mutation(
        description="Revoke one of the organization's SCIM tokens: it stops working at once. "
        "A customer's Global Administrators only."
    )
    async def revoke_scim_token(
        self,
        info: Info,
        input: Annotated[IdInput, strawberry.argument(description="The token (a `ScimToken` ID).")],
    ) -> ScimTokenPayload:
        found, errors = await perform(
            info, lambda op: rules.revoke_scim_token(op, input.uuid_of("ScimToken"))
        )
        return ScimTokenPayload.of(found, None, errors)
