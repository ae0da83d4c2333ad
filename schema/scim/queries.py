"""Listing a customer's SCIM tokens."""

from __future__ import annotations

import strawberry

from models.policy.scim import visible_scim_tokens
from schema.context import Info
from schema.guards import opens_list
from schema.scim.types import ScimToken


@strawberry.type
class ScimQueries:
    @strawberry.field(
        description="The SCIM tokens of the viewer's customer organization that work, newest "
        "first: for its Global Administrators; FORBIDDEN for anyone else.",
        extensions=opens_list("scimTokens"),
    )
    async def scim_tokens(self, info: Info) -> list[ScimToken]:
        rows = await visible_scim_tokens(info.context.actor()).order_by("-created_at")
        return [ScimToken.of(row) for row in rows]
