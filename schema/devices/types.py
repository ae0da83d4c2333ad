"""Devices of the device registry as GraphQL types, and the registration input."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from models import tenant as m
from schema.context import Info
from schema.errors import UserError
from schema.ids import encode_id
from schema.organizations.types import Organization, load_organization


@strawberry.type(description="A device of a customer in the device registry.")
class Device:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    serial_number: str = strawberry.field(description="The manufacturer's serial number.")
    hardware_hash: str = strawberry.field(description="The device's hardware hash (base64).")
    model: str = strawberry.field(description="The device's model.")
    created_at: datetime = strawberry.field(description="When it was registered.")
    _partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, device: m.Device) -> Device:
        return cls(
            id=encode_id("Device", device.id),
            serial_number=device.serial_number,
            hardware_hash=device.hardware_hash,
            model=device.model,
            created_at=device.created_at,
            _partner_id=device.registered_by_partner_id,  # type: ignore[attr-defined]
        )

    @strawberry.field(description="The OEM partner that registered it; null when the customer did.")
    async def registered_by_partner(self, info: Info) -> Organization | None:
        return await load_organization(info, self._partner_id)


@strawberry.input(description="A device an OEM partner registers for a customer.")
class RegisterDeviceInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer it is for.")
    serial_number: str = strawberry.field(
        description="The serial number: 1 to 100 characters, once per customer."
    )
    hardware_hash: str = strawberry.field(
        description="The hardware hash (base64), once in the whole registry."
    )
    model: str = strawberry.field(description="The model: 1 to 200 characters.")


@strawberry.type(description="The result of registering a device.")
class DevicePayload:
    device: Device | None = strawberry.field(description="The device registered.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
