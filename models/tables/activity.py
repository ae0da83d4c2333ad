"""The activity log: who did what, to which object, when, from which request. Append-only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model


class AppendOnly(Exception):
    """An activity entry was about to be changed; entries are written once and never edited."""


class ActivityEntry(Model):
    """One state change, written in the same transaction as the change itself.

    The organizations it concerns are the customer and the partner side: both see it. The
    ids are plain values, not foreign keys, so that the entry outlives what it names.
    """

    id = fields.UUIDField(primary_key=True)
    created_at = fields.DatetimeField(db_index=True)
    action = fields.CharField(max_length=64)
    # The acting user and their organization; both NULL for the system (jobs, cron).
    actor_user_id = fields.UUIDField(null=True)
    actor_organization_id = fields.UUIDField(null=True)
    # The API client that acted (then no user did), for its organization.
    actor_api_client_id = fields.UUIDField(null=True)
    # The customer a partner acted for, when it acted on a customer behalf.
    on_behalf_of_id = fields.UUIDField(null=True)
    object_type = fields.CharField(max_length=64)
    object_id = fields.UUIDField()
    relationship_id = fields.UUIDField(null=True)
    customer_id = fields.UUIDField(null=True)
    partner_id = fields.UUIDField(null=True)
    changes: dict[str, Any] = fields.JSONField(default=dict)
    request_id = fields.CharField(max_length=128, null=True)
    client_address = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "activity_entry"
        indexes = (
            ("customer_id", "created_at"),
            ("partner_id", "created_at"),
            ("relationship_id", "created_at"),
            ("object_id", "created_at"),
        )

    async def save(
        self,
        using_db: BaseDBAsyncClient | None = None,
        update_fields: Iterable[str] | None = None,
        force_create: bool = False,
        force_update: bool = False,
    ) -> None:
        """Create only: saving an entry that exists already is refused."""
        if not self._saved_in_db and not force_update and not update_fields:
            await super().save(using_db=using_db, force_create=force_create)
            return
        raise AppendOnly("Activity entries are append-only.")

    async def delete(self, using_db: BaseDBAsyncClient | None = None) -> None:
        """Refused: only the retention job removes entries, by age, in bulk."""
        raise AppendOnly("Activity entries are append-only.")


def sides(relationship: Any) -> dict[str, Any]:
    """The `Transaction.record` arguments naming a relationship and both of its sides."""
    return {
        "relationship_id": relationship.id,
        "customer_id": relationship.customer_id,
        "partner_id": relationship.partner_id,
    }
