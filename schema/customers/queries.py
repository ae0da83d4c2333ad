"""Reading a customer's data: one customer, the customers a viewer may open, billing pages."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from models.foundation.clock import utcnow
from models.foundation.ids import decode_id
from models.policy.customer_access import (
    CustomerAccess,
    customer_access,
    customers_access,
    readable_directory_group,
)
from models.reference.capabilities import BillingPage, billing_pages
from models.reference.enums import RelationshipStatus
from models.tables.organizations import Organization
from models.tables.relationships import Relationship
from schema.context import Info
from schema.customers import enums as _enums  # noqa: F401  (registers BillingPage)
from schema.customers.people import DirectoryGroup
from schema.customers.types import Customer
from schema.guards import CustomerId, opens_list
from schema.pagination import After, Connection, First, paginate


async def _access(info: Info, id_: str) -> CustomerAccess | None:
    actor = info.context.actor()
    customer_id = decode_id("Organization", id_)
    if customer_id is None:
        return None
    return await customer_access(actor, customer_id, utcnow())


@strawberry.type
class CustomerQueries:
    @strawberry.field(
        description="A customer's data: for its own admins, and for the agents of a partner in "
        "an active relationship with it (and either's API clients). Null for anyone else."
    )
    async def customer(self, info: Info, id: CustomerId) -> Customer | None:
        access = await _access(info, id)
        return Customer.of(access) if access else None

    @strawberry.field(
        description="The customers the viewer may open: a partner's customers in an active "
        "relationship (newest relationship first), or a customer admin's own organization (and "
        "either's API clients granted RELATIONSHIPS_READ); FORBIDDEN for anyone else.",
        extensions=opens_list("customers"),
    )
    async def customers(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Customer]:
        actor = info.context.actor()
        now = utcnow()
        page: Connection[Any]
        if actor.is_partner:  # its agents, or its API clients (the list's rule let them in)
            relationships = Relationship.filter(
                partner_id=actor.organization_id, status=RelationshipStatus.ACTIVE
            )
            page = await paginate(relationships, first, after, lambda r: r.customer_id)
        else:
            own = await customers_access(actor, [actor.organization_id], now)
            page = await paginate(
                Organization.filter(id__in=list(own)), first, after, lambda o: o.id
            )
        accesses = await customers_access(actor, [edge.node for edge in page.edges], now)
        for edge in page.edges:
            edge.node = Customer.of(accesses[edge.node])
        return page

    @strawberry.field(
        description="A group of a customer's directory (as `Customer.groups` lists it), by its "
        "ID: for those who read the customer's users (READ_USERS: its admins by their roles, "
        "a partner's agents within the roles the customer granted, and their API clients). "
        "Null for anyone else, and for a partner's security group (`securityGroup` reads "
        "those)."
    )
    async def directory_group(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The group's `SecurityGroup` ID.")
        ],
    ) -> DirectoryGroup | None:
        actor = info.context.actor()
        group_id = decode_id("SecurityGroup", id)
        if group_id is None:
            return None
        group = await readable_directory_group(actor, group_id, utcnow())
        return DirectoryGroup.of(group) if group else None

    @strawberry.field(
        description="The billing pages the viewer may open for a customer. Under AOBO never "
        "PURCHASE_SERVICES, YOUR_PRODUCTS or BILLS_AND_PAYMENTS. Empty for a customer that is "
        "not the viewer's to see."
    )
    async def billing_pages(self, info: Info, customer_id: CustomerId) -> list[BillingPage]:
        access = await _access(info, customer_id)
        if access is None:
            return []
        return billing_pages(access.capabilities, on_behalf=access.on_behalf)
