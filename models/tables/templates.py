"""A partner's invitation templates: saved invitation settings, and the security groups and
roles to assign once a customer accepts an invitation sent from one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.reference.enums import RelationshipType

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyNullableRelation, ForeignKeyRelation

    from models.tables.access import SecurityGroup
    from models.tables.organizations import Organization, User


class InvitationTemplate(Model):
    """Named invitation settings of a partner, its name unique in the partner."""

    id = fields.UUIDField(primary_key=True)
    partner: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="invitation_templates", on_delete=fields.CASCADE
    )
    partner_id: UUID
    name = fields.CharField(max_length=100)
    type = fields.CharEnumField(RelationshipType, max_length=32)
    roles: list[str] = fields.JSONField(default=list)
    duration_days = fields.IntField(null=True)
    auto_extend = fields.BooleanField(default=False)
    message = fields.TextField(null=True)
    # The name of the delegated admin relationship an accepted GDAP invitation creates.
    display_name = fields.CharField(max_length=50, null=True)
    created_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="invitation_templates", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "invitation_template"
        unique_together = (("partner_id", "name"),)


class TemplateAssignment(Model):
    """A role to assign to a security group of the partner when a customer accepts an
    invitation sent from the template."""

    id = fields.UUIDField(primary_key=True)
    template: ForeignKeyRelation[InvitationTemplate] = fields.ForeignKeyField(
        "models.InvitationTemplate", related_name="assignments", on_delete=fields.CASCADE
    )
    template_id: UUID
    group: ForeignKeyRelation[SecurityGroup] = fields.ForeignKeyField(
        "models.SecurityGroup", related_name="template_assignments", on_delete=fields.CASCADE
    )
    group_id: UUID
    role = fields.CharField(max_length=64)

    class Meta:
        table = "template_assignment"
        unique_together = (("template_id", "group_id", "role"),)
        indexes = (("group_id",),)
