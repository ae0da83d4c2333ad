"""Reads that a permission rule guards: a refusal becomes a top-level FORBIDDEN error."""

from __future__ import annotations

from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar
from uuid import UUID

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from models.foundation.errors import PermissionDenied
from models.foundation.ids import decode_id
from models.policy import LISTS
from schema.context import Info
from schema.errors import RequestErrorCode, forbidden

T = TypeVar("T")

CustomerId = Annotated[
    strawberry.ID, strawberry.argument(description="The customer organization's ID.")
]


@contextmanager
def denial_forbidden() -> Iterator[None]:
    """Inside the block, a refused permission rule becomes a top-level FORBIDDEN error: the
    one place where the policy's refusals become GraphQL errors."""
    try:
        yield
    except PermissionDenied as denied:
        raise forbidden(str(denied)) from denied


async def allowed(read: Awaitable[T]) -> T:
    """The result of `read`, or FORBIDDEN when its permission rule refused."""
    with denial_forbidden():
        return await read


def customer_uuid(value: str) -> UUID:
    """The customer organization named by an ID argument; FORBIDDEN when it names none, as for
    a customer the viewer has nothing to do with."""
    found = decode_id("Organization", value)
    if found is None:
        raise forbidden("Not a customer of yours.")
    return found


class _OpensList(BasePermission):
    """The rule of one top-level list (`policy.LISTS`): a viewer whose roles cannot open it
    gets FORBIDDEN, never an empty list; a visitor, UNAUTHENTICATED."""

    def __init__(self, name: str) -> None:
        self.access = LISTS[name]
        self.error_extensions = {"code": RequestErrorCode.FORBIDDEN.value}
        self.message = self.access.refusal

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return self.access.opens(info.context.actor())


def opens_list(name: str) -> list[FieldExtension]:
    """The field extensions of the top-level list `name`: its rule, declared on the field."""
    return [PermissionExtension([_OpensList(name)], use_directives=False)]
