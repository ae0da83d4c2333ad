"""Bulk operations: the partner's admin agents."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.rules import bulk_operations as rules
from models.rules.bulk_access import start_bulk_access
from models.rules.bulk_endings import start_bulk_ending
from models.tables import bulk as m
from schema.bulk.types import (
    AssignAccessInBulkInput,
    BulkOperation,
    BulkOperationPayload,
    EndDelegatedAdminRelationshipsInBulkInput,
    SendInvitationsInput,
)
from schema.context import Info
from schema.errors import UserError
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
        return _payload(found, errors)

    @strawberry.mutation(
        description="Give one security group the same granted roles for many customers (up "
        "to 1,000): a bulk operation the workers run, each customer an item that does what "
        "`assignRoleToGroup` does for its relationship. A request over the limit, or naming a "
        "group not the partner's, is refused whole."
    )
    async def assign_access_in_bulk(
        self,
        info: Info,
        input: Annotated[
            AssignAccessInBulkInput,
            strawberry.argument(description="The group, the roles, the customers, a retry key."),
        ],
    ) -> BulkOperationPayload:
        found, errors = await perform(
            info,
            lambda op: start_bulk_access(
                op, input.security_group, input.roles, input.customers(), input.idempotency_key
            ),
        )
        return _payload(found, errors)

    @strawberry.mutation(
        description="End many delegated admin relationships (up to 1,000): a bulk operation "
        "the workers run, each an item that does what `endDelegatedAdminRelationship` does. "
        "A request over the limit is refused whole."
    )
    async def end_delegated_admin_relationships_in_bulk(
        self,
        info: Info,
        input: Annotated[
            EndDelegatedAdminRelationshipsInBulkInput,
            strawberry.argument(description="The delegated admin relationships, a retry key."),
        ],
    ) -> BulkOperationPayload:
        found, errors = await perform(
            info,
            lambda op: start_bulk_ending(op, input.relationships(), input.idempotency_key),
        )
        return _payload(found, errors)


def _payload(found: m.BulkOperation | None, errors: list[UserError]) -> BulkOperationPayload:
    return BulkOperationPayload(
        bulk_operation=BulkOperation.of(found) if found else None, errors=errors
    )
