"""Single sign-on: an organization's OpenID Connect provider, the email domains whose people
it signs in, and the sign-ins under way between the browser's trip to the provider and its
return. The client secret is kept sealed; the state and the browser's binding token, as hashes.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyRelation, OneToOneRelation, ReverseRelation

    from models.tables.organizations import Organization


class SingleSignOn(Model):
    """An organization's identity provider, as its Global Administrator (or a partner's admin
    agent) configured it. `required`: its people sign in through it only, never with a
    password. `enabled` off keeps the configuration (and its secret) without using it."""

    id = fields.UUIDField(primary_key=True)
    organization: OneToOneRelation[Organization] = fields.OneToOneField(
        "models.Organization", related_name="single_sign_on", on_delete=fields.CASCADE
    )
    organization_id: UUID
    display_name = fields.CharField(max_length=100)
    issuer = fields.CharField(max_length=2000)
    client_id = fields.CharField(max_length=255)
    # Sealed with SECRET_KEY (`models.infrastructure.tokens.Sealer`): the database alone
    # never reveals it, and the API never returns it.
    sealed_client_secret = fields.TextField()
    required = fields.BooleanField(default=False)
    enabled = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    domains: ReverseRelation[SingleSignOnDomain]

    class Meta:
        table = "single_sign_on"


class SingleSignOnDomain(Model):
    """An email domain whose people the organization's provider signs in. A domain belongs to
    one organization at most, so that it decides, alone, where a federated person belongs."""

    id = fields.UUIDField(primary_key=True)
    single_sign_on: ForeignKeyRelation[SingleSignOn] = fields.ForeignKeyField(
        "models.SingleSignOn", related_name="domains", on_delete=fields.CASCADE
    )
    single_sign_on_id: UUID
    domain = fields.CharField(max_length=253, unique=True)

    class Meta:
        table = "single_sign_on_domain"


class SingleSignOnRequest(Model):
    """A sign-in sent to the provider and not back yet: what the return must match.

    `state_hash` finds it when the provider sends the browser back, once (`used_at`); the
    browser that began it holds a cookie whose hash is `browser_hash`, so a return in another
    browser (a link someone was sent) signs nobody in. The nonce and the PKCE code verifier
    are kept sealed until the return needs them.
    """

    id = fields.UUIDField(primary_key=True)
    organization: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="single_sign_on_requests", on_delete=fields.CASCADE
    )
    organization_id: UUID
    state_hash = fields.CharField(max_length=64, unique=True)
    browser_hash = fields.CharField(max_length=64)
    sealed_nonce = fields.TextField()
    sealed_code_verifier = fields.TextField()
    # The console's page to open once signed in (a path of this site, never another's).
    next_path = fields.CharField(max_length=500, default="/")
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "single_sign_on_request"

    def open_at(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at
