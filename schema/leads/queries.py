"""Listing and reading the partner's leads."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.foundation.ids import decode_id
from models.policy import visible_leads
from models.tables.leads import LeadStatus
from schema.context import Info
from schema.guards import opens_list
from schema.leads.types import Lead
from schema.pagination import After, Connection, First, paginate


@strawberry.type
class LeadQueries:
    @strawberry.field(
        description="The leads addressed to the viewer's partner, newest first: for its admin "
        "and sales agents; FORBIDDEN for anyone else.",
        extensions=opens_list("leads"),
    )
    async def leads(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        status: Annotated[
            LeadStatus | None,
            strawberry.argument(description="Only leads in this status."),
        ] = None,
    ) -> Connection[Lead]:
        queryset = visible_leads(info.context.actor())
        if status is not None:
            queryset = queryset.filter(status=status)
        return await paginate(queryset, first, after, Lead.of)

    @strawberry.field(description="One lead of the viewer's partner.")
    async def lead(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The lead's ID.")],
    ) -> Lead | None:
        actor = info.context.actor()
        lead_id = decode_id("Lead", id)
        if lead_id is None:
            return None
        found = await visible_leads(actor).get_or_none(id=lead_id)
        return Lead.of(found) if found else None
