"""A person's own bearer tokens, for their scripts: created with a name and an optional
expiry, shown once, revoked by their owner. Nobody else sees or revokes them."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from models.foundation.errors import DomainError, ErrorCode
from models.identity.api_tokens import new_api_token
from models.operation import Operation
from models.policy import visible_api_tokens
from models.rules.concerns import own_organization
from models.tables.organizations import ApiToken

NAME_MAX = 100


async def create_api_token(
    op: Operation, name: str, expires_at: datetime | None
) -> tuple[ApiToken, str]:
    """A new token for the signed-in person, and its value: the only time anyone sees it."""
    actor = op.require_actor()
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"Give the token a name of 1 to {NAME_MAX} characters.", "name"
        )
    now = op.now()
    if expires_at is not None:
        expires_at = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
        if expires_at <= now:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "The expiry must be in the future.", "expiresAt"
            )
    token, token_hash = new_api_token()
    async with op.atomic() as tx:
        api_token = await ApiToken.create(
            user_id=actor.user_id, token_hash=token_hash, name=name, expires_at=expires_at
        )
        await tx.record(
            "api_token.created",
            "ApiToken",
            api_token.id,
            **own_organization(actor.organization_kind, actor.organization_id),
            changes={"name": name, "expiresAt": expires_at.isoformat() if expires_at else None},
        )
    return api_token, token


async def revoke_api_token(op: Operation, token_id: UUID) -> ApiToken:
    """Revoke one of the person's tokens: it stops working at once. Revoking it again changes
    nothing."""
    actor = op.require_actor()
    api_token = await visible_api_tokens(actor, actor.user_id).get_or_none(id=token_id)
    if api_token is None:
        revoked = await ApiToken.get_or_none(id=token_id, user_id=actor.user_id)
        if revoked is not None:
            return revoked
        raise DomainError(ErrorCode.NOT_FOUND, "No such token of yours.", "id")
    now = op.now()
    async with op.atomic() as tx:
        if await ApiToken.filter(id=api_token.id, revoked_at=None).update(revoked_at=now):
            await tx.record(
                "api_token.revoked",
                "ApiToken",
                api_token.id,
                **own_organization(actor.organization_kind, actor.organization_id),
                changes={"name": api_token.name},
            )
    api_token.revoked_at = api_token.revoked_at or now
    return api_token
