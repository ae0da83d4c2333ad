"""The `Subscription` root: live updates of what a console or a portal watches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import strawberry

from schema.bulk.types import BulkOperation
from schema.context import Info
from schema.invitations.types import Invitation
from schema.live.stream import watch
from schema.live.watched import BULK_OPERATION, INVITATION, RELATIONSHIP
from schema.relationships.types import Relationship

_SENDS = (
    "Sends its current state first, then again after every change, for as long as the "
    "viewer may read it; FORBIDDEN (and the subscription completes) when the object is the "
    "viewer's organization's but the viewer may not read it, NOT_FOUND when there is no such "
    "object or it is another organization's."
)


@strawberry.type(
    # A customer's product subscription is `CloudSubscription` (`schema/customers`).
    name="Subscription",
    description="Live updates, over WebSocket with the graphql-transport-ws protocol on "
    "`/graphql`. Signed in like queries: the session cookie on the handshake (browsers), or "
    '`{"authorization": "Bearer <token>"}` in `connection_init`\'s payload (scripts). The '
    "connection closes (code 4401) when that sign-in ends.",
)
class Subscription:
    @strawberry.subscription(description=f"An invitation the viewer may read. {_SENDS}")
    async def invitation_changed(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The invitation's ID.")],
    ) -> AsyncIterator[Invitation]:
        async for invitation in watch(info, INVITATION, id):
            yield invitation

    @strawberry.subscription(
        description=f"A relationship the viewer's organization is a side of: its status, "
        f"types and role grants. {_SENDS}"
    )
    async def relationship_changed(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The relationship's ID.")],
    ) -> AsyncIterator[Relationship]:
        async for relationship in watch(info, RELATIONSHIP, id):
            yield relationship

    @strawberry.subscription(
        description="A bulk operation of the viewer's partner organization: its status and "
        f"counts as the workers go through its items. {_SENDS} It completes once the "
        "operation has."
    )
    async def bulk_operation_changed(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The operation's ID.")],
    ) -> AsyncIterator[BulkOperation]:
        async for operation in watch(info, BULK_OPERATION, id):
            yield operation
