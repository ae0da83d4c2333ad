"""Data loaders for a page of security groups: members and assignments, one query each."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from uuid import UUID

from strawberry.dataloader import DataLoader

from models.tables.access import AccessAssignment, SecurityGroupMember
from models.tables.organizations import User
from schema.batches import grouped_by


async def _members(keys: list[UUID]) -> list[list[User]]:
    rows = (
        await SecurityGroupMember.filter(group_id__in=keys)
        .select_related("user")
        .order_by("created_at", "id")
    )
    groups: dict[UUID, list[User]] = defaultdict(list)
    for row in rows:
        groups[row.group_id].append(row.user)
    return [groups[key] for key in keys]


@dataclass
class AccessLoaders:
    """Created with each request's groups, so that nothing cached crosses between viewers."""

    members: DataLoader[UUID, list[User]] = field(default_factory=lambda: DataLoader(_members))
    assignments: DataLoader[UUID, list[AccessAssignment]] = field(
        default_factory=lambda: grouped_by(
            AccessAssignment,
            "group_id",
            "created_at",
            "role",
            related=("relationship", "group", "delegated_admin_relationship"),
        )
    )
