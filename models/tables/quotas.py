"""Counters of the quotas on invitation emails: one row per scope, key and window."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class QuotaCounter(Model):
    """A quota's count for one key in one window of time.

    `key` is an agent, a partner, or a recipient address of a partner (hashed), counted in
    the window that starts at `window_start`. Written in the transaction of the change it
    counts, so an undone change uncounts itself; `expires_at` is when the window ends and
    the row may go.
    """

    id = fields.UUIDField(primary_key=True)
    scope = fields.CharField(max_length=16)
    key = fields.CharField(max_length=64)
    window_start = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    hits = fields.IntField(default=0)

    class Meta:
        table = "quota_counter"
        unique_together = (("scope", "key", "window_start"),)
        indexes = (("expires_at",),)
