"""Relationships between a customer and a partner, their types, role grants and agreements."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.reference.enums import RelationshipStatus, RelationshipType, RoleGrantStatus

if TYPE_CHECKING:
    from tortoise.fields.relational import ForeignKeyNullableRelation, ForeignKeyRelation

    from models.tables.delegated_admin import DelegatedAdminRelationship
    from models.tables.invitations import Invitation
    from models.tables.organizations import Organization, User


def active_key(customer_id: UUID, partner_id: UUID) -> str:
    """The `active_key` of a pair's relationship while it is ACTIVE (as `rules.grants` sets it)."""
    return f"{customer_id}:{partner_id}"


class Relationship(Model):
    """The one relationship of a customer and a partner, gathering every accepted type."""

    id = fields.UUIDField(primary_key=True)
    customer: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="partner_relationships", on_delete=fields.CASCADE
    )
    customer_id: UUID
    partner: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="customer_relationships", on_delete=fields.CASCADE
    )
    partner_id: UUID
    status = fields.CharEnumField(
        RelationshipStatus, max_length=16, default=RelationshipStatus.ACTIVE
    )
    # "customer:partner" while ACTIVE, NULL once ENDED: at most one active relationship a pair.
    active_key = fields.CharField(max_length=80, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    ended_at = fields.DatetimeField(null=True)
    ended_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="ended_relationships", null=True, on_delete=fields.SET_NULL
    )
    ended_by_id: UUID | None

    class Meta:
        table = "relationship"
        indexes = (("customer_id", "created_at"), ("partner_id", "created_at"))


class RelationshipTypeRecord(Model):
    """One type accepted into a relationship: its history, kept when the relationship ends."""

    id = fields.UUIDField(primary_key=True)
    relationship: ForeignKeyRelation[Relationship] = fields.ForeignKeyField(
        "models.Relationship", related_name="type_records", on_delete=fields.CASCADE
    )
    relationship_id: UUID
    type = fields.CharEnumField(RelationshipType, max_length=32)
    invitation: ForeignKeyNullableRelation[Invitation] = fields.ForeignKeyField(
        "models.Invitation", related_name="type_records", null=True, on_delete=fields.SET_NULL
    )
    invitation_id: UUID | None
    added_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "relationship_type"
        # The partner actions ask which types a relationship holds (`policy.holds_type`).
        indexes = (("relationship_id", "type"),)


class RoleGrant(Model):
    """An admin role a customer granted a partner through one relationship type."""

    id = fields.UUIDField(primary_key=True)
    relationship: ForeignKeyRelation[Relationship] = fields.ForeignKeyField(
        "models.Relationship", related_name="grants", on_delete=fields.CASCADE
    )
    relationship_id: UUID
    role = fields.CharField(max_length=64)
    type = fields.CharEnumField(RelationshipType, max_length=32)
    invitation: ForeignKeyNullableRelation[Invitation] = fields.ForeignKeyField(
        "models.Invitation", related_name="grants", null=True, on_delete=fields.SET_NULL
    )
    invitation_id: UUID | None
    # The delegated admin relationship it belongs to (GDAP_PARTNER grants only).
    delegated_admin_relationship: ForeignKeyNullableRelation[DelegatedAdminRelationship] = (
        fields.ForeignKeyField(
            "models.DelegatedAdminRelationship",
            related_name="grants",
            null=True,
            on_delete=fields.CASCADE,
        )
    )
    delegated_admin_relationship_id: UUID | None
    status = fields.CharEnumField(
        RoleGrantStatus, max_length=16, default=RoleGrantStatus.ACTIVE, db_index=True
    )
    granted_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True, db_index=True)
    auto_extend = fields.BooleanField(default=False)
    revoked_at = fields.DatetimeField(null=True)
    ended_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="ended_grants", null=True, on_delete=fields.SET_NULL
    )
    ended_by_id: UUID | None
    end_reason = fields.CharField(max_length=200, null=True)
    # The lifecycle: when the sweep must next look at this grant (a warning or the end date),
    # the last warning sent (30, 7 or 1 days before), and the last automatic extension.
    next_notice_at = fields.DatetimeField(null=True)
    warned_days = fields.IntField(null=True)
    extended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "role_grant"
        # (relationship_id, status): a relationship's active grants, read by every access check.
        indexes = (("status", "next_notice_at"), ("relationship_id", "status"))


class AgreementAcceptance(Model):
    """The acceptance of one Customer Agreement version by a customer organization."""

    id = fields.UUIDField(primary_key=True)
    customer: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="agreement_acceptances", on_delete=fields.CASCADE
    )
    customer_id: UUID
    version = fields.CharField(max_length=32)
    accepted_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="agreement_acceptances", null=True, on_delete=fields.SET_NULL
    )
    accepted_by_id: UUID | None
    accepted_at = fields.DatetimeField()

    class Meta:
        table = "agreement_acceptance"
        unique_together = (("customer_id", "version"),)
