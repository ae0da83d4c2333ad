"""What multi-factor authentication keeps: each person's authenticator (TOTP) and their
recovery codes. The authenticator's seed is stored sealed (it must be read back to check a
code); recovery codes, like every other secret handed to a person, only as their SHA-256."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyRelation, OneToOneRelation

    from models.tables.organizations import User


class TotpFactor(Model):
    """A person's authenticator app: one row per person, made when they start enrolling.

    `secret_sealed` is the seed in use, set when an enrolment is confirmed with a first code;
    `pending_secret_sealed` is a seed shown but not yet confirmed (a first enrolment, or a new
    authenticator replacing the one in use, which keeps working until then). `last_used_step`
    is the time step (30-second window) of the last code accepted: a code of that step or an
    earlier one is refused, so that each code works once.
    """

    id = fields.UUIDField(primary_key=True)
    user: OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="totp_factor", on_delete=fields.CASCADE
    )
    user_id: UUID
    secret_sealed = fields.TextField(null=True)
    label = fields.CharField(max_length=100, null=True)
    confirmed_at = fields.DatetimeField(null=True)
    last_used_step = fields.BigIntField(null=True)
    pending_secret_sealed = fields.TextField(null=True)
    pending_label = fields.CharField(max_length=100, null=True)
    pending_started_at = fields.DatetimeField(null=True)

    class Meta:
        table = "totp_factor"


class RecoveryCode(Model):
    """A one-time code that stands in for the authenticator (a lost phone): shown once when
    made, kept as its SHA-256, and spent by `used_at` in one conditional update."""

    id = fields.UUIDField(primary_key=True)
    user: ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="recovery_codes", on_delete=fields.CASCADE
    )
    user_id: UUID
    code_hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "recovery_code"
        unique_together = (("user_id", "code_hash"),)
