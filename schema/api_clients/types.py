"""API clients as GraphQL types: the clients an organization registers, their scopes, and the
inputs and payload of the mutations that manage them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import strawberry

from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.identity.api_clients import scopes_of
from models.reference.api_scopes import SCOPE_MEANINGS, ApiScope
from models.reference.enums import ApiClientStatus
from models.tables.api_clients import ApiClient as ApiClientRow
from schema.enum_values import described_enum
from schema.errors import UserError
from schema.global_ids import GlobalId

if TYPE_CHECKING:
    from uuid import UUID

described_enum(
    ApiScope,
    "What an API client may open, within what its organization may do. At /oauth/token each "
    "is written in lower case with its last underscore a dot (`customer_data.read`).",
    {scope: f"`{scope.wire}`: {meaning}" for scope, meaning in SCOPE_MEANINGS.items()},
    name="ApiScope",
)


@strawberry.type(
    description="A system acting for its organization (a partner portal, a script), never "
    "for a person: it takes access tokens at /oauth/token with its client ID and secret."
)
class ApiClient:
    id: strawberry.ID = strawberry.field(description="Opaque ID; `revokeApiClient` takes it.")
    client_id: str = strawberry.field(
        description="The identifier it sends to /oauth/token (`client_id`)."
    )
    name: str = strawberry.field(description="The name its organization gave it.")
    scopes: list[ApiScope] = strawberry.field(description="What it may open.")
    created_at: datetime = strawberry.field(description="When it was registered.")
    expires_at: datetime | None = strawberry.field(
        description="When it stops working by itself (its tokens with it); null: never."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked; neither it nor its tokens have worked since."
    )
    status: ApiClientStatus = strawberry.field(
        description="ACTIVE, EXPIRED (past `expiresAt`) or REVOKED (since `revokedAt`)."
    )

    @classmethod
    def of(cls, row: ApiClientRow) -> ApiClient:
        return cls(
            id=encode_id("ApiClient", row.id),
            client_id=row.client_id,
            name=row.name,
            scopes=[scope for scope in ApiScope if scope in scopes_of(row.scopes)],
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            status=row.status_at(utcnow()),
        )


@strawberry.type(
    description="A scope an API client may be given: its name at /oauth/token and what it opens."
)
class ApiScopeInfo:
    key: ApiScope = strawberry.field(description="The scope, as `createApiClient` takes it.")
    wire: str = strawberry.field(
        description="How a client asks for it at /oauth/token (`customer_data.read`)."
    )
    description: str = strawberry.field(description="What it opens, in words.")

    @classmethod
    def of(cls, scope: ApiScope) -> ApiScopeInfo:
        return cls(key=scope, wire=scope.wire, description=SCOPE_MEANINGS[scope])


@strawberry.type(description="The API client that made a change, as the activity log shows it.")
class ActingApiClient:
    id: strawberry.ID = strawberry.field(description="The client's opaque ID (`ApiClient.id`).")
    name: str = strawberry.field(description="The client's name.")

    @classmethod
    def of(cls, client_id: UUID, name: str) -> ActingApiClient:
        return cls(id=encode_id("ApiClient", client_id), name=name)


@strawberry.input(description="A new API client of the viewer's organization.")
class CreateApiClientInput:
    name: str = strawberry.field(
        description="Its name, to tell clients apart (1 to 100 characters)."
    )
    scopes: list[ApiScope] = strawberry.field(
        description="What it may open (at least one), within what the organization may do."
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When it stops working by itself; none: until revoked."
    )


@strawberry.input(description="An API client whose secret is replaced.")
class RotateApiClientSecretInput:
    id: strawberry.ID = strawberry.field(description="The client (an `ApiClient` ID).")
    previous_secret_hours: int | None = strawberry.field(
        default=None,
        description="How many hours its current secrets keep working beside the new one, "
        "while it is rolled out: 0 to 168, 24 by default.",
    )
    client = GlobalId("ApiClient", "id")


@strawberry.type(description="The result of a change to an API client.")
class ApiClientPayload:
    api_client: ApiClient | None = strawberry.field(description="The client, when it changed.")
    client_secret: str | None = strawberry.field(
        default=None,
        description="Its new secret: shown this once and never again (only a hash is kept).",
    )
    errors: list[UserError] = strawberry.field(description="Why the change was refused.")
