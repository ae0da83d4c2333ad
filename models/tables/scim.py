"""The tokens a customer's identity provider provisions its directory with (SCIM 2.0)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyNullableRelation, ForeignKeyRelation

    from models.tables.organizations import Organization, User


class ScimToken(Model):
    """A bearer token for `/scim/v2/...`, shown once: only its SHA-256 is stored.

    It belongs to a customer organization, not to a person: it provisions that customer's
    directory and nothing else, until a Global Administrator revokes it.
    """

    id = fields.UUIDField(primary_key=True)
    organization: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="scim_tokens", on_delete=fields.CASCADE
    )
    organization_id: UUID
    name = fields.CharField(max_length=100)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_scim_tokens", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "scim_token"
        indexes = (("organization_id", "created_at"),)
