"""GraphQL enums whose every value says what it means.

The domain's enums are plain `StrEnum`s that the rules, the tables and the workers share;
their values' meanings are kept as data beside them and attached here, when the enum is
exposed, because a value's name alone ("REVOKING", "FIXED") does not tell a client what to
do with it. `tests/test_schema_docs.py` fails on any value left without a description.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry

M = TypeVar("M", bound=Enum)


def describe_values(exposed: type[M], values: Mapping[M, str] | Mapping[str, str]) -> None:
    """Give the values of an enum already exposed with `strawberry.enum` their descriptions,
    by value name. A description for a value the enum does not have is refused at once: it
    is a value renamed or removed whose documentation would silently go stale."""
    definition = exposed.__strawberry_definition__  # type: ignore[attr-defined]
    names = {value.name for value in definition.values}
    by_name = {key.name if isinstance(key, Enum) else key: text for key, text in values.items()}
    stale = [name for name in by_name if name not in names]
    if stale:
        raise ValueError(f"{definition.name} has no value {', '.join(stale)}")
    for value in definition.values:
        value.description = by_name.get(value.name, value.description)


def described_enum(
    enum_type: type[M],
    description: str,
    values: Mapping[M, str] | Mapping[str, str],
    *,
    name: str | None = None,
) -> type[M]:
    """`strawberry.enum`, with a description on each of its values as well."""
    exposed = strawberry.enum(enum_type, name=name, description=description)
    describe_values(exposed, values)
    return exposed
