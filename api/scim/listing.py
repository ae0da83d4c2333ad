"""Listing SCIM resources: the query's parameters (or a `.search` body), its filter as a
database query, one page of rows by `startIndex` and `count`, and the `ListResponse`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pydantic import ValidationError
from scim2_models import Context, ListResponse, Resource, SearchRequest
from starlette.requests import Request
from starlette.responses import Response
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api.scim.filters import Translator
from api.scim.protocol import ScimError, from_validation, scim_json

DEFAULT_COUNT = 100
MAX_COUNT = 200

RowT = TypeVar("RowT", bound=Model)


def search_of(model: type[Resource[Any]], values: dict[str, Any]) -> SearchRequest[Any]:
    """The search a query string or a `.search` body asks for, checked against `model`."""
    if "sortBy" in values or "sortOrder" in values:
        raise ScimError(
            400, "Sorting is not supported (see ServiceProviderConfig).", "invalidValue"
        )
    try:
        search: SearchRequest[Any] = SearchRequest[model].model_validate(  # type: ignore[valid-type]
            values, scim_ctx=Context.SEARCH_REQUEST
        )
    except ValidationError as exc:
        raise from_validation(exc) from exc
    return search


async def list_page(
    request: Request,
    search: SearchRequest[Any],
    model: type[Resource[Any]],
    rows: QuerySet[RowT],
    translator: Translator,
    shown: Callable[[Sequence[RowT]], Awaitable[Sequence[Resource[Any]]]],
) -> Response:
    """One page of `rows` matching the search's filter, oldest first, as a ListResponse."""
    if search.filter is not None:
        rows = rows.filter(translator(search.filter.ast))
    start = max(search.start_index or 1, 1)
    count = DEFAULT_COUNT if search.count is None else min(max(search.count, 0), MAX_COUNT)
    total = await rows.count()
    page: list[RowT] = []
    if count:
        page = await rows.order_by("created_at", "id").offset(start - 1).limit(count)
    resources = await shown(page)
    answer = ListResponse[model](  # type: ignore[valid-type]
        total_results=total,
        start_index=start,
        items_per_page=len(resources),
        resources=list(resources),
    )
    return scim_json(
        answer.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=search)
    )
