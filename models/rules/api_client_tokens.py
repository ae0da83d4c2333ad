"""What an API client does at the OAuth endpoints: take an access token, give one back.
Both are its own actions in its organization's activity log (`actorApiClient`)."""

from __future__ import annotations

from datetime import timedelta

from models.identity.api_clients import client_actor, scopes_of
from models.infrastructure.tokens import hash_token
from models.operation import Operation
from models.reference.api_scopes import ApiScope, to_wire
from models.rules.concerns import own_organization
from models.tables.api_clients import ApiClient, ApiClientToken


async def issue_access_token(
    op: Operation, client: ApiClient, token: str, scopes: frozenset[ApiScope], lifetime: int
) -> ApiClientToken:
    """Keep the hash of an access token just issued to `client` (its organization loaded)
    for `scopes`, valid `lifetime` seconds."""
    now = op.now()
    async with op.atomic(actor=client_actor(client, scopes)) as tx:
        row = await ApiClientToken.create(
            client=client,
            token_hash=hash_token(token),
            scopes=[scope.value for scope in ApiScope if scope in scopes],
            issued_at=now,
            expires_at=now + timedelta(seconds=lifetime),
        )
        await tx.record(
            "api_client.token_issued",
            "ApiClient",
            client.id,
            **own_organization(client.organization.kind, client.organization_id),
            changes={"scope": to_wire(scopes), "expiresAt": row.expires_at.isoformat()},
        )
    return row


async def revoke_access_token(op: Operation, row: ApiClientToken) -> None:
    """Revoke an access token at its client's request (RFC 7009); again changes nothing."""
    client = row.client
    now = op.now()
    async with op.atomic(actor=client_actor(client, scopes_of(row.scopes))) as tx:
        if await ApiClientToken.filter(id=row.id, revoked_at=None).update(revoked_at=now):
            await tx.record(
                "api_client.token_revoked",
                "ApiClient",
                client.id,
                **own_organization(client.organization.kind, client.organization_id),
                changes={"scope": to_wire(scopes_of(row.scopes))},
            )
