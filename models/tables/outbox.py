"""The outbox: side effects recorded in the same transaction as the change that needs them,
and the progress of the emails a notification sends, one row per recipient."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyRelation


class Task(StrEnum):
    """The jobs the outbox feeds; `workers/worker.py` registers a function for each."""

    SEND_INVITATION_EMAIL = "send_invitation_email"
    SEND_NOTIFICATION = "send_notification"
    REVOKE_ROLES = "revoke_roles"
    RUN_INBOUND_WEBHOOK = "run_inbound_webhook"
    DELIVER_WEBHOOKS = "deliver_webhooks"
    SEND_PASSWORD_EMAIL = "send_password_email"  # noqa: S105 (a job name)
    RUN_BULK_OPERATION = "run_bulk_operation"


class OutboxMessage(Model):
    """A job to run once the change that recorded it has committed.

    The arq job id is derived from the message id, so enqueueing it again is harmless. The
    relay reads the messages not yet done, and the purge the old done ones, both through the
    `(completed_at, created_at, id)` index.
    """

    id = fields.UUIDField(primary_key=True)
    task = fields.CharField(max_length=64)
    payload: dict[str, Any] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    enqueued_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
        indexes = (("completed_at", "created_at", "id"),)

    @property
    def job_id(self) -> str:
        return f"outbox:{self.id}"


class RecipientStatus(StrEnum):
    """Where one recipient's email of a notification stands."""

    PENDING = "PENDING"  # not sent yet, or a try failed and another follows
    SENDING = "SENDING"  # a try is under way (or its worker died during it)
    SENT = "SENT"  # the SMTP server accepted it
    FAILED = "FAILED"  # refused for good, or no try was left
    SKIPPED = "SKIPPED"  # no longer among the notification's recipients when its turn came


class NotificationEmail(Model):
    """One recipient's email of a notification: recorded before each try (SENDING) and after
    it, so that a worker that dies repeats at most the email it was sending, under the same
    Message-ID, and never one that was recorded SENT."""

    id = fields.UUIDField(primary_key=True)
    outbox: ForeignKeyRelation[OutboxMessage] = fields.ForeignKeyField(
        "models.OutboxMessage", related_name="emails", on_delete=fields.CASCADE
    )
    outbox_id: UUID
    recipient = fields.CharField(max_length=254)
    status = fields.CharEnumField(RecipientStatus, max_length=16, default=RecipientStatus.PENDING)
    attempts = fields.IntField(default=0)  # tries that ended, sent or failed
    message_id = fields.CharField(max_length=255)  # the email's Message-ID, the same each try
    last_error = fields.TextField(null=True)
    # While SENDING: no other run takes the email before this (a try lasts less).
    lease_until = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notification_email"
        unique_together = (("outbox_id", "recipient"),)

    @property
    def done(self) -> bool:
        return self.status not in (RecipientStatus.PENDING, RecipientStatus.SENDING)
