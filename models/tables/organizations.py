"""Organizations, their users, and the API tokens scripts sign in with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.reference.enums import OrganizationKind, UserStatus

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyNullableRelation, ForeignKeyRelation


class Organization(Model):
    """A customer organization (a tenant) or a solution-provider partner."""

    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=200)
    kind = fields.CharEnumField(OrganizationKind, max_length=16)
    # Whether everyone must sign in with a second factor; None: the default of its kind (on
    # for partners, off for customers). `models/policy/mfa.py` reads it.
    mfa_required = fields.BooleanField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organization"


class User(Model):
    """A person of an organization, or the account a PARTNER-type partner holds in a tenant."""

    # A customer's people are its directory: the admins who sign in, the people a partner's
    # helpdesk acts on under AOBO, and the account a PARTNER-type partner holds in the
    # tenant (`partner_of`), all one model with one ID.

    id = fields.UUIDField(primary_key=True)
    organization: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="users", on_delete=fields.CASCADE
    )
    organization_id: UUID
    email = fields.CharField(max_length=254, unique=True)
    display_name = fields.CharField(max_length=200, null=True)
    # Catalog keys (AdminRole) for customer users; PartnerRole values for partner users.
    roles: list[str] = fields.JSONField(default=list)
    # Set on the account that a partner works through inside this customer's tenant.
    partner_of: ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="tenant_accounts", null=True, on_delete=fields.CASCADE
    )
    partner_of_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)
    # Sign-in: the Argon2id hash of the password (none until the person sets one), when it
    # last changed, and whether it is temporary (set by someone else, to be changed at once).
    password_hash = fields.CharField(max_length=255, null=True)
    password_changed_at = fields.DatetimeField(null=True)
    must_change_password = fields.BooleanField(default=False)
    status = fields.CharEnumField(UserStatus, max_length=16, default=UserStatus.INVITED)
    # The last time someone else (an admin, or a partner's helpdesk agent under AOBO) reset
    # the password to a temporary one: who, and for which partner when one acted.
    password_reset_at = fields.DatetimeField(null=True)
    password_reset_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="password_resets", null=True, on_delete=fields.SET_NULL
    )
    password_reset_by_id: UUID | None
    password_reset_by_partner: ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization",
        related_name="password_resets_for_customers",
        null=True,
        on_delete=fields.SET_NULL,
    )
    password_reset_by_partner_id: UUID | None
    # Provisioning by the customer's identity provider (SCIM, `models/rules/scim_users.py`):
    # the `userName` it gave (any string, unique in the organization whatever its case; a
    # person it never named answers to their email address), its own `externalId`, and when
    # it last changed the person; and the type it gives their address (none: "work") and
    # whether it marks it primary (none: it does).
    user_name = fields.CharField(max_length=255, null=True)
    external_id = fields.CharField(max_length=255, null=True)
    email_type = fields.CharField(max_length=32, null=True)
    email_primary = fields.BooleanField(null=True)
    provisioned_at = fields.DatetimeField(null=True)

    class Meta:
        table = "user"
        # An organization's people: its members page (newest first), whom a notification
        # goes to, and the account a partner holds in a customer's tenant. The identity
        # provider finds its people by `userName` and `externalId`.
        indexes = (
            ("organization_id", "created_at"),
            ("organization_id", "user_name"),
            ("organization_id", "external_id"),
        )


class ApiToken(Model):
    """A bearer token, shown once. Only its SHA-256 is stored."""

    # For scripts: named by its owner so that they can tell their tokens apart; it stops
    # working when revoked, or once `expires_at` has passed.

    id = fields.UUIDField(primary_key=True)
    user: ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tokens", on_delete=fields.CASCADE
    )
    user_id: UUID
    token_hash = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"
