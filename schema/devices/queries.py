"""Devices: those an OEM partner registered for a customer, and a customer's own."""

from __future__ import annotations

import strawberry

from models.policy import own_customer_data
from models.rules import devices as rules
from models.tenant import Device as DeviceRow
from schema.context import Info
from schema.devices.types import Device
from schema.guards import CustomerId, allowed, customer_uuid
from schema.pagination import After, Connection, First, paginate


@strawberry.type
class DeviceQueries:
    @strawberry.field(
        description="For an OEM partner's agents: the devices it registered for the customer, "
        "newest first. FORBIDDEN for anyone else."
    )
    async def devices(
        self, info: Info, customer_id: CustomerId, first: First = None, after: After = None
    ) -> Connection[Device]:
        actor = info.context.actor()
        queryset = await allowed(rules.partner_devices(actor, customer_uuid(customer_id)))
        return await paginate(queryset, first, after, Device.of)

    @strawberry.field(
        description="A customer admin's own organization's devices, whoever registered them, "
        "newest first."
    )
    async def my_devices(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Device]:
        queryset = own_customer_data(info.context.actor(), DeviceRow)
        return await paginate(queryset, first, after, Device.of)
