"""Registering a device for a customer."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.operation import Operation
from models.rules import devices as rules
from models.tables.tenant import Device as DeviceRow
from schema.context import Info
from schema.customers.devices_and_apps import Device
from schema.devices.types import DevicePayload, RegisterDeviceInput
from schema.mutations import perform


@strawberry.type
class DeviceMutations:
    @strawberry.mutation(
        description="An OEM partner's agent registers a device for the customer; no role "
        "grant is needed. A serial number already registered for the customer, or a hardware "
        "hash already in the registry, is refused."
    )
    async def register_device(
        self,
        info: Info,
        input: Annotated[
            RegisterDeviceInput,
            strawberry.argument(
                description="The customer, and the device's serial number, hardware hash and model."
            ),
        ],
    ) -> DevicePayload:
        async def action(op: Operation) -> DeviceRow:
            request = rules.DeviceRequest(
                customer_id=input.customer,
                serial_number=input.serial_number,
                hardware_hash=input.hardware_hash,
                model=input.model,
            )
            return await rules.register_device(op, request)

        found, errors = await perform(info, action)
        return DevicePayload(device=Device.of(found) if found else None, errors=errors)
