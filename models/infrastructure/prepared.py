"""Selects that Tortoise builds once per SQL dialect, then runs again with new values.

Building a queryset with joins (its pypika query, then its SQL text) costs more Python time
than the indexed statement it sends: for the bearer token's lookup, which every signed-in
request makes, it was about a quarter of a `{ viewer { id } }` request. A `PreparedSelect`
asks Tortoise for the SQL once per dialect, with a marker where each value goes, and then
only substitutes the values and hydrates the rows as the queryset itself would, its
`select_related` objects included. Tortoise still writes the SQL and reads the rows; the
parameters still travel apart from the text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.router import router

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Statement:
    sql: str
    # Each parameter: the index of the caller's value it takes, or a constant of the query.
    parameters: tuple[int | tuple[Any], ...]
    select_related_idx: list[Any]


class PreparedSelect(Generic[M]):
    """The rows of `build(*values)`, a queryset whose `values` are each the whole value of a
    text filter (`token_hash=value`): built and turned into SQL once per dialect."""

    def __init__(self, model: type[M], build: Callable[..., QuerySet[M]], arity: int) -> None:
        self._model = model
        self._build = build
        self._markers = tuple(f"\x00prepared value {n}\x00" for n in range(arity))
        self._statements: dict[str, _Statement] = {}

    def _db(self) -> BaseDBAsyncClient:
        """The connection the queryset would use now (a transaction's, inside one)."""
        db: BaseDBAsyncClient | None = router.db_for_read(self._model)
        return db or self._model._meta.db

    def _statement(self, db: BaseDBAsyncClient) -> _Statement:
        dialect = db.capabilities.dialect
        statement = self._statements.get(dialect)
        if statement is None:
            queryset = self._build(*self._markers)
            queryset._db = db
            queryset._make_query()
            sql, values = queryset.query.get_parameterized_sql()
            positions = {marker: n for n, marker in enumerate(self._markers)}
            parameters = tuple(positions.get(value, (value,)) for value in values)
            if sorted(p for p in parameters if isinstance(p, int)) != list(range(len(positions))):
                raise ValueError(f"each value must appear once in the query: {sql}")
            statement = _Statement(sql, parameters, list(queryset._select_related_idx))
            self._statements[dialect] = statement
        return statement

    async def all(self, *values: str) -> list[M]:
        db = self._db()
        statement = self._statement(db)
        parameters: Sequence[Any] = [
            values[p] if isinstance(p, int) else p[0] for p in statement.parameters
        ]
        executor = db.executor_class(
            model=self._model, db=db, select_related_idx=statement.select_related_idx
        )
        rows: list[M] = await executor.execute_select(statement.sql, list(parameters))
        return rows

    async def first(self, *values: str) -> M | None:
        rows = await self.all(*values)
        return rows[0] if rows else None
