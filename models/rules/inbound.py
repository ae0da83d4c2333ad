"""Webhooks from trusted systems: received once for each webhook-id, run once as a job.

`receive` records the webhook and its job's outbox message in one transaction; the unique
(source, webhook_id) key turns a repeat, concurrent or not, into the job recorded first.
`run` does the event's work and marks the webhook complete in one transaction, after
locking its row, so a job that arq runs twice, or that dies half-way, never does it twice.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError

from models.foundation.errors import Refused
from models.operation import Operation
from models.rules.inbound_events import EVENT_TYPES
from models.tables.inbound_webhooks import FINISHED, InboundStatus, InboundWebhook
from models.tables.outbox import Task

log = logging.getLogger(__name__)

MAX_ERROR = 1000


def new_job_id() -> str:
    return f"job_{uuid.uuid4().hex}"


async def receive(
    op: Operation, source: str, webhook_id: str, type_: str, data: dict[str, Any]
) -> tuple[InboundWebhook, bool]:
    """The webhook's row, and whether this call recorded it (False for a repeat)."""
    existing = await InboundWebhook.get_or_none(source=source, webhook_id=webhook_id)
    if existing is not None:
        return existing, False
    try:
        async with op.atomic() as tx:
            webhook = await InboundWebhook.create(
                source=source,
                webhook_id=webhook_id,
                type=type_,
                payload=data,
                job_id=new_job_id(),
            )
            message = await tx.enqueue(Task.RUN_INBOUND_WEBHOOK, webhook_id=str(webhook.id))
            webhook.outbox_message_id = message.id
            await webhook.save(update_fields=["outbox_message_id"])
    except IntegrityError:
        # A concurrent repeat recorded it first; its transaction has committed.
        return await InboundWebhook.get(source=source, webhook_id=webhook_id), False
    return webhook, True


async def job_of_source(source: str, job_id: str) -> InboundWebhook | None:
    """The job, if `source` is the one whose webhook triggered it."""
    return await InboundWebhook.get_or_none(source=source, job_id=job_id)


async def run(op: Operation, webhook_id: UUID) -> InboundWebhook | None:
    """Do the webhook's work once; a repeat, or a run after it finished, does nothing.

    A refusal (the relationship ended, the invitation is no longer pending...) fails the job
    for good with the refusal's message. Any other exception undoes the work, puts the job
    back in the queued state with the error, and propagates: the caller retries or gives up.
    """
    started = await InboundWebhook.filter(id=webhook_id, status=InboundStatus.QUEUED).update(
        status=InboundStatus.RUNNING, started_at=op.now()
    )
    webhook = await InboundWebhook.get_or_none(id=webhook_id)
    if webhook is None or (not started and webhook.status in FINISHED):
        return webhook
    event = EVENT_TYPES[webhook.type]
    work = Operation(actor=None, sealer=op.sealer, quotas=op.quotas)
    try:
        async with op.atomic():
            locked = await InboundWebhook.select_for_update().get(id=webhook_id)
            if locked.status in FINISHED:
                return locked
            result = await event.run(work, dict(webhook.payload))
            await InboundWebhook.filter(id=webhook_id).update(
                status=InboundStatus.COMPLETE, result=result, finished_at=op.now()
            )
    except Refused as refused:
        error = "; ".join(str(r.message) for r in refused.refusals)[:MAX_ERROR]
        await InboundWebhook.filter(id=webhook_id, status__not_in=FINISHED).update(
            status=InboundStatus.FAILED, error=error, finished_at=op.now()
        )
        log.info("inbound webhook %s (%s) refused: %s", webhook.job_id, webhook.type, error)
    except Exception as exc:
        await InboundWebhook.filter(id=webhook_id, status=InboundStatus.RUNNING).update(
            status=InboundStatus.QUEUED, error=describe(exc)
        )
        raise
    else:
        # The work's side effects committed with it: hand them to the caller to dispatch.
        op.committed.extend(work.committed)
    await webhook.refresh_from_db()
    return webhook


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:MAX_ERROR]


async def give_up(op: Operation, webhook_id: UUID, error: str) -> InboundWebhook | None:
    """Fail the job for good after its last try; its work was undone each time."""
    await InboundWebhook.filter(id=webhook_id, status__not_in=FINISHED).update(
        status=InboundStatus.FAILED, error=error, finished_at=op.now()
    )
    return await InboundWebhook.get_or_none(id=webhook_id)
