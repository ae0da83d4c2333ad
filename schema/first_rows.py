"""The first rows of a list for many parents at once, in one statement.

A page of parents (customers, relationships, webhook endpoints) asks each nested list for a
page of every parent's rows. One statement reads them all: a `UNION ALL` of one branch per
page asked, each the parent's own queryset (`WHERE customer_id = ?`, with whatever the
viewer's checks add) `[AND after the cursor] ORDER BY created_at DESC, id DESC LIMIT ?`,
which the (parent, created_at) index answers by reading that parent's first rows and
stopping. A window function (`ROW_NUMBER() OVER (PARTITION BY customer_id ...)`) would
number every row of every parent on the page first: ten times slower than this for
customers of 2,000 users each, and slower still as they grow. The statement is built with
Tortoise's query builder, so every value is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pypika_tortoise.terms import Parameterizer, Star, ValueWrapper
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.models import Model
from tortoise.queryset import QuerySet, ValuesListQuery

ModelT = TypeVar("ModelT", bound=Model)

_BRANCH = "_branch"


@dataclass(frozen=True, slots=True, eq=False)
class Rows(Generic[ModelT]):
    """Up to `limit` rows of `rows` (one parent's list, as the viewer may see it), newest
    first, that match `where`."""

    rows: QuerySet[ModelT]
    where: Q | None
    limit: int


async def _union(branches: Sequence[QuerySet[Any] | ValuesListQuery[Any]]) -> list[dict[str, Any]]:
    """The records of all `branches`, each with its number in `_branch`, in one statement."""
    if not branches:
        return []
    parts = []
    db = None
    for n, queryset in enumerate(branches):
        # Tortoise cannot join querysets in a UNION: take the query each one builds (its
        # filters, parameters and all) and join them through the connection's dialect.
        queryset._choose_db_if_not_chosen()
        queryset._make_query()
        db = queryset._db
        branch = queryset.query.as_(f"{_BRANCH}{n}")
        number = ValueWrapper(n, allow_parametrize=False).as_(_BRANCH)  # our own counter
        parts.append(db.query_class.from_(branch).select(Star(branch), number))
    assert db is not None
    # One parameterizer for the whole statement: the placeholders number on across branches
    parameterizer = Parameterizer()
    context = db.query_class.SQL_CONTEXT.copy(parameterizer=parameterizer)
    sql = " UNION ALL ".join(part.get_sql(context) for part in parts)
    records: list[dict[str, Any]] = await db.execute_query_dict(sql, parameterizer.values)
    return records


async def row_counts(lists: Sequence[QuerySet[Any]]) -> list[int]:
    """How many rows each of `lists` holds, in one statement of one indexed COUNT per list
    (a grouped COUNT over an IN list lets PostgreSQL pick a parallel scan of the whole table
    when the page's parents hold much of it)."""
    counts = [0 for _ in lists]
    branches = [rows.annotate(rows=Count("id")).values_list("rows") for rows in lists]
    for record in await _union(branches):
        counts[record[_BRANCH]] = record["rows"]
    return counts


async def first_rows(asked: Sequence[Rows[ModelT]]) -> list[list[ModelT]]:
    """The rows each of `asked` names (all of one model), in one statement."""
    branches = []
    for rows in asked:
        found = rows.rows if rows.where is None else rows.rows.filter(rows.where)
        branches.append(found.order_by("-created_at", "-id").limit(rows.limit))
    answer: list[list[ModelT]] = [[] for _ in asked]
    for record in await _union(branches):
        n = record[_BRANCH]
        answer[n].append(asked[n].rows.model._init_from_db(**record))
    for rows_of_one in answer:  # a UNION keeps no order: newest first again
        rows_of_one.sort(key=lambda row: (row.created_at, row.pk), reverse=True)  # type: ignore[attr-defined]
    return answer
