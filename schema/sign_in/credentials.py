"""A person's sessions and bearer tokens, as GraphQL types: what their Security page lists."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from models.foundation.ids import encode_id
from models.tables.organizations import ApiToken as ApiTokenRow
from models.tables.sign_in import UserSession


@strawberry.type(description="A browser session of the viewer's: where they are signed in.")
class Session:
    id: strawberry.ID = strawberry.field(description="Opaque ID; `signOut` takes it.")
    created_at: datetime = strawberry.field(description="When the person signed in.")
    last_used_at: datetime | None = strawberry.field(
        description="When the session was last used (to the minute)."
    )
    expires_at: datetime = strawberry.field(
        description="When it ends unless used before: the idle time-out, or the absolute one "
        "if that comes first."
    )
    user_agent: str | None = strawberry.field(
        description="The browser's own description of itself, when it sent one."
    )
    client_address: str | None = strawberry.field(
        description="The network address the person signed in from."
    )
    current: bool = strawberry.field(description="True for the session making this request.")

    @classmethod
    def of(cls, row: UserSession, current_session: UUID | None) -> Session:
        return cls(
            id=encode_id("Session", row.id),
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            expires_at=min(row.idle_expires_at, row.expires_at),
            user_agent=row.user_agent,
            client_address=row.client_address,
            current=row.id == current_session,
        )


@strawberry.type(
    description="A bearer token of the viewer's, for scripts. Its value was shown "
    "once, when it was created."
)
class ApiToken:
    id: strawberry.ID = strawberry.field(description="Opaque ID; `revokeApiToken` takes it.")
    name: str = strawberry.field(description="The name its owner gave it.")
    created_at: datetime = strawberry.field(description="When it was created.")
    expires_at: datetime | None = strawberry.field(
        description="When it stops working by itself; null: never."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When its owner revoked it; it has not worked since."
    )

    @classmethod
    def of(cls, row: ApiTokenRow) -> ApiToken:
        return cls(
            id=encode_id("ApiToken", row.id),
            name=row.name,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )
