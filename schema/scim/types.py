"""SCIM tokens: the type, and the input and payload of their mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.foundation.ids import encode_id
from models.tables.scim import ScimToken as ScimTokenRow
from schema.errors import UserError


@strawberry.type(
    description="A customer's token for its identity provider's SCIM provisioning "
    "(`/scim/v2/...`, `Authorization: Bearer`). Its value is shown only when it is created."
)
class ScimToken:
    id: strawberry.ID = strawberry.field(description="Opaque ID; `revokeScimToken` takes it.")
    name: str = strawberry.field(description="The name it was given.")
    created_at: datetime = strawberry.field(description="When it was created.")
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked; it has not worked since. Null while it works."
    )

    @classmethod
    def of(cls, row: ScimTokenRow) -> ScimToken:
        return cls(
            id=encode_id("ScimToken", row.id),
            name=row.name,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )


@strawberry.input(description="A new SCIM token for the viewer's customer organization.")
class CreateScimTokenInput:
    name: str = strawberry.field(
        description="A name to tell it apart, such as the identity provider's (1 to 100 "
        "characters)."
    )


@strawberry.type(description="A SCIM token, and its value when it was just created.")
class ScimTokenPayload:
    scim_token: ScimToken | None = strawberry.field(description="The token.")
    token: str | None = strawberry.field(
        description="The token's value, for the identity provider's `Authorization: Bearer`: "
        "shown only when it is created, never again. Null otherwise."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")

    @classmethod
    def of(
        cls, row: ScimTokenRow | None, token: str | None, errors: list[UserError]
    ) -> ScimTokenPayload:
        return cls(scim_token=ScimToken.of(row) if row else None, token=token, errors=errors)
