"""Registering an organization's API clients: create one (its secret shown once), rotate its
secret (the one replaced keeps working for a while), revoke it (its tokens stop at once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from models.foundation.errors import DomainError, ErrorCode, ValidationErrors
from models.identity.api_clients import new_client_id, new_client_secret
from models.operation import Operation
from models.policy.api_clients import require_api_client_manager, visible_api_clients
from models.reference.api_scopes import ApiScope
from models.rules.concerns import own_organization
from models.tables.api_clients import ApiClient, ApiClientSecret, ApiClientToken

NAME_MAX = 100
# How long a rotated secret keeps working by default, and at most: time to roll the new one out.
OVERLAP_DEFAULT_HOURS = 24
OVERLAP_MAX_HOURS = 24 * 7


@dataclass(frozen=True, slots=True)
class IssuedSecret:
    """A client and its new secret: the only time anyone sees the secret."""

    client: ApiClient
    secret: str


def _checked(name: str, scopes: list[ApiScope], expires_at: datetime | None, now: datetime) -> str:
    errors: list[DomainError] = []
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        errors.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                f"Give the client a name of 1 to {NAME_MAX} characters.",
                "name",
            )
        )
    if not scopes:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, "Give the client a scope.", "scopes"))
    if expires_at is not None and expires_at <= now:
        errors.append(
            DomainError(ErrorCode.INVALID_INPUT, "The expiry must be in the future.", "expiresAt")
        )
    if errors:
        raise ValidationErrors(errors)
    return name


async def create_api_client(
    op: Operation, name: str, scopes: list[ApiScope], expires_at: datetime | None
) -> IssuedSecret:
    """A new client of the actor's organization, with its first secret."""
    actor = op.require_actor()
    require_api_client_manager(actor)
    now = op.now()
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    name = _checked(name, scopes, expires_at, now)
    secret, secret_hash = new_client_secret()
    ordered = [scope.value for scope in ApiScope if scope in scopes]
    async with op.atomic() as tx:
        client = await ApiClient.create(
            organization_id=actor.organization_id,
            client_id=new_client_id(),
            name=name,
            scopes=ordered,
            expires_at=expires_at,
            created_by_id=actor.user_id,
            created_at=now,
        )
        await ApiClientSecret.create(client=client, secret_hash=secret_hash, created_at=now)
        await tx.record(
            "api_client.created",
            "ApiClient",
            client.id,
            **own_organization(actor.organization_kind, actor.organization_id),
            changes={
                "name": name,
                "scopes": ordered,
                "expiresAt": expires_at.isoformat() if expires_at else None,
            },
        )
    return IssuedSecret(client, secret)


async def _managed(op: Operation, client_id: UUID) -> ApiClient:
    actor = op.require_actor()
    require_api_client_manager(actor)
    client = await (
        visible_api_clients(actor, actor.organization_id)
        .filter(revoked_at=None)  # a revoked client stays revoked: nothing left to manage
        .get_or_none(id=client_id)
    )
    if client is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such API client of your organization.", "id")
    return client


async def rotate_api_client_secret(
    op: Operation, client_id: UUID, overlap_hours: int | None
) -> IssuedSecret:
    """A new secret for the client; its live secrets keep working for `overlap_hours` more
    (24 by default, 0 to stop them now)."""
    hours = OVERLAP_DEFAULT_HOURS if overlap_hours is None else overlap_hours
    if not 0 <= hours <= OVERLAP_MAX_HOURS:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"The old secret may keep working 0 to {OVERLAP_MAX_HOURS} hours.",
            "previousSecretHours",
        )
    client = await _managed(op, client_id)
    actor = op.require_actor()
    now = op.now()
    until = now + timedelta(hours=hours)
    secret, secret_hash = new_client_secret()
    async with op.atomic() as tx:
        await ApiClientSecret.filter(client_id=client.id, expires_at=None).update(expires_at=until)
        await ApiClientSecret.filter(client_id=client.id, expires_at__gt=until).update(
            expires_at=until
        )
        await ApiClientSecret.create(client=client, secret_hash=secret_hash, created_at=now)
        await tx.record(
            "api_client.secret_rotated",
            "ApiClient",
            client.id,
            **own_organization(actor.organization_kind, actor.organization_id),
            changes={"name": client.name, "previousSecretsUntil": until.isoformat()},
        )
    return IssuedSecret(client, secret)


async def revoke_api_client(op: Operation, client_id: UUID) -> ApiClient:
    """Revoke the client: it gets no more tokens, and those it holds stop at once."""
    client = await _managed(op, client_id)
    actor = op.require_actor()
    now = op.now()
    async with op.atomic() as tx:
        if await ApiClient.filter(id=client.id, revoked_at=None).update(revoked_at=now):
            await ApiClientToken.filter(client_id=client.id, revoked_at=None).update(revoked_at=now)
            await tx.record(
                "api_client.revoked",
                "ApiClient",
                client.id,
                **own_organization(actor.organization_kind, actor.organization_id),
                changes={"name": client.name},
            )
    client.revoked_at = client.revoked_at or now
    return client
