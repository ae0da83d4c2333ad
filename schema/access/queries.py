"""Listing a partner's security groups."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.foundation.ids import decode_id
from models.policy import visible_security_groups
from schema.access.loaders import AccessLoaders
from schema.access.types import SecurityGroup
from schema.context import Info
from schema.guards import opens_list
from schema.pagination import After, Connection, First, paginate


@strawberry.type
class AccessQueries:
    @strawberry.field(
        description="The security groups of the viewer's partner organization, newest first: "
        "for its agents; FORBIDDEN for anyone else.",
        extensions=opens_list("securityGroups"),
    )
    async def security_groups(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[SecurityGroup]:
        loaders = AccessLoaders()
        return await paginate(
            visible_security_groups(info.context.actor()),
            first,
            after,
            lambda row: SecurityGroup.of(row, loaders),
        )

    @strawberry.field(description="One security group of the viewer's partner organization.")
    async def security_group(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The group's ID.")],
    ) -> SecurityGroup | None:
        actor = info.context.actor()
        group_id = decode_id("SecurityGroup", id)
        if group_id is None:
            return None
        found = await visible_security_groups(actor).get_or_none(id=group_id)
        return SecurityGroup.of(found, AccessLoaders()) if found else None
