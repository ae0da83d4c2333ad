"""What a subscription may watch: each kind of object, how a viewer reads it, and when its
stream ends. A new kind is one entry here and one field in `subscriptions.py`.

Each kind is read through the same authorized path as its query (`invitation(id:)` reads
what `invitationChanged` sends), so a subscriber sees exactly what it could read, and
nothing once it may no longer read it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

from models.identity.actors import Actor
from models.reference.enums import BulkOperationStatus
from schema.bulk.queries import read_bulk_operation
from schema.bulk.types import BulkOperation
from schema.invitations.queries import read_invitation
from schema.invitations.types import Invitation
from schema.relationships.queries import read_relationship
from schema.relationships.types import Relationship

T = TypeVar("T")


def _never(_: object) -> bool:
    return False


@dataclass(frozen=True)
class Watched(Generic[T]):
    """A kind of object a subscription follows.

    `kind` is its GraphQL type's name: what its global IDs and the change feed call it.
    `read` is the authorized read (None: not the viewer's to see). `final` tells a state
    after which nothing more will change: the subscription sends it and completes.
    """

    kind: str
    read: Callable[[Actor, UUID], Awaitable[T | None]]
    final: Callable[[T], bool] = _never

    @property
    def refusal(self) -> str:
        article = "an" if self.kind[0] in "AEIOU" else "a"
        return f"Not {article} {self.kind.lower()} of yours: no such ID, or not yours to see."


INVITATION = Watched[Invitation]("Invitation", read_invitation)
RELATIONSHIP = Watched[Relationship]("Relationship", read_relationship)
# A bulk operation's stream completes once the operation has: nothing changes after that.
BULK_OPERATION = Watched[BulkOperation](
    "BulkOperation",
    read_bulk_operation,
    final=lambda operation: operation.status is BulkOperationStatus.COMPLETED,
)
