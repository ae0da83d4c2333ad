"""A nested list's pages for a whole page of parents, in a fixed number of queries.

A page of relationships asks each for its `activity`, a page of webhook endpoints each for
its `deliveries`: each resolver hands this loader its parent's list, as the viewer's checks
in `models/policy/` (or the parent's own filter) build it, and every list asked while the
page resolves is read in one statement (`schema/first_rows.py`), their totalCounts in
another, and their hasPreviousPages (after a cursor) in a third when asked. The loaders
keep no cache (a queryset is its own key): one per request, each list is asked once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.models import Model
from tortoise.queryset import QuerySet

from schema.first_rows import Rows, first_rows, row_counts
from schema.pagination import (
    MAX_PAGE_SIZE,
    Connection,
    after_cursor,
    connection,
    page_size,
    up_to_cursor,
)

ModelT = TypeVar("ModelT", bound=Model)
NodeT = TypeVar("NodeT")


@dataclass(frozen=True, slots=True)
class Page(Generic[ModelT]):
    rows: list[ModelT]
    has_next: bool
    # The first row at or before the `after` cursor, asked for `hasPreviousPage`.
    earlier: Rows[ModelT] | None = None


class NestedList(Generic[ModelT]):
    """Pages of one model's lists (with `created_at`), one per parent, newest first."""

    def __init__(self) -> None:
        # A page of parents holds at most 100: a batch is one statement of as many branches
        self.pages: DataLoader[Rows[ModelT], list[ModelT]] = DataLoader(
            first_rows, max_batch_size=MAX_PAGE_SIZE, cache=False
        )
        self.counts: DataLoader[QuerySet[Any], int] = DataLoader(
            row_counts, max_batch_size=MAX_PAGE_SIZE, cache=False
        )

    async def page(
        self, rows: QuerySet[ModelT], first: int | None, after: str | None
    ) -> Page[ModelT]:
        """One page of `rows`; a bad `first` or cursor is refused before anything is read."""
        size = page_size(first)
        where = after_cursor(after) if after else None
        # One more row than the page tells whether more follow.
        found = await self.pages.load(Rows(rows, where, size + 1))
        earlier = Rows(rows, up_to_cursor(after), 1) if after else None
        return Page(found[:size], len(found) > size, earlier)

    def connection(
        self, rows: QuerySet[ModelT], page: Page[ModelT], to_node: Callable[[ModelT], NodeT]
    ) -> Connection[NodeT]:
        """The connection of a `page` of `rows`: its totalCount and hasPreviousPage are
        batched too, each in one statement for the whole page of parents."""
        earlier = page.earlier
        return connection(
            page.rows,
            page.has_next,
            to_node,
            lambda: self.counts.load(rows),
            (lambda: self._any(earlier)) if earlier is not None else None,
        )

    async def _any(self, rows: Rows[ModelT]) -> bool:
        return bool(await self.pages.load(rows))
