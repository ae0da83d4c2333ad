"""The customer's directory users, as partners and admins see them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from models.foundation.ids import encode_id
from models.tables import tenant as m
from schema.context import Info
from schema.customers.disclosure import disclosed_partner
from schema.organizations.types import Organization


@strawberry.type(description="A user of the customer's directory.")
class DirectoryUser:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    display_name: str = strawberry.field(description="The user's name.")
    user_principal_name: str = strawberry.field(description="The sign-in name (UPN).")
    enabled: bool = strawberry.field(description="Whether the user may sign in.")
    is_admin: bool = strawberry.field(
        description="Whether the user holds admin roles (a helpdesk may not reset it)."
    )
    password_reset_at: datetime | None = strawberry.field(
        description="When the password was last reset here."
    )
    created_at: datetime = strawberry.field(description="When the user was added.")
    _reset_by_partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: m.DirectoryUser) -> DirectoryUser:
        return cls(
            id=encode_id("DirectoryUser", row.id),
            display_name=row.display_name,
            user_principal_name=row.user_principal_name,
            enabled=row.enabled,
            is_admin=row.is_admin,
            password_reset_at=row.password_reset_at,
            created_at=row.created_at,
            _reset_by_partner_id=row.password_reset_by_partner_id,
        )

    @strawberry.field(
        description="The partner whose agent last reset the password on the customer's behalf "
        "(to a partner's agents, only their own organization)."
    )
    async def password_reset_by_partner(self, info: Info) -> Organization | None:
        return await disclosed_partner(info, self._reset_by_partner_id)
