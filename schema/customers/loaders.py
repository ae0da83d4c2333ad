"""Data loaders for customers' data, one set per request (`Loaders.customer_data`).

A page of customers asks each loader for all its customers at once, so a page costs the
same number of queries for 1 customer or 100, whatever it nests:
- each nested list (`CustomerList`): one query per batch for the pages (a nested `first`
  applies per customer, see `schema/first_rows.py`), one statement of COUNTs for the totalCounts,
  and, when asked after a cursor, one for the hasPreviousPages;
- each related row: one query per batch, filtered by the customer as well as by the key.

Keys carry the customer, so a row of one customer never answers for another. A nested page
after a cursor is a branch of the same statement as the others, with its own cursor.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader
from tortoise.expressions import Subquery
from tortoise.functions import Count
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.tables import tenant as m
from models.tables.access import SecurityGroup, SecurityGroupMember
from models.tables.organizations import User
from schema.first_rows import Rows, first_rows, row_counts
from schema.pagination import (
    MAX_PAGE_SIZE,
    Connection,
    after_cursor,
    connection,
    page_size,
    up_to_cursor,
)

ModelT = TypeVar("ModelT", bound=Model)
NodeT = TypeVar("NodeT")

# A nested page: the customer, the page size and the `after` cursor.
PageKey = tuple[UUID, int, str | None]
# A row of one customer: the customer and the row's key.
RowKey = tuple[UUID, UUID]


@dataclass(frozen=True, slots=True)
class Page(Generic[ModelT]):
    rows: list[ModelT]
    has_next: bool


class CustomerList(Generic[ModelT]):
    """One kind of customer data (a model with `created_at`, and the customer in `column`:
    `customer_id`, or `organization_id` for its people), paged per customer, newest first."""

    def __init__(self, model: type[ModelT], column: str = "customer_id") -> None:
        self.model = model
        self.column = column
        # A page of customers holds at most 100: a batch is one statement of as many branches
        self.pages: DataLoader[PageKey, Page[ModelT]] = DataLoader(
            self._pages, max_batch_size=MAX_PAGE_SIZE
        )
        self.counts: DataLoader[UUID, int] = DataLoader(self._counts, max_batch_size=MAX_PAGE_SIZE)
        # Whether a customer has rows at or before a cursor: `hasPreviousPage`.
        self.earlier: DataLoader[tuple[UUID, str], bool] = DataLoader(
            self._earlier, max_batch_size=MAX_PAGE_SIZE
        )

    async def connection(
        self,
        customer_id: UUID,
        first: int | None,
        after: str | None,
        to_node: Callable[[ModelT], NodeT],
    ) -> Connection[NodeT]:
        size = page_size(first)
        if after:
            after_cursor(after)  # a bad cursor is refused before anything is read
        page = await self.pages.load((customer_id, size, after or None))
        return connection(
            page.rows,
            page.has_next,
            to_node,
            lambda: self.counts.load(customer_id),
            (lambda: self.earlier.load((customer_id, after))) if after else None,
        )

    async def _pages(self, keys: list[PageKey]) -> list[Page[ModelT]]:
        # One more row than the page tells whether more follow.
        asked = [
            Rows(
                self._of(customer_id),
                after_cursor(after) if after else None,
                size + 1,
            )
            for customer_id, size, after in keys
        ]
        found = await first_rows(asked)
        return [
            Page(rows[:size], len(rows) > size)
            for rows, (_, size, _) in zip(found, keys, strict=True)
        ]

    async def _earlier(self, keys: list[tuple[UUID, str]]) -> list[bool]:
        asked = [Rows(self._of(customer_id), up_to_cursor(after), 1) for customer_id, after in keys]
        return [bool(rows) for rows in await first_rows(asked)]

    async def _counts(self, keys: list[UUID]) -> list[int]:
        return await row_counts([self._of(key) for key in keys])

    def _of(self, customer_id: UUID) -> QuerySet[ModelT]:
        return self.model.filter(**{self.column: customer_id})


class GroupMembers(CustomerList[User]):
    """The members of directory groups, paged per group (the key is the group: a group is
    read only as a row of its customer's page), newest first, each the person's `User`."""

    def __init__(self) -> None:
        super().__init__(User)

    def _of(self, customer_id: UUID) -> QuerySet[User]:
        # A subquery rather than a join: a COUNT over a join would count per person.
        members = SecurityGroupMember.filter(group_id=customer_id).values("user_id")
        return User.filter(id__in=Subquery(members))


def _rows_by(
    model: type[ModelT], column: str, customer: str = "customer_id"
) -> Callable[[list[RowKey]], Awaitable[list[ModelT | None]]]:
    """A batch function: the row of each (customer, key), by `column`, or None; the customer
    is in `customer` (`organization_id` for its people)."""

    async def load(keys: list[RowKey]) -> list[ModelT | None]:
        rows = await model.filter(
            **{f"{customer}__in": {customer for customer, _ in keys}},
            **{f"{column}__in": {key for _, key in keys}},
        )
        found = {(getattr(row, customer), getattr(row, column)): row for row in rows}
        return [found.get(key) for key in keys]

    return load


async def _assigned_counts(keys: list[RowKey]) -> list[int]:
    rows = (
        await m.LicenseAssignment.filter(
            customer_id__in={customer for customer, _ in keys},
            subscription_id__in={subscription for _, subscription in keys},
        )
        .annotate(assigned=Count("id"))
        .group_by("customer_id", "subscription_id")
        .values_list("customer_id", "subscription_id", "assigned")
    )
    counts = {(customer, subscription): n for customer, subscription, n in rows}
    return [counts.get(key, 0) for key in keys]


@dataclass
class CustomerDataLoaders:
    """The lists of customers' data and the rows they refer to, for one request."""

    # The customer's directory: its people.
    users: CustomerList[User] = field(default_factory=lambda: CustomerList(User, "organization_id"))
    # The customer's directory groups (the groups its identity provider provisions)...
    groups: CustomerList[SecurityGroup] = field(
        default_factory=lambda: CustomerList(SecurityGroup, "partner_id")
    )
    # ... and each group's members.
    group_members: GroupMembers = field(default_factory=GroupMembers)
    subscriptions: CustomerList[m.Subscription] = field(
        default_factory=lambda: CustomerList(m.Subscription)
    )
    licenses: CustomerList[m.LicenseAssignment] = field(
        default_factory=lambda: CustomerList(m.LicenseAssignment)
    )
    purchases: CustomerList[m.Purchase] = field(default_factory=lambda: CustomerList(m.Purchase))
    billing_notifications: CustomerList[m.BillingNotification] = field(
        default_factory=lambda: CustomerList(m.BillingNotification)
    )
    invoices: CustomerList[m.Invoice] = field(default_factory=lambda: CustomerList(m.Invoice))
    support_incidents: CustomerList[m.SupportIncident] = field(
        default_factory=lambda: CustomerList(m.SupportIncident)
    )
    devices: CustomerList[m.Device] = field(default_factory=lambda: CustomerList(m.Device))
    apps: CustomerList[m.LobApp] = field(default_factory=lambda: CustomerList(m.LobApp))
    domains: CustomerList[m.Domain] = field(default_factory=lambda: CustomerList(m.Domain))
    person: DataLoader[RowKey, User | None] = field(
        default_factory=lambda: DataLoader(_rows_by(User, "id", "organization_id"))
    )
    subscription: DataLoader[RowKey, m.Subscription | None] = field(
        default_factory=lambda: DataLoader(_rows_by(m.Subscription, "id"))
    )
    # By (customer, domain): the domain's subscription, if the customer bought the name.
    domain_subscription: DataLoader[RowKey, m.DomainSubscription | None] = field(
        default_factory=lambda: DataLoader(_rows_by(m.DomainSubscription, "domain_id"))
    )
    # By (customer, subscription): how many of its licenses are assigned.
    assigned_count: DataLoader[RowKey, int] = field(
        default_factory=lambda: DataLoader(_assigned_counts)
    )
