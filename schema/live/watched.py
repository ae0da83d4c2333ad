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
from models.policy.ownership import own_bulk_operation, own_invitation, own_relationship
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

    `kind` is what its global IDs and the change feed call it. `read` is the authorized read
    (None: not the viewer's to see). `own` tells whether the object belongs to the viewer's
    organization (`models/policy/ownership.py`): a viewer of it who may not read it is
    FORBIDDEN, anyone else is told NOT_FOUND. `final` tells a state after which nothing more
    will change: the subscription sends it and completes.
    """

    kind: str
    noun: str
    read: Callable[[Actor, UUID], Awaitable[T | None]]
    own: Callable[[Actor, UUID], Awaitable[bool]]
    final: Callable[[T], bool] = _never

    @property
    def forbidden(self) -> str:
        return f"You may not read this {self.noun}."

    @property
    def not_found(self) -> str:
        return f"No such {self.noun}."


INVITATION = Watched[Invitation]("Invitation", "invitation", read_invitation, own_invitation)
RELATIONSHIP = Watched[Relationship](
    "Relationship", "relationship", read_relationship, own_relationship
)
# A bulk operation's stream completes once the operation has: nothing changes after that.
BULK_OPERATION = Watched[BulkOperation](
    "BulkOperation",
    "bulk operation",
    read_bulk_operation,
    own_bulk_operation,
    final=lambda operation: operation.status is BulkOperationStatus.COMPLETED,
)
