"""Invitations a partner sends to a customer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.reference.enums import EmailStatus, InvitationStatus, RelationshipType

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyNullableRelation, ForeignKeyRelation

    from models.tables.organizations import Organization, User
    from models.tables.templates import InvitationTemplate


class Invitation(Model):
    """An invitation to a relationship. Its token lives only in the email, the hash here."""

    id = fields.UUIDField(primary_key=True)
    partner: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="sent_invitations", on_delete=fields.CASCADE
    )
    partner_id: UUID
    # The organization the invitation is addressed to; set on acceptance when it was open.
    customer: ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="invitations", null=True, on_delete=fields.CASCADE
    )
    customer_id: UUID | None
    # True when the partner addressed the invitation to one organization.
    addressed = fields.BooleanField(default=False)
    customer_email = fields.CharField(max_length=254)
    type = fields.CharEnumField(RelationshipType, max_length=32)
    roles: list[str] = fields.JSONField(default=list)
    duration_days = fields.IntField(null=True)
    auto_extend = fields.BooleanField(default=False)
    message = fields.TextField(null=True)
    open_days = fields.IntField()
    status = fields.CharEnumField(InvitationStatus, max_length=16, default=InvitationStatus.PENDING)
    token_hash = fields.CharField(max_length=64, unique=True)
    email_status = fields.CharEnumField(EmailStatus, max_length=16, default=EmailStatus.QUEUED)
    email_attempts = fields.IntField(default=0)
    email_error = fields.TextField(null=True)
    # The token hash whose email went out, so that one token is never mailed twice.
    emailed_token_hash = fields.CharField(max_length=64, null=True)
    # The Message-ID of the email last sent, which delivery reports (bounces) name.
    email_message_id = fields.CharField(max_length=255, null=True)
    # The template it was sent from, and the (security group id, role) pairs to assign once
    # accepted: fixed when it was sent, so a later edit of the template changes nothing here.
    template: ForeignKeyNullableRelation[InvitationTemplate] = fields.ForeignKeyField(
        "models.InvitationTemplate",
        related_name="invitations",
        null=True,
        on_delete=fields.SET_NULL,
    )
    template_id: UUID | None
    assignments: list[list[str]] = fields.JSONField(default=list)
    sent_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sent_invitations", null=True, on_delete=fields.SET_NULL
    )
    sent_by_id: UUID | None
    responded_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="answered_invitations", null=True, on_delete=fields.SET_NULL
    )
    responded_by_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(db_index=True)
    accepted_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "invitation"
        indexes = (
            ("partner_id", "created_at"),
            ("customer_id", "created_at"),
            ("status", "expires_at"),
            ("email_message_id",),
        )
