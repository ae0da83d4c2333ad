"""The viewer."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.organizations.types import User


@strawberry.type
class OrganizationQueries:
    @strawberry.field(
        description="The signed-in user; null without credentials. A bad token is an "
        "UNAUTHENTICATED error."
    )
    def viewer(self, info: Info) -> User | None:
        context = info.context
        if context.viewer is None:
            if context.bad_credentials:
                context.actor()  # raises UNAUTHENTICATED
            return None
        return User.of(context.viewer.user)
