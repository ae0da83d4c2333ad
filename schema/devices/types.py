"""The device registration's input and payload; the `Device` is `schema.customers.types`'."""

from __future__ import annotations

import strawberry

from schema.customers.devices_and_apps import Device
from schema.errors import UserError
from schema.global_ids import GlobalId


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
    customer = GlobalId("Organization", "customer_id")


@strawberry.type(description="The result of registering a device.")
class DevicePayload:
    device: Device | None = strawberry.field(description="The device registered.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
