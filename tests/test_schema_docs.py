"""The schema documents itself: every type, field, argument and enum value has a description.

The descriptions are the API's documentation (GraphiQL, generated clients, schema diffs), so
a new name without one fails here, named, rather than reaching clients undocumented.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest
import strawberry

from schema import build_schema
from schema.enum_values import describe_values


def _undescribed(introspection: dict[str, Any]) -> list[str]:
    """Every name of the introspected schema that has no description, as `Type.field(arg)`."""
    missing: list[str] = []

    def check(what: dict[str, Any], name: str) -> None:
        if not (what.get("description") or "").strip():
            missing.append(name)

    for type_ in introspection["__schema"]["types"]:
        name = type_["name"]
        if name.startswith("__"):  # GraphQL's own introspection types
            continue
        check(type_, name)
        for field in type_.get("fields") or []:
            check(field, f"{name}.{field['name']}")
            for arg in field["args"]:
                check(arg, f"{name}.{field['name']}({arg['name']})")
        for field in type_.get("inputFields") or []:
            check(field, f"{name}.{field['name']}")
        for value in type_.get("enumValues") or []:
            check(value, f"{name}.{value['name']}")
    return missing


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    # Given the schema that the app serves, as a client allowed to introspect it reads it
    introspection = build_schema(production=True, introspection=True).introspect()

    # When every name in it is looked at
    missing = _undescribed(introspection)

    # Then none lacks a description
    assert missing == [], "Give these a description: " + ", ".join(missing)


@strawberry.enum(name="Mood")
class _Mood(StrEnum):
    CALM = "CALM"


@strawberry.type(name="Query")
class _Undocumented:
    @strawberry.field
    def mood(self, strength: int = 0) -> _Mood:
        return _Mood.CALM


def test_the_check_names_what_lacks_a_description() -> None:
    # Given a schema with an undescribed type, field, argument and enum value
    undocumented = strawberry.Schema(query=_Undocumented)

    # When it is checked
    missing = _undescribed(undocumented.introspect())

    # Then each is named
    assert sorted(missing) == ["Mood", "Mood.CALM", "Query", "Query.mood", "Query.mood(strength)"]


def test_a_description_for_a_value_an_enum_lacks_is_refused() -> None:
    # Given an exposed enum
    @strawberry.enum(description="A light.")
    class Light(StrEnum):
        RED = "RED"
        GREEN = "GREEN"

    # When a value it lacks is described (one renamed, say)
    # Then that is refused, naming it
    with pytest.raises(ValueError, match="Light has no value AMBER"):
        describe_values(Light, {"RED": "Stop.", "AMBER": "Slow down."})
