"""A customer's data as GraphQL types: the `Customer` and what it holds.

Each nested list checks the viewer's capability for the customer (the capability table): a
list the viewer may not read is null, with a FORBIDDEN error at its path.
"""

from __future__ import annotations

from typing import Any

import strawberry

from models.foundation.ids import encode_id
from models.policy.customer_access import CustomerAccess
from models.reference.capabilities import BillingPage, Capability, billing_pages
from models.reference.catalog import AdminRole
from schema.context import Info
from schema.customers import enums as _enums  # noqa: F401  (registers the enums)
from schema.customers.billing import BillingNotification, Invoice, Purchase
from schema.customers.devices_and_apps import Device, LobApp
from schema.customers.licensing import Domain, LicenseAssignment, Subscription
from schema.customers.loaders import CustomerDataLoaders
from schema.customers.people import DirectoryGroup, DirectoryUser
from schema.customers.support import SupportIncident
from schema.guards import denial_forbidden
from schema.organizations.types import load_organization
from schema.pagination import After, Connection, First
from schema.relay import Node


@strawberry.type(
    description="A customer organization's data, as the viewer may see it: its own admins by "
    "their roles, a partner's agents on its behalf by their effective roles. A list the "
    "viewer's roles do not open is null, with a FORBIDDEN error."
)
class Customer(Node):
    id: strawberry.ID = strawberry.field(description="The customer organization's ID.")
    _id: strawberry.Private[Any]
    _access: strawberry.Private[CustomerAccess]

    @classmethod
    def of(cls, access: CustomerAccess) -> Customer:
        return cls(
            id=encode_id("Organization", access.customer_id),
            _id=access.customer_id,
            _access=access,
        )

    def _lists(self, info: Info, capability: Capability) -> CustomerDataLoaders:
        """The request's loaders of customers' data, once the viewer may read this list."""
        with denial_forbidden():
            self._access.require(capability)
        return info.context.loaders.customer_data

    @strawberry.field(description="The customer organization's name.")
    async def name(self, info: Info) -> str:
        org = await load_organization(info, self._id)
        assert org is not None
        return org.name

    @strawberry.field(
        description="Whether the viewer is a partner agent acting on behalf of the customer."
    )
    def on_behalf(self) -> bool:
        return self._access.on_behalf

    @strawberry.field(
        description="The admin roles the viewer holds for this customer: its own for the "
        "customer's admins; for a partner agent, the roles assigned to its groups that an "
        "active grant still gives."
    )
    def roles(self) -> list[AdminRole]:
        return sorted(self._access.roles)

    @strawberry.field(description="What the viewer may do with this customer's data.")
    def capabilities(self) -> list[Capability]:
        return [c for c in Capability if c in self._access.capabilities]

    @strawberry.field(description="The billing pages the viewer may open for this customer.")
    def billing_pages(self) -> list[BillingPage]:
        return billing_pages(self._access.capabilities, on_behalf=self._access.on_behalf)

    @strawberry.field(description="The directory's users, newest first (READ_USERS).")
    async def users(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[DirectoryUser] | None:
        rows = self._lists(info, Capability.READ_USERS).users
        return await rows.connection(self._id, first, after, DirectoryUser.of)

    @strawberry.field(
        description="The directory's groups (SCIM Groups of its identity provider), newest "
        "first, with their members (READ_USERS, as the users are)."
    )
    async def groups(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[DirectoryGroup] | None:
        rows = self._lists(info, Capability.READ_USERS).groups
        return await rows.connection(self._id, first, after, DirectoryGroup.of)

    @strawberry.field(description="The subscriptions, newest first (READ_LICENSES).")
    async def subscriptions(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Subscription] | None:
        rows = self._lists(info, Capability.READ_LICENSES).subscriptions
        return await rows.connection(self._id, first, after, Subscription.of)

    @strawberry.field(description="Licenses assigned to users, newest first (READ_LICENSES).")
    async def licenses(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[LicenseAssignment] | None:
        rows = self._lists(info, Capability.READ_LICENSES).licenses
        return await rows.connection(self._id, first, after, LicenseAssignment.of)

    @strawberry.field(
        description="What was bought, newest first (READ_PURCHASES; never under AOBO)."
    )
    async def purchases(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Purchase] | None:
        rows = self._lists(info, Capability.READ_PURCHASES).purchases
        return await rows.connection(self._id, first, after, Purchase.of)

    @strawberry.field(
        description="Billing notifications, newest first (READ_BILLING_NOTIFICATIONS)."
    )
    async def billing_notifications(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[BillingNotification] | None:
        rows = self._lists(info, Capability.READ_BILLING_NOTIFICATIONS).billing_notifications
        return await rows.connection(self._id, first, after, BillingNotification.of)

    @strawberry.field(description="Invoices, newest first (READ_INVOICES; never under AOBO).")
    async def invoices(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Invoice] | None:
        rows = self._lists(info, Capability.READ_INVOICES).invoices
        return await rows.connection(self._id, first, after, Invoice.of)

    @strawberry.field(description="Support incidents, newest first (READ_SUPPORT_INCIDENTS).")
    async def support_incidents(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[SupportIncident] | None:
        rows = self._lists(info, Capability.READ_SUPPORT_INCIDENTS).support_incidents
        return await rows.connection(self._id, first, after, SupportIncident.of)

    @strawberry.field(description="Devices of the device registry, newest first (READ_DEVICES).")
    async def devices(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Device] | None:
        rows = self._lists(info, Capability.READ_DEVICES).devices
        return await rows.connection(self._id, first, after, Device.of)

    @strawberry.field(description="Line-of-business apps, newest first (READ_APPS).")
    async def apps(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[LobApp] | None:
        rows = self._lists(info, Capability.READ_APPS).apps
        return await rows.connection(self._id, first, after, LobApp.of)

    @strawberry.field(description="Domain names, newest first (READ_DOMAINS).")
    async def domains(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Domain] | None:
        rows = self._lists(info, Capability.READ_DOMAINS).domains
        return await rows.connection(self._id, first, after, Domain.of)


# ------------------------------------------------------------------------------- inputs
