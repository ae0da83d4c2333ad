"""What signing in leaves in the database: sessions, set-password links, and the counters that
slow down password guessing. Secrets are never stored, only their SHA-256."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.reference.enums import PasswordLinkPurpose

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyRelation

    from models.tables.organizations import User


class UserSession(Model):
    """A browser's sign-in, carried by an HttpOnly cookie whose value is hashed here.

    It ends on sign-out, when the person changes their password (their other sessions), after
    `idle_expires_at` (pushed back as the session is used) or at `expires_at`, whichever
    comes first.
    """

    id = fields.UUIDField(primary_key=True)
    user: ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    user_id: UUID
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField()
    idle_expires_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    # What the person sees in their list of sessions, to recognise each one.
    user_agent = fields.CharField(max_length=300, null=True)
    client_address = fields.CharField(max_length=64, null=True)
    # Opened through the organization's identity provider (single sign-on), whose sign-in
    # stands in for Partnerhub's own second factor.
    by_identity_provider = fields.BooleanField(default=False)

    class Meta:
        table = "user_session"

    def live_at(self, now: datetime) -> bool:
        return now < self.idle_expires_at and now < self.expires_at


class PasswordLink(Model):
    """A single-use link that lets a person choose a password: for a new account, or to reset a
    forgotten one. Only the hash of its token is kept; the token travels sealed in the outbox
    until the email is sent."""

    id = fields.UUIDField(primary_key=True)
    user: ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="password_links", on_delete=fields.CASCADE
    )
    user_id: UUID
    token_hash = fields.CharField(max_length=64, unique=True)
    purpose = fields.CharEnumField(PasswordLinkPurpose, max_length=16)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    emailed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "password_link"
        indexes = (("user_id", "created_at"),)


class SignInThrottle(Model):
    """Failed password checks counted for one key (an account, or a client address), and the
    time before which the next try is refused. A failure older than the counter's memory
    starts it afresh."""

    id = fields.UUIDField(primary_key=True)
    key = fields.CharField(max_length=100, unique=True)
    failures = fields.IntField(default=0)
    blocked_until = fields.DatetimeField(null=True)
    last_failure_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "sign_in_throttle"
