"""Data loaders by key, made for any model: one query a batch, results in key order.

A request's `Loaders` builds its loaders from these, so that each relation costs one query
however many parents ask, and no loader is shared between requests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Generator, Hashable
from typing import Any, Generic, TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader
from tortoise.models import Model

ModelT = TypeVar("ModelT", bound=Model)
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")


def by_key(model: type[ModelT], column: str = "id") -> DataLoader[Any, ModelT | None]:
    """The row of each key, by `column` (the primary key unless named), or None: one query a
    batch, results in key order. Unchecked: only for rows whose parent the viewer may see."""

    async def load(keys: list[Any]) -> list[ModelT | None]:
        rows = await model.filter(**{f"{column}__in": keys})
        found = {getattr(row, column): row for row in rows}
        return [found.get(key) for key in keys]

    return DataLoader(load)


def grouped_by(
    model: type[ModelT], column: str, *order_by: str, related: tuple[str, ...] = ()
) -> DataLoader[UUID, list[ModelT]]:
    """Every row of each key, by `column`, in `order_by` order, with the `related` rows
    joined: one query a batch."""

    async def load(keys: list[UUID]) -> list[list[ModelT]]:
        rows = (
            await model.filter(**{f"{column}__in": keys})
            .select_related(*related)
            .order_by(*order_by)
        )
        groups: dict[UUID, list[ModelT]] = defaultdict(list)
        for row in rows:
            groups[getattr(row, column)].append(row)
        return [groups[key] for key in keys]

    return DataLoader(load)


def loaded(loader: DataLoader[K, V], key: K, shape: Callable[[V], R]) -> R | Awaitable[R]:
    """`shape` of what `loader` gives for `key`: at once when the loader holds it already (a
    page loaded its rows' relations first), so that the field resolves without an awaitable,
    which graphql-core pays for with a task per row of a list; else once it has loaded."""
    future = loader.cache_map.get(key) if loader.cache else None
    if future is not None and future.done() and not future.cancelled() and not future.exception():
        return shape(future.result())
    return _Shaped(loader.load(key), shape)


class _Shaped(Generic[V, R]):
    """`shape` of `value` once awaited. Not a coroutine: a request cut short (a client that
    went away, an error in a sibling field) may drop it unawaited, and that is no fault."""

    __slots__ = ("_shape", "_value")

    def __init__(self, value: Awaitable[V], shape: Callable[[V], R]) -> None:
        self._value = value
        self._shape = shape

    def __await__(self) -> Generator[Any, None, R]:
        value = yield from self._value.__await__()
        return self._shape(value)
