"""Data loaders for one customer's data, created with each `Customer` of a request.

Each batch is one query, filtered by the customer as well as by the keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from strawberry.dataloader import DataLoader
from tortoise.functions import Count

from models import tenant as m


@dataclass
class TenantLoaders:
    customer_id: UUID
    directory_user: DataLoader[UUID, m.DirectoryUser | None] = field(init=False)
    subscription: DataLoader[UUID, m.Subscription | None] = field(init=False)
    assigned_count: DataLoader[UUID, int] = field(init=False)
    domain_subscription: DataLoader[UUID, m.DomainSubscription | None] = field(init=False)

    def __post_init__(self) -> None:
        self.directory_user = DataLoader(self._directory_users)
        self.subscription = DataLoader(self._subscriptions)
        self.assigned_count = DataLoader(self._assigned_counts)
        self.domain_subscription = DataLoader(self._domain_subscriptions)

    async def _directory_users(self, keys: list[UUID]) -> list[m.DirectoryUser | None]:
        rows = await m.DirectoryUser.filter(customer_id=self.customer_id, id__in=keys)
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]

    async def _subscriptions(self, keys: list[UUID]) -> list[m.Subscription | None]:
        rows = await m.Subscription.filter(customer_id=self.customer_id, id__in=keys)
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]

    async def _assigned_counts(self, keys: list[UUID]) -> list[int]:
        rows = (
            await m.LicenseAssignment.filter(customer_id=self.customer_id, subscription_id__in=keys)
            .annotate(assigned=Count("id"))
            .group_by("subscription_id")
            .values_list("subscription_id", "assigned")
        )
        counts: dict[UUID, int] = dict(rows)
        return [counts.get(key, 0) for key in keys]

    async def _domain_subscriptions(self, keys: list[UUID]) -> list[m.DomainSubscription | None]:
        rows = await m.DomainSubscription.filter(customer_id=self.customer_id, domain_id__in=keys)
        found = {row.domain_id: row for row in rows}  # type: ignore[attr-defined]
        return [found.get(key) for key in keys]
