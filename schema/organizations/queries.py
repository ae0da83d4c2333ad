"""The viewer."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.organizations.types import User


@strawberry.type
class OrganizationQueries:
    @strawberry.field(
        description="The signed-in user; null without credentials and for an API client. A "
        "bad token is an UNAUTHENTICATED error."
    )
    def viewer(self, info: Info) -> User | None:
        context = info.context
        if context.viewer is None:
            if context.bad_credentials:
                context.actor()  # raises UNAUTHENTICATED
            return None
        user = context.viewer.user
        return User.of(user) if user else None  # an API client is no person
