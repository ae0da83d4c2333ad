"""Line-of-business apps as GraphQL types, and their inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from models import tenant as m
from schema.context import Info
from schema.errors import UserError
from schema.ids import encode_id
from schema.organizations.types import Organization, load_organization


@strawberry.type(description="A line-of-business app made for a customer.")
class LobApp:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    name: str = strawberry.field(description="The app's name.")
    version: str = strawberry.field(description="The version of its package.")
    package_url: str = strawberry.field(description="Where its package is (https).")
    description: str = strawberry.field(description="What it does; may be empty.")
    created_at: datetime = strawberry.field(description="When it was submitted.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    _partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, app: m.LobApp) -> LobApp:
        return cls(
            id=encode_id("LobApp", app.id),
            name=app.name,
            version=app.version,
            package_url=app.package_url,
            description=app.description,
            created_at=app.created_at,
            updated_at=app.updated_at,
            _partner_id=app.submitted_by_partner_id,  # type: ignore[attr-defined]
        )

    @strawberry.field(description="The LOB partner that submitted it; null when the customer did.")
    async def submitted_by_partner(self, info: Info) -> Organization | None:
        return await load_organization(info, self._partner_id)


@strawberry.input(description="A new line-of-business app for a customer.")
class SubmitLobAppInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer it is for.")
    name: str = strawberry.field(description="Its name: 1 to 200 characters.")
    version: str = strawberry.field(
        description="Its version: letters, digits, dots, dashes, underscores or pluses."
    )
    package_url: str = strawberry.field(description="Where its package is: an https:// URL.")
    description: str | None = strawberry.field(
        default=None, description="What it does: at most 4000 characters."
    )


@strawberry.input(description="A change to an app the viewer's partner submitted.")
class UpdateLobAppInput:
    app_id: strawberry.ID = strawberry.field(description="The app.")
    name: str | None = strawberry.field(default=None, description="A new name.")
    version: str | None = strawberry.field(default=None, description="A new version.")
    package_url: str | None = strawberry.field(
        default=None, description="A new package URL (https://)."
    )
    description: str | None = strawberry.field(default=None, description="A new description.")


@strawberry.type(description="The result of submitting or updating an app.")
class LobAppPayload:
    app: LobApp | None = strawberry.field(description="The app submitted or updated.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
