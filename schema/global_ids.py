"""Global IDs in mutation inputs, decoded in one place.

An input declares, beside each field that carries a global ID, which type the ID must name:

    relationship_id: strawberry.ID = strawberry.field(description="The relationship.")
    relationship = GlobalId("Relationship", "relationship_id")

`input.relationship` is then the UUID inside it, or a NOT_FOUND refusal naming the field
(`relationshipId`), which `perform()` turns into a payload error like any other refusal. The
descriptor is not a dataclass field, so Strawberry leaves it out of the schema.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload
from uuid import UUID

from strawberry.utils.str_converters import to_camel_case

from models.foundation.ids import require_id

Self = TypeVar("Self", bound="_Decoded[Any]")
T = TypeVar("T")


class _Decoded(Generic[T]):
    def __init__(self, type_name: str, field: str) -> None:
        self.type_name = type_name
        self.field = field

    @overload
    def __get__(self: Self, instance: None, owner: type) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type) -> T: ...

    def __get__(self, instance: object | None, owner: type) -> Any:
        if instance is None:
            return self
        return self._decode(getattr(instance, self.field))

    def _decode(self, value: Any) -> T:
        raise NotImplementedError

    def _require(self, value: str) -> UUID:
        return require_id(self.type_name, value, to_camel_case(self.field))


class GlobalId(_Decoded[UUID]):
    """The UUID inside a required global-ID field of `type_name`; NOT_FOUND naming the field
    when the ID is malformed or names another type."""

    def _decode(self, value: Any) -> UUID:
        return self._require(value)


class OptionalGlobalId(_Decoded[UUID | None]):
    """As `GlobalId`, for an optional field: None when the client left it out."""

    def _decode(self, value: Any) -> UUID | None:
        return None if value is None else self._require(value)
