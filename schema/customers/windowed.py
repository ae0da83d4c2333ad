"""The first rows of a list for many customers at once, in one query.

A page of customers asks each nested list for a page of every customer's rows. One query
numbers each customer's rows, newest first (`ROW_NUMBER() OVER (PARTITION BY customer_id
ORDER BY created_at DESC, id DESC)`, SQLite 3.25+ and PostgreSQL) and keeps those numbered up
to the limit: a customer's page costs its own rows, however many rows the others hold. The
query is built with Tortoise's query builder, so every value is a bound parameter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import TypeVar
from uuid import UUID

from pypika_tortoise.analytics import RowNumber
from pypika_tortoise.enums import Order
from pypika_tortoise.terms import Field, ValueWrapper
from tortoise.expressions import Q
from tortoise.models import Model

ModelT = TypeVar("ModelT", bound=Model)

_ROW_NUMBER = "_row_number"


async def first_rows_per_customer(
    model: type[ModelT], customer_ids: Collection[UUID], where: Q | None, limit: int
) -> dict[UUID, list[ModelT]]:
    """Up to `limit` rows of `model` for each customer, newest first, that match `where`."""
    if not customer_ids or limit <= 0:
        return {}
    table = model._meta.basetable
    numbered = RowNumber().over(table.customer_id)
    numbered = numbered.orderby(table.created_at, order=Order.desc)
    numbered = numbered.orderby(table.id, order=Order.desc)
    rows = model.filter(customer_id__in=list(customer_ids))
    if where is not None:
        rows = rows.filter(where)
    rows = rows.annotate(**{_ROW_NUMBER: numbered})
    # Tortoise cannot select from a derived table: wrap its own query (the filters above,
    # parameters and all) in one, through the connection's dialect.
    rows._choose_db_if_not_chosen()
    rows._make_query()
    db = rows._db
    inner = rows.query.as_("numbered")
    columns = [Field(column, table=inner) for column in model._meta.db_fields]
    query = (
        db.query_class.from_(inner)
        .select(*columns)
        .where(Field(_ROW_NUMBER, table=inner) <= ValueWrapper(limit))
        .orderby(Field(_ROW_NUMBER, table=inner))
    )
    sql, params = query.get_parameterized_sql()
    found: dict[UUID, list[ModelT]] = defaultdict(list)
    for record in await db.execute_query_dict(sql, params):
        row = model._init_from_db(**record)
        found[row.customer_id].append(row)  # type: ignore[attr-defined]
    return found
