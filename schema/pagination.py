"""Relay connections over Tortoise querysets, by keyset on (created_at, id), newest first."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Annotated, Generic, Protocol, TypeVar
from uuid import UUID

import strawberry
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from schema.errors import bad_input

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

First = Annotated[
    int | None,
    strawberry.argument(description="How many items to return: 0 to 100, 20 when omitted."),
]
After = Annotated[
    str | None,
    strawberry.argument(description="Start after this cursor: the previous page's endCursor."),
]

NodeT = TypeVar("NodeT")
ModelT = TypeVar("ModelT", bound=Model)


class _Keyed(Protocol):
    id: UUID
    created_at: datetime


@strawberry.type(description="Where a page of a list stands.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    end_cursor: str | None = strawberry.field(
        description="The cursor of the last item; pass it as `after` for the next page."
    )
    start_cursor: str | None = strawberry.field(
        default=None, description="The cursor of the first item; null when the page is empty."
    )
    # Whether rows come at or before the `after` cursor, asked only when a client asks.
    _has_previous: strawberry.Private[Callable[[], Awaitable[bool]] | None] = None

    @strawberry.field(
        description="Whether items come before this page: true when `after` was given and "
        "the list holds items at or before that cursor; false on a first page. The "
        "directory's `partners` always answers false, as Relay allows for lists paged "
        "forward with `first` and `after`."
    )
    async def has_previous_page(self) -> bool:
        return await self._has_previous() if self._has_previous is not None else False


@strawberry.type(description="An item of a list, with its cursor.")
class Edge(Generic[NodeT]):
    node: NodeT = strawberry.field(description="The item.")
    cursor: str = strawberry.field(description="An opaque position in the list.")


@strawberry.type(description="One page of a list.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page stands.")
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    def __post_init__(self) -> None:
        # The start cursor is the first edge's, whoever built the page.
        self.page_info.start_cursor = self.edges[0].cursor if self.edges else None

    @strawberry.field(description="How many items the whole list holds, across all pages.")
    async def total_count(self) -> int:
        return await self._count()


def _cursor(item: _Keyed) -> str:
    raw = json.dumps([item.created_at.isoformat(), str(item.id)])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def up_to_cursor(cursor: str) -> Q:
    """The rows at or before `cursor` (newest first): those a page `after` it follows."""
    return ~after_cursor(cursor)


def after_cursor(cursor: str) -> Q:
    """The rows that come after `cursor` (newest first), or BAD_USER_INPUT for a bad one."""
    try:
        created, id_ = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not (isinstance(created, str) and isinstance(id_, str)):
            raise ValueError(cursor)
        created_at, uuid = datetime.fromisoformat(created), UUID(id_)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise bad_input("`after` is not a cursor of this list.") from exc
    return Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=uuid)


def page_size(first: int | None) -> int:
    """How many rows a page holds: `first`, checked, or the default."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise bad_input(f"`first` must be from 0 to {MAX_PAGE_SIZE}.")
    return size


def connection(
    rows: Sequence[ModelT],
    has_next: bool,
    to_node: Callable[[ModelT], NodeT],
    count: Callable[[], Awaitable[int]],
    has_previous: Callable[[], Awaitable[bool]] | None = None,
) -> Connection[NodeT]:
    """A page of rows already read, newest first; `count` answers `totalCount` and
    `has_previous` `hasPreviousPage` (false without it), each only when asked."""
    edges = [Edge(node=to_node(row), cursor=_cursor(row)) for row in rows]  # type: ignore[arg-type]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            end_cursor=edges[-1].cursor if edges else None,
            _has_previous=has_previous,
        ),
        _count=count,
    )


async def paginate(
    queryset: QuerySet[ModelT],
    first: int | None,
    after: str | None,
    to_node: Callable[[ModelT], NodeT],
) -> Connection[NodeT]:
    """One page, newest first. Costs one query, plus one each for `totalCount` and
    `hasPreviousPage` (after a cursor) when asked."""
    size = page_size(first)
    page = queryset.order_by("-created_at", "-id")
    earlier = None
    if after:
        page = page.filter(after_cursor(after))
        earlier = queryset.filter(up_to_cursor(after)).exists
    rows: Sequence[ModelT] = await page.limit(size + 1) if size else []
    has_next = len(rows) > size if size else await page.exists()
    return connection(rows[:size], has_next, to_node, queryset.count, earlier)
