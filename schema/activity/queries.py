"""The activity log: what concerns the viewer's organization, newest first."""

from __future__ import annotations

from typing import Annotated

import strawberry
from tortoise.expressions import Q

from models.policy import visible_activity
from schema.activity.types import ActivityEntry, ActivityFilter
from schema.context import Info
from schema.guards import opens_list
from schema.pagination import After, Connection, First, paginate


@strawberry.type
class ActivityQueries:
    @strawberry.field(
        description="Changes that concern the viewer's organization, newest first: its own, "
        "and the whole history of its relationships, both sides' changes included. For a "
        "customer's Global, Billing and Global Reader admins, a partner's admin agents and API "
        "clients granted ACTIVITY_READ; FORBIDDEN for anyone else.",
        extensions=opens_list("activity"),
    )
    async def activity(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        filter: Annotated[
            ActivityFilter | None,
            strawberry.argument(description="Only the changes that match."),
        ] = None,
    ) -> Connection[ActivityEntry]:
        actor = info.context.actor()
        queryset = visible_activity(actor)
        conditions = filter.conditions() if filter is not None else {}
        queryset = (
            queryset.filter(Q(pk__in=[])) if conditions is None else queryset.filter(**conditions)
        )
        return await paginate(
            queryset, first, after, lambda entry: ActivityEntry.of(entry, actor.organization_id)
        )
