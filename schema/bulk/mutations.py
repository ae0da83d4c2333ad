"""Bulk operations: the partner's admin agents."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.rules import bulk_operations as rules
from schema.bulk.types import BulkOperation, BulkOperationPayload, SendInvitationsInput
from schema.context import Info
from schema.mutations import perform


@strawberry.type
class BulkMutations:
    @strawberry.mutation(
        description="Send one invitation template to many customers (up to 1,000): a bulk "
        "operation the workers run, each customer an item with its own result. A request over "
        "the limit, or naming a template the viewer may not use, is refused whole."
    )
    async def send_invitations(
        self,
        info: Info,
        input: Annotated[
            SendInvitationsInput,
            strawberry.argument(description="The template, the customers, and a retry key."),
        ],
    ) -> BulkOperationPayload:
        found, errors = await perform(
            info,
            lambda op: rules.start_bulk_send(
                op, input.template, input.bulk_customers(), input.idempotency_key
            ),
        )
        return BulkOperationPayload(
            bulk_operation=BulkOperation.of(found) if found else None, errors=errors
        )
