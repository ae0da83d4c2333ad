"""The inputs and payload of the line-of-business app mutations; the `LobApp` is
`schema.customers.types`'."""

from __future__ import annotations

import strawberry

from schema.customers.devices_and_apps import LobApp
from schema.errors import UserError
from schema.global_ids import GlobalId


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
    customer = GlobalId("Organization", "customer_id")


@strawberry.input(description="A change to an app the viewer's partner submitted.")
class UpdateLobAppInput:
    app_id: strawberry.ID = strawberry.field(description="The app.")
    name: str | None = strawberry.field(default=None, description="A new name.")
    version: str | None = strawberry.field(default=None, description="A new version.")
    package_url: str | None = strawberry.field(
        default=None, description="A new package URL (https://)."
    )
    description: str | None = strawberry.field(default=None, description="A new description.")
    app = GlobalId("LobApp", "app_id")


@strawberry.type(description="The result of submitting or updating an app.")
class LobAppPayload:
    app: LobApp | None = strawberry.field(description="The app submitted or updated.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
