"""Inputs that several areas share."""

from __future__ import annotations

from uuid import UUID

import strawberry

from models.foundation.ids import require_id


@strawberry.input(description="Names one object by its ID; the mutation says of which type.")
class IdInput:
    id: strawberry.ID = strawberry.field(description="The object's opaque ID.")

    def uuid_of(self, type_name: str) -> UUID:
        """The UUID inside the ID, which must name a `type_name`: or NOT_FOUND naming `id`."""
        return require_id(type_name, self.id, "id")
