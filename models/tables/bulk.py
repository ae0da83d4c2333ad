"""Bulk operations: one action applied by the workers to many items, each done at most once.

An operation's `kind` says what each item does: send an invitation, assign a security
group's roles for a customer, or end a delegated admin relationship. An item's outcome is
recorded in the same transaction as its effect (the invitation it sent, the assignments it
made, the relationship it ended), by a conditional update from PENDING: a run that repeats
it, after a crash or beside another run, finds it done and undoes its own attempt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from models.reference.enums import BulkOperationItemStatus, BulkOperationKind, BulkOperationStatus

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyNullableRelation, ForeignKeyRelation

    from models.tables.delegated_admin import DelegatedAdminRelationship
    from models.tables.invitations import Invitation
    from models.tables.organizations import Organization, User
    from models.tables.templates import InvitationTemplate


class BulkOperation(Model):
    """One bulk operation of a partner, its counts kept with the outcome of each item."""

    id = fields.UUIDField(primary_key=True)
    partner: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="bulk_operations", on_delete=fields.CASCADE
    )
    partner_id: UUID
    kind = fields.CharEnumField(BulkOperationKind, max_length=32)
    status = fields.CharEnumField(
        BulkOperationStatus, max_length=16, default=BulkOperationStatus.QUEUED
    )
    template: ForeignKeyNullableRelation[InvitationTemplate] = fields.ForeignKeyField(
        "models.InvitationTemplate",
        related_name="bulk_operations",
        null=True,
        on_delete=fields.SET_NULL,
    )
    template_id: UUID | None
    # What every item applies, fixed when the operation was accepted (the template's
    # settings then: a later edit of the template changes nothing here).
    settings: dict[str, Any] = fields.JSONField(default=dict)
    idempotency_key = fields.CharField(max_length=200, null=True)
    total = fields.IntField()
    succeeded = fields.IntField(default=0)
    failed = fields.IntField(default=0)
    rounds = fields.IntField(default=0)  # rounds run so far: each continuation's job id
    created_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="bulk_operations", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "bulk_operation"
        unique_together = (("partner_id", "idempotency_key"),)
        indexes = (("partner_id", "created_at"),)

    @property
    def pending(self) -> int:
        return self.total - self.succeeded - self.failed


class BulkOperationItem(Model):
    """One customer of a bulk operation, as given, and its outcome.

    The item acts on that customer, or on one delegated admin relationship with it."""

    id = fields.UUIDField(primary_key=True)
    operation: ForeignKeyRelation[BulkOperation] = fields.ForeignKeyField(
        "models.BulkOperation", related_name="items", on_delete=fields.CASCADE
    )
    operation_id: UUID
    position = fields.IntField()
    # A send's: the address given. Other kinds': the customer contact address the partner
    # invited (that of the invitation the customer accepted), empty if the item names nothing
    # of the partner's.
    customer_email = fields.CharField(max_length=320)
    # A send's: the customer organization's ID as the client gave it (checked when the item
    # is done).
    customer_ref = fields.CharField(max_length=200, null=True)
    # Other kinds': the customer acted on, set when the operation is accepted if the partner
    # has a relationship with it (an item without one fails NOT_FOUND at its turn).
    customer: ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="bulk_items", null=True, on_delete=fields.SET_NULL
    )
    customer_id: UUID | None
    # An ending's: the delegated admin relationship to end, set when the operation is
    # accepted if it is the partner's (an item without one fails NOT_FOUND at its turn).
    delegated_admin_relationship: ForeignKeyNullableRelation[DelegatedAdminRelationship] = (
        fields.ForeignKeyField(
            "models.DelegatedAdminRelationship",
            related_name="bulk_items",
            null=True,
            on_delete=fields.SET_NULL,
        )
    )
    delegated_admin_relationship_id: UUID | None
    status = fields.CharEnumField(
        BulkOperationItemStatus, max_length=16, default=BulkOperationItemStatus.PENDING
    )
    error_code = fields.CharField(max_length=64, null=True)
    error_message = fields.TextField(null=True)
    invitation: ForeignKeyNullableRelation[Invitation] = fields.ForeignKeyField(
        "models.Invitation", related_name="bulk_items", null=True, on_delete=fields.SET_NULL
    )
    invitation_id: UUID | None
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "bulk_operation_item"
        unique_together = (("operation_id", "position"),)
        indexes = (("operation_id", "status", "position"),)
