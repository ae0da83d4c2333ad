"""The first rows of a list for many customers at once, in one statement.

A page of customers asks each nested list for a page of every customer's rows. One
statement reads them all: a `UNION ALL` of one branch per page asked, each `WHERE
customer_id = ? [AND after the cursor] ORDER BY created_at DESC, id DESC LIMIT ?`, which the
(customer_id, created_at) index answers by reading that customer's first rows and stopping.
A window function (`ROW_NUMBER() OVER (PARTITION BY customer_id ...)`) would number every row
of every customer on the page first: ten times slower than this for customers of 2,000 users
each, and slower still as they grow. The statement is built with Tortoise's query builder,
so every value is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

from pypika_tortoise.terms import Parameterizer, Star, ValueWrapper
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.models import Model

ModelT = TypeVar("ModelT", bound=Model)

_BRANCH = "_branch"


@dataclass(frozen=True, slots=True)
class Rows(Generic[ModelT]):
    """Up to `limit` rows of `model` of one customer, newest first, that match `where`."""

    model: type[ModelT]
    customer_id: UUID
    where: Q | None
    limit: int


async def row_counts(model: type[Model], customer_ids: Sequence[UUID]) -> list[int]:
    """How many rows of `model` each customer holds, in one statement of one indexed COUNT
    per customer (a grouped COUNT over an IN list lets PostgreSQL pick a parallel scan of
    the whole table when the page's customers hold much of it)."""
    branches = []
    db = None
    for n, customer_id in enumerate(customer_ids):
        counted = (
            model.filter(customer_id=customer_id).annotate(rows=Count("id")).values_list("rows")
        )
        counted._choose_db_if_not_chosen()
        counted._make_query()
        db = counted._db
        branch = counted.query.as_(f"{_BRANCH}{n}")
        number = ValueWrapper(n, allow_parametrize=False).as_(_BRANCH)
        branches.append(db.query_class.from_(branch).select(Star(branch), number))
    counts = [0 for _ in customer_ids]
    if db is None:
        return counts
    parameterizer = Parameterizer()
    context = db.query_class.SQL_CONTEXT.copy(parameterizer=parameterizer)
    sql = " UNION ALL ".join(branch.get_sql(context) for branch in branches)
    for record in await db.execute_query_dict(sql, parameterizer.values):
        counts[record[_BRANCH]] = record["rows"]
    return counts


async def first_rows(asked: Sequence[Rows[ModelT]]) -> list[list[ModelT]]:
    """The rows each of `asked` names (all of one model), in one statement."""
    branches = []
    db = None
    for n, rows in enumerate(asked):
        found = rows.model.filter(customer_id=rows.customer_id)
        if rows.where is not None:
            found = found.filter(rows.where)
        found = found.order_by("-created_at", "-id").limit(rows.limit)
        # Tortoise cannot join querysets in a UNION: take the query each one builds (its
        # filters, parameters and all) and join them through the connection's dialect.
        found._choose_db_if_not_chosen()
        found._make_query()
        db = found._db
        branch = found.query.as_(f"{_BRANCH}{n}")
        number = ValueWrapper(n, allow_parametrize=False).as_(_BRANCH)  # our own counter
        branches.append(db.query_class.from_(branch).select(Star(branch), number))
    answer: list[list[ModelT]] = [[] for _ in asked]
    if db is None:
        return answer
    # One parameterizer for the whole statement: the placeholders number on across branches
    parameterizer = Parameterizer()
    context = db.query_class.SQL_CONTEXT.copy(parameterizer=parameterizer)
    sql = " UNION ALL ".join(branch.get_sql(context) for branch in branches)
    for record in await db.execute_query_dict(sql, parameterizer.values):
        n = record[_BRANCH]
        answer[n].append(asked[n].model._init_from_db(**record))
    for rows_of_one in answer:  # a UNION keeps no order: newest first again
        rows_of_one.sort(key=lambda row: (row.created_at, row.pk), reverse=True)  # type: ignore[attr-defined]
    return answer
