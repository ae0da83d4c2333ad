"""Resolvers called directly (`schema/execution.py`) answer exactly as through Strawberry's
wrapper: the same data and the same errors at the same paths; and only resolvers that need
nothing of the wrapper are called so (an argument, a permission class or another field
extension keeps it)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission
from strawberry.types.field import StrawberryField

from schema import build_schema
from schema.execution import PlainFieldsExecution, direct_resolvers


class Never(BasePermission):
    message = "Not for you."

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Item:
    name: str

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def context_word(self, info: strawberry.Info) -> str:
        return f"{info.context['word']} {info.path.key} {info.field_name}"

    @strawberry.field
    def parent_name(self, parent: strawberry.Parent[Item]) -> str:
        return parent.name * 2

    @strawberry.field
    @staticmethod
    def constant() -> int:
        return 7

    @strawberry.field
    async def later(self, info: strawberry.Info) -> str:
        return f"{self.name} {info.context['word']}"

    @strawberry.field
    def broken(self) -> str:
        raise ValueError(f"{self.name} is broken")

    @strawberry.field
    def nothing(self) -> str:
        return None  # type: ignore[return-value]  # a null in a non-null field

    @strawberry.field
    def repeated(self, times: int = 2) -> str:
        return self.name * times

    @strawberry.field(permission_classes=[Never])  # type: ignore[untyped-decorator]
    def secret(self) -> str:
        return "secret"


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(name="a"), Item(name="b")]


DIRECT = {"shout", "contextWord", "parentName", "constant", "later", "broken", "nothing"}
QUERY = """{ items { name shout contextWord parentName constant later repeated(times: 3)
  ... on Item { sure: shout } } }"""
FAILING = ["{ items { name broken } }", "{ items { nothing } }", "{ items { name secret } }"]


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    direct = strawberry.Schema(query=Query, execution_context_class=PlainFieldsExecution)
    direct_resolvers(direct)
    usual = strawberry.Schema(query=Query, execution_context_class=PlainFieldsExecution)
    return direct, usual


def _made_direct(schema: strawberry.Schema, type_name: str) -> set[str]:
    fields = schema._schema.type_map[type_name].fields  # type: ignore[attr-defined]
    return {
        name
        for name, field in fields.items()
        if field.resolve is not None and field.resolve.__qualname__.startswith("direct_resolver")
    }


def test_only_resolvers_that_need_nothing_of_the_wrapper_are_called_directly() -> None:
    direct, usual = _schemas()
    assert _made_direct(direct, "Item") == DIRECT
    assert _made_direct(usual, "Item") == set()


async def test_answers_are_the_same_as_through_the_wrapper() -> None:
    answers = []
    for schema in _schemas():
        answer = await schema.execute(QUERY, context_value={"word": "hi"})
        assert answer.errors is None
        answers.append(answer.data)
    assert answers[0] == answers[1]
    assert answers[0] == {
        "items": [
            {
                "name": name,
                "shout": name.upper(),
                "contextWord": "hi contextWord contextWord",
                "parentName": name * 2,
                "constant": 7,
                "later": f"{name} hi",
                "repeated": name * 3,
                "sure": name.upper(),
            }
            for name in ("a", "b")
        ]
    }


async def test_errors_are_the_same_at_the_same_paths() -> None:
    for query in FAILING:
        seen = []
        for schema in _schemas():
            answer = await schema.execute(query, context_value={"word": "hi"})
            seen.append((answer.data, [(e.message, e.path) for e in answer.errors or []]))
        assert seen[0] == seen[1]
        assert seen[0][1], query  # each of them fails
    secret = await _schemas()[0].execute(FAILING[2])
    assert [e.message for e in secret.errors or []] == ["Not for you."]  # the list is null


def test_partnerhub_calls_plain_relations_directly_and_keeps_the_wrapper_where_needed() -> None:
    schema = build_schema(production=True)
    assert {"customer", "partner", "agreement", "types"} <= _made_direct(schema, "Relationship")
    relationship = schema._schema.type_map["Relationship"].fields  # type: ignore[attr-defined]
    # `roleGrants` takes an argument (`status`), which Strawberry's wrapper converts.
    assert "roleGrants" not in _made_direct(schema, "Relationship")
    assert relationship["roleGrants"].args
    definition = relationship["customer"].extensions["strawberry-definition"]
    assert isinstance(definition, StrawberryField)
    assert not definition.extensions
