"""SCIM tokens: issuing one, and finding the directory a token provisions.

A token is shown once; only its SHA-256 is kept. It belongs to a customer organization, not
to a person, and works until a Global Administrator revokes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from models.infrastructure.tokens import hash_token, new_token
from models.reference.enums import OrganizationKind
from models.tables.scim import ScimToken

SCIM_TOKEN_PREFIX = "phscim_"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True, slots=True)
class Provisioner:
    """Who is provisioning: a customer's identity provider, through one of its SCIM tokens."""

    token_id: UUID
    token_name: str
    organization_id: UUID


def new_scim_token() -> tuple[str, str]:
    """A fresh SCIM token and the hash to store for it."""
    return new_token(SCIM_TOKEN_PREFIX)


async def provisioner_for_token(token: str) -> Provisioner | None:
    """The provisioner a SCIM token signs in, if the token is live and its organization a
    customer; None for anything else (a person's bearer token among them)."""
    if not token.startswith(SCIM_TOKEN_PREFIX):
        return None
    found = await ScimToken.get_or_none(
        token_hash=hash_token(token), revoked_at=None
    ).select_related("organization")
    if found is None or found.organization.kind is not OrganizationKind.CUSTOMER:
        return None
    return Provisioner(
        token_id=found.id, token_name=found.name, organization_id=found.organization_id
    )
