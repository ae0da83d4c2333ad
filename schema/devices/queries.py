"""The devices an OEM partner registered for a customer."""

from __future__ import annotations

import strawberry

from models.rules import devices as rules
from schema.context import Info
from schema.customers.devices_and_apps import Device
from schema.guards import CustomerId, allowed, customer_uuid
from schema.pagination import After, Connection, First, paginate


@strawberry.type
class DeviceQueries:
    @strawberry.field(
        description="For an OEM partner's agents: the devices it registered for the customer, "
        "newest first. FORBIDDEN for anyone else. The customer's admins read all of its "
        "devices as `customer(id:) { devices }`."
    )
    async def devices(
        self, info: Info, customer_id: CustomerId, first: First = None, after: After = None
    ) -> Connection[Device]:
        actor = info.context.actor()
        queryset = await allowed(rules.partner_devices(actor, customer_uuid(customer_id)))
        return await paginate(queryset, first, after, Device.of)
