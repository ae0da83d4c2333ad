"""Single sign-on as GraphQL types: the configuration its administrators read and write (never
its client secret), and what anyone may learn of an address's domain before signing in."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.foundation.ids import encode_id
from models.rules import single_sign_on as rules
from models.tables.single_sign_on import SingleSignOn
from schema.errors import UserError


@strawberry.type(
    description="The viewer's organization's single sign-on through its own OpenID Connect "
    "provider. The client secret is never shown: `clientSecretSet` says that one is saved."
)
class SingleSignOnConfiguration:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    display_name: str = strawberry.field(
        description='The provider\'s name as people see it: "Sign in with <displayName>".'
    )
    issuer: str = strawberry.field(
        description="The provider's issuer URL; its discovery document is "
        "`<issuer>/.well-known/openid-configuration`."
    )
    client_id: str = strawberry.field(
        description="The client ID registered for Partnerhub at the provider."
    )
    client_secret_set: bool = strawberry.field(
        description="True when a client secret is saved (sealed; it is never shown)."
    )
    domains: list[str] = strawberry.field(
        description="The email domains whose people the provider signs in, each belonging to "
        "this organization only."
    )
    required: bool = strawberry.field(
        description="True when the provider is the organization's only way in: its people's "
        "passwords are refused (SINGLE_SIGN_ON_REQUIRED)."
    )
    enabled: bool = strawberry.field(
        description="False when single sign-on is turned off (the configuration is kept)."
    )
    redirect_uri: str = strawberry.field(
        description="The redirect URI to register at the provider for this client."
    )
    start_url: str = strawberry.field(
        description="The address that begins a sign-in through the provider (for a link or an "
        "app tile at the provider)."
    )
    updated_at: datetime = strawberry.field(description="When it was last changed.")

    @classmethod
    def of(
        cls, row: SingleSignOn, domains: list[str], public_url: str
    ) -> SingleSignOnConfiguration:
        return cls(
            id=encode_id("SingleSignOn", row.id),
            display_name=row.display_name,
            issuer=row.issuer,
            client_id=row.client_id,
            client_secret_set=bool(row.sealed_client_secret),
            domains=domains,
            required=row.required,
            enabled=row.enabled,
            redirect_uri=rules.callback_url(public_url),
            start_url=public_url.rstrip("/") + rules.start_url(row.organization_id),
            updated_at=row.updated_at,
        )


@strawberry.type(
    description="The single sign-on that applies to an email address's domain: only that "
    "there is one, and its name (nothing of whether the address has an account)."
)
class SingleSignOnProvider:
    display_name: str = strawberry.field(
        description='The provider\'s name as people see it: "Sign in with <displayName>".'
    )
    start_url: str = strawberry.field(
        description="The address that begins the sign-in through the provider (open it in "
        "the browser: it goes to the provider and comes back signed in)."
    )


@strawberry.input(
    description="The viewer's organization's single sign-on. Every field is sent; the "
    "client secret may be left out to keep the one saved."
)
class ConfigureSingleSignOnInput:
    display_name: str = strawberry.field(
        description="The provider's name as people see it (1 to 100 characters), as in "
        '"Sign in with Contoso ID".'
    )
    issuer: str = strawberry.field(
        description="The provider's issuer URL: https:// (http:// only to loopback, outside "
        "production). While `enabled`, its discovery document must be readable and name it."
    )
    client_id: str = strawberry.field(description="The client ID registered at the provider.")
    client_secret: str | None = strawberry.field(
        default=None,
        description="The client secret registered at the provider: stored sealed, never shown "
        "again. Required the first time; left out or empty, the saved one stays.",
    )
    domains: list[str] = strawberry.field(
        description="The email domains whose people the provider signs in (1 to 50): a domain "
        "is refused (DOMAIN_TAKEN) when another organization has claimed it or has people there."
    )
    required: bool = strawberry.field(
        default=False,
        description="Make the provider the organization's only way in: passwords are refused. "
        "Only while `enabled`, and with the viewer's own domain among `domains`.",
    )
    enabled: bool = strawberry.field(
        default=True, description="Whether people may sign in through the provider now."
    )


@strawberry.type(description="The result of configuring single sign-on.")
class SingleSignOnPayload:
    single_sign_on: SingleSignOnConfiguration | None = strawberry.field(
        description="The configuration, as saved."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
