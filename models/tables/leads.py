"""Leads: what visitors send a partner through the directory's Contact me form."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyNullableRelation, ForeignKeyRelation

    from models.tables.invitations import Invitation
    from models.tables.organizations import Organization


class LeadStatus(StrEnum):
    """Where a partner stands with a lead (`models/rules/leads.py` says which moves are allowed)."""

    NEW = "NEW"
    CONTACTED = "CONTACTED"
    INVITED = "INVITED"
    CLOSED = "CLOSED"


class Lead(Model):
    """A request to be contacted, addressed to one partner. Only that partner sees it."""

    id = fields.UUIDField(primary_key=True)
    partner: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="leads", on_delete=fields.CASCADE
    )
    partner_id: UUID
    location = fields.CharField(max_length=8)
    contact_name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=254)
    phone = fields.CharField(max_length=40, null=True)
    organization_name = fields.CharField(max_length=200)
    organization_size = fields.CharField(max_length=32)
    industry = fields.CharField(max_length=32)
    business_needs = fields.TextField()
    status = fields.CharEnumField(LeadStatus, max_length=16, default=LeadStatus.NEW)
    # The invitation the partner sent from this lead, if any.
    invitation: ForeignKeyNullableRelation[Invitation] = fields.ForeignKeyField(
        "models.Invitation", related_name="leads", null=True, on_delete=fields.SET_NULL
    )
    invitation_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)
    status_changed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "lead"
        indexes = (("partner_id", "created_at"), ("partner_id", "status", "created_at"))
