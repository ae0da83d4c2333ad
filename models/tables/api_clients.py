"""API clients: the systems an organization registers (partner portals, scripts), their
secrets, and the access tokens they are issued. Secrets and tokens are stored as SHA-256 only."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.reference.enums import ApiClientStatus

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyNullableRelation, ForeignKeyRelation

    from models.tables.organizations import Organization, User


class ApiClient(Model):
    """A system acting for its organization, never for a person: its access is the
    intersection of its `scopes` (ApiScope values) and what its organization may do. It stops
    at `expires_at`, or when revoked (its issued tokens with it)."""

    id = fields.UUIDField(primary_key=True)
    organization: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="api_clients", on_delete=fields.CASCADE
    )
    organization_id: UUID
    # The public identifier it sends to /oauth/token (`client_id`).
    client_id = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=100)
    scopes: list[str] = fields.JSONField(default=list)
    expires_at = fields.DatetimeField(null=True)
    created_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="api_clients_created", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: UUID | None
    created_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_client"
        indexes = (("organization_id", "created_at"),)

    def live_at(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def status_at(self, now: datetime) -> ApiClientStatus:
        """REVOKED once revoked (whatever its expiry), else EXPIRED past it, else ACTIVE."""
        if self.revoked_at is not None:
            return ApiClientStatus.REVOKED
        return ApiClientStatus.ACTIVE if self.live_at(now) else ApiClientStatus.EXPIRED


class ApiClientSecret(Model):
    """One secret of a client, shown once. Several may be live at once while one is rotated:
    the one replaced keeps working until its `expires_at`."""

    id = fields.UUIDField(primary_key=True)
    client: ForeignKeyRelation[ApiClient] = fields.ForeignKeyField(
        "models.ApiClient", related_name="secrets", on_delete=fields.CASCADE
    )
    client_id: UUID
    secret_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_client_secret"


class ApiClientToken(Model):
    """An access token issued at /oauth/token, for `scopes` (ApiScope values) until
    `expires_at`, unless revoked before (RFC 7009, or with its client)."""

    id = fields.UUIDField(primary_key=True)
    client: ForeignKeyRelation[ApiClient] = fields.ForeignKeyField(
        "models.ApiClient", related_name="tokens", on_delete=fields.CASCADE
    )
    client_id: UUID
    token_hash = fields.CharField(max_length=64, unique=True)
    scopes: list[str] = fields.JSONField(default=list)
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_client_token"
