"""The outbox: side effects recorded in the same transaction as the change that needs them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class Task(StrEnum):
    """The jobs the outbox feeds; `workers/worker.py` registers a function for each."""

    SEND_INVITATION_EMAIL = "send_invitation_email"
    SEND_NOTIFICATION = "send_notification"
    REVOKE_ROLES = "revoke_roles"
    RUN_INBOUND_WEBHOOK = "run_inbound_webhook"
    DELIVER_WEBHOOKS = "deliver_webhooks"
    SEND_PASSWORD_EMAIL = "send_password_email"  # noqa: S105 (a job name)


class OutboxMessage(Model):
    """A job to run once the change that recorded it has committed.

    The arq job id is derived from the message id, so enqueueing it again is harmless.
    """

    id = fields.UUIDField(primary_key=True)
    task = fields.CharField(max_length=64)
    payload: dict[str, Any] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    enqueued_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "outbox_message"

    @property
    def job_id(self) -> str:
        return f"outbox:{self.id}"
