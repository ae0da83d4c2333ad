"""Delegated admin relationships: each GDAP agreement between a partner and a customer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.reference.enums import DelegatedAdminRelationshipStatus

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyNullableRelation, ForeignKeyRelation

    from models.tables.invitations import Invitation
    from models.tables.organizations import Organization, User
    from models.tables.relationships import Relationship


class DelegatedAdminRelationship(Model):
    """One GDAP agreement inside a partner-customer relationship: its own name, roles (its
    grants point at it), duration, end date and auto-extend setting, ended on its own.

    It exists from the invitation on (APPROVAL_PENDING); the customer's acceptance places it
    in the pair's relationship and starts it. EXPIRING is never stored: see
    `rules.delegated_admin.effective_status`.
    """

    id = fields.UUIDField(primary_key=True)
    partner: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization",
        related_name="delegated_admin_relationships",
        on_delete=fields.CASCADE,
    )
    partner_id: UUID
    # The customer: known from the invitation when it was addressed, else on acceptance.
    customer: ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization",
        related_name="granted_delegated_admin_relationships",
        null=True,
        on_delete=fields.CASCADE,
    )
    customer_id: UUID | None
    # The partner-customer relationship it belongs to, from acceptance on.
    relationship: ForeignKeyNullableRelation[Relationship] = fields.ForeignKeyField(
        "models.Relationship",
        related_name="delegated_admin_relationships",
        null=True,
        on_delete=fields.CASCADE,
    )
    relationship_id: UUID | None
    invitation: ForeignKeyNullableRelation[Invitation] = fields.ForeignKeyField(
        "models.Invitation",
        related_name="delegated_admin_relationships",
        null=True,
        on_delete=fields.SET_NULL,
    )
    invitation_id: UUID | None
    display_name = fields.CharField(max_length=50)
    # "partner:customer:name" while not ended (the customer's address stands in for an
    # invitation addressed to none), NULL once ended: a name is unique among those in force.
    name_key = fields.CharField(max_length=400, null=True, unique=True)
    roles: list[str] = fields.JSONField(default=list)
    duration_days = fields.IntField()
    auto_extend = fields.BooleanField(default=False)
    status = fields.CharEnumField(
        DelegatedAdminRelationshipStatus,
        max_length=16,
        default=DelegatedAdminRelationshipStatus.APPROVAL_PENDING,
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    ended_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User",
        related_name="ended_delegated_admin_relationships",
        null=True,
        on_delete=fields.SET_NULL,
    )
    ended_by_id: UUID | None
    end_reason = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "delegated_admin_relationship"
        indexes = (("relationship_id", "created_at"), ("partner_id", "created_at"))
