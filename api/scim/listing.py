"""Listing SCIM resources: the query's parameters (or a `.search` body), its filter as a
database query, its order (`sortBy`, `sortOrder`), one page of rows by `startIndex` and
`count`, and the `ListResponse`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import ValidationError
from scim2_models import Context, ListResponse, Resource, SearchRequest
from starlette.responses import Response
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api.scim.filters import Translator
from api.scim.protocol import ScimError, from_validation, scim_json
from api.scim.sorting import SortKey, refuse_unsortable, sorted_rows

DEFAULT_COUNT = 100
MAX_COUNT = 200

RowT = TypeVar("RowT", bound=Model)


def search_of(model: Any, values: dict[str, Any]) -> SearchRequest[Any]:
    """The search a query string or a `.search` body asks for, checked against `model`."""
    try:
        search: SearchRequest[Any] = SearchRequest[model].model_validate(
            values, scim_ctx=Context.SEARCH_REQUEST
        )
    except ValidationError as exc:
        raise from_validation(exc) from exc
    return search


@dataclass(frozen=True)
class Source(Generic[RowT]):
    """One resource type a listing covers: its rows, how a filter reads on them, how they
    sort, and how a page of them is shown."""

    rows: QuerySet[RowT]
    translator: Translator
    sorts: dict[str, SortKey]
    shown: Callable[[Sequence[RowT]], Awaitable[Sequence[Resource[Any]]]]


async def list_page(
    search: SearchRequest[Any], model: Any, sources: Sequence[Source[Any]]
) -> Response:
    """One page of the rows matching the search's filter, in its order (each type's oldest
    first when it asks for none), the types one after the other, as a ListResponse. Over
    several types (`/.search`), a filter naming what one type does not have matches none of
    it (RFC 7644 section 3.4.2.1), and each type is sorted in itself: one lacking the
    `sortBy` attribute keeps creation order."""
    refuse_unsortable(search, [source.sorts for source in sources])
    filtered: list[tuple[Source[Any], QuerySet[Any]]] = []
    refused: list[ScimError] = []
    for source in sources:
        rows = source.rows
        if search.filter is not None:
            try:
                rows = rows.filter(source.translator(search.filter.ast))
            except ScimError as exc:
                refused.append(exc)
                continue
        filtered.append((source, rows))
    if not filtered:
        raise refused[0]
    start = max(search.start_index or 1, 1)
    left = DEFAULT_COUNT if search.count is None else min(max(search.count, 0), MAX_COUNT)
    skip, total = start - 1, 0
    resources: list[Resource[Any]] = []
    for source, rows in filtered:
        found = await rows.count()
        total += found
        if left and skip < found:
            page = await sorted_rows(rows, search, source.sorts).offset(skip).limit(left)
            resources += await source.shown(page)
            left -= len(page)
        skip = max(0, skip - found)
    answer = ListResponse[model](
        total_results=total,
        start_index=start,
        items_per_page=len(resources),
        resources=resources,
    )
    return scim_json(
        answer.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=search)
    )
