"""Plain fields (read straight off their object) answer exactly as graphql-core's own
execution would: the same data, and the same errors at the same paths when a value does not
fit its type."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.execution import PlainFieldsExecution, plain_field


@strawberry.enum
class Colour(Enum):
    RED = "RED"
    BLUE = "BLUE"


@strawberry.type
class Item:
    name: str
    nickname: str | None
    colour: Colour
    colours: list[Colour]
    maybe: list[str | None] | None
    at: datetime
    count: int

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


def _item(**changes: Any) -> Item:
    values: dict[str, Any] = {
        "name": "a",
        "nickname": None,
        "colour": Colour.RED,
        "colours": [Colour.BLUE, Colour.RED],
        "maybe": ["x", None],
        "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "count": 3,
    }
    values.update(changes)
    return Item(**values)


def _schemas(items: list[Item]) -> tuple[strawberry.Schema, strawberry.Schema]:
    @strawberry.type
    class Query:
        @strawberry.field
        def items(self) -> list[Item]:
            return items

    return (
        strawberry.Schema(query=Query, execution_context_class=PlainFieldsExecution),
        strawberry.Schema(
            query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext
        ),
    )


QUERY = "{ items { name nickname colour colours maybe at count shout __typename } }"


async def _both(items: list[Item]) -> tuple[dict[str, Any], dict[str, Any]]:
    short, usual = _schemas(items)
    answers = [await schema.execute(QUERY) for schema in (short, usual)]
    return tuple(  # type: ignore[return-value]
        {
            "data": answer.data,
            "errors": [(e.message, e.path) for e in answer.errors or []],
        }
        for answer in answers
    )


def test_which_fields_are_plain() -> None:
    short, _ = _schemas([])
    fields = short._schema.type_map["Item"].fields  # type: ignore[attr-defined]
    assert {name for name, field in fields.items() if plain_field(field)} == {
        "name",
        "nickname",
        "colour",
        "colours",
        "maybe",
        "at",
        "count",
    }


async def test_plain_values_answer_as_graphql_core_does() -> None:
    short, usual = await _both([_item(), _item(name="b", nickname="bee", maybe=None)])
    assert short == usual
    assert short["errors"] == []
    assert short["data"]["items"][0]["colours"] == ["BLUE", "RED"]


async def test_a_null_in_a_non_null_field_is_graphql_cores_error_at_its_path() -> None:
    short, usual = await _both([_item(), _item(name=None)])
    assert short == usual
    assert short["data"] is None  # the list's items are non-null too: the null climbs up
    assert short["errors"] == [
        ("Cannot return null for non-nullable field Item.name.", ["items", 1, "name"])
    ]


async def test_a_value_its_type_refuses_is_graphql_cores_error() -> None:
    for bad in (_item(count="many"), _item(colours=[Colour.RED, None]), _item(colour="GREEN")):
        short, usual = await _both([bad])
        assert short == usual
        assert short["errors"], bad
