"""Webhooks received from trusted systems, one row for each webhook-id of a source."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class InboundStatus(StrEnum):
    """Where the job a webhook triggered stands."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"


FINISHED = (InboundStatus.COMPLETE, InboundStatus.FAILED)


class InboundWebhook(Model):
    """A webhook a trusted system sent, and the job it triggered.

    The unique (source, webhook_id) pair de-duplicates repeats, concurrent ones included. The
    row is written together with the outbox message of its job, and the job flips it to
    complete in the same transaction as its work, so the work is done once for one id.
    """

    id = fields.UUIDField(primary_key=True)
    source = fields.CharField(max_length=64)
    webhook_id = fields.CharField(max_length=255)
    type = fields.CharField(max_length=64)
    payload: dict[str, Any] = fields.JSONField(default=dict)
    status = fields.CharEnumField(InboundStatus, max_length=16, default=InboundStatus.QUEUED)
    # The job answered to the sender, and the outbox message that runs it.
    job_id = fields.CharField(max_length=64, unique=True)
    outbox_message_id = fields.UUIDField(null=True)
    result = fields.TextField(null=True)
    error = fields.TextField(null=True)
    received_at = fields.DatetimeField(auto_now_add=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "inbound_webhook"
        unique_together = (("source", "webhook_id"),)
