"""Reading a partner's bulk operations."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from models.foundation.ids import decode_id
from models.identity.actors import Actor
from models.policy.bulk_work import visible_bulk_operations
from schema.bulk.types import BulkOperation
from schema.context import Info
from schema.guards import opens_list
from schema.pagination import After, Connection, First, paginate


async def read_bulk_operation(actor: Actor, operation_id: UUID) -> BulkOperation | None:
    """The bulk operation, if the actor may see it: `bulkOperation(id:)` and
    `bulkOperationChanged` read it so."""
    found = await visible_bulk_operations(actor).get_or_none(id=operation_id)
    return BulkOperation.of(found) if found else None


@strawberry.type
class BulkQueries:
    @strawberry.field(
        description="The bulk operations of the viewer's partner organization, newest first: "
        "for its admin agents; FORBIDDEN for anyone else.",
        extensions=opens_list("bulkOperations"),
    )
    async def bulk_operations(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[BulkOperation]:
        queryset = visible_bulk_operations(info.context.actor())
        return await paginate(queryset, first, after, BulkOperation.of)

    @strawberry.field(description="One bulk operation of the viewer's partner organization.")
    async def bulk_operation(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The operation's ID.")],
    ) -> BulkOperation | None:
        actor = info.context.actor()
        operation_id = decode_id("BulkOperation", id)
        if operation_id is None:
            return None
        return await read_bulk_operation(actor, operation_id)
