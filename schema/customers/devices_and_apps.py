"""What partners register or build for a customer: devices (OEM) and line-of-business apps (LOB)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from models.foundation.ids import encode_id
from models.tables import tenant as m
from schema.context import Info
from schema.customers.disclosure import disclosed_partner
from schema.organizations.types import Organization


@strawberry.type(description="A device of the customer in the device registry.")
class Device:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    serial_number: str = strawberry.field(description="The serial number, unique per customer.")
    hardware_hash: str = strawberry.field(description="The hardware hash that identifies it.")
    model: str = strawberry.field(description="The device model.")
    created_at: datetime = strawberry.field(description="When it was registered.")
    _partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: m.Device) -> Device:
        return cls(
            id=encode_id("Device", row.id),
            serial_number=row.serial_number,
            hardware_hash=row.hardware_hash,
            model=row.model,
            created_at=row.created_at,
            _partner_id=row.registered_by_partner_id,
        )

    @strawberry.field(
        description="The OEM partner that registered it; null when the customer did (and, to a "
        "partner's agents, when another partner did)."
    )
    async def registered_by_partner(self, info: Info) -> Organization | None:
        return await disclosed_partner(info, self._partner_id)


@strawberry.type(description="A line-of-business app made for the customer.")
class LobApp:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    name: str = strawberry.field(description="The app's name.")
    version: str = strawberry.field(description="The version of the package.")
    package_url: str = strawberry.field(description="Where the package is (https).")
    description: str = strawberry.field(description="What the app does; may be empty.")
    created_at: datetime = strawberry.field(description="When it was submitted.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    _partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: m.LobApp) -> LobApp:
        return cls(
            id=encode_id("LobApp", row.id),
            name=row.name,
            version=row.version,
            package_url=row.package_url,
            description=row.description,
            created_at=row.created_at,
            updated_at=row.updated_at,
            _partner_id=row.submitted_by_partner_id,
        )

    @strawberry.field(
        description="The LOB partner that submitted it; null when the customer did (and, to a "
        "partner's agents, when another partner did)."
    )
    async def submitted_by_partner(self, info: Info) -> Organization | None:
        return await disclosed_partner(info, self._partner_id)
