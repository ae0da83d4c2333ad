"""A customer's SCIM tokens: created by a Global Administrator for its identity provider,
shown once, revoked at any time (it stops working at once)."""

from __future__ import annotations

from uuid import UUID

from models.foundation.errors import DomainError, ErrorCode
from models.identity.scim_tokens import new_scim_token
from models.operation import Operation
from models.policy.scim import require_scim_token_manager, visible_scim_tokens
from models.tables.scim import ScimToken

NAME_MAX = 100


async def create_scim_token(op: Operation, name: str) -> tuple[ScimToken, str]:
    """A new SCIM token of the actor's customer organization, and its value: the only time
    anyone sees it."""
    actor = op.require_actor()
    require_scim_token_manager(actor)
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"Give the token a name of 1 to {NAME_MAX} characters.", "name"
        )
    token, token_hash = new_scim_token()
    async with op.atomic() as tx:
        scim_token = await ScimToken.create(
            organization_id=actor.organization_id,
            name=name,
            token_hash=token_hash,
            created_by_id=actor.user_id,
        )
        await tx.record(
            "scim_token.created",
            "ScimToken",
            scim_token.id,
            customer_id=actor.organization_id,
            changes={"name": name},
        )
    return scim_token, token


async def revoke_scim_token(op: Operation, token_id: UUID) -> ScimToken:
    """Revoke one of the organization's SCIM tokens: it stops working at once. Revoking it
    again changes nothing."""
    actor = op.require_actor()
    require_scim_token_manager(actor)
    scim_token = await visible_scim_tokens(actor).get_or_none(id=token_id)
    if scim_token is None:
        revoked = await ScimToken.get_or_none(id=token_id, organization_id=actor.organization_id)
        if revoked is not None:
            return revoked
        raise DomainError(ErrorCode.NOT_FOUND, "No such SCIM token of your organization.", "id")
    now = op.now()
    async with op.atomic() as tx:
        if await ScimToken.filter(id=scim_token.id, revoked_at=None).update(revoked_at=now):
            await tx.record(
                "scim_token.revoked",
                "ScimToken",
                scim_token.id,
                customer_id=actor.organization_id,
                changes={"name": scim_token.name},
            )
    scim_token.revoked_at = scim_token.revoked_at or now
    return scim_token
