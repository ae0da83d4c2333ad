"""The job that a trusted system's webhook triggers (`models/rules/inbound.py` runs it)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from arq import Retry

from models.operation import Operation
from models.rules import inbound
from workers.dispatch import after_commit
from workers.jobs import _complete, _open_message
from workers.runtime import Runtime

MAX_TRIES = 5


async def run_inbound_webhook(ctx: dict[str, Any], outbox_id: str) -> str:
    """Run the webhook's event once; a repeated run finds it finished and does nothing."""
    runtime: Runtime = ctx["runtime"]
    message = await _open_message(outbox_id)
    if message is None:
        return "done already"
    op = Operation(actor=None, sealer=runtime.sealer, quotas=runtime.settings.invitation_quotas)
    webhook_id = UUID(message.payload["webhook_id"])
    try:
        webhook = await inbound.run(op, webhook_id)
    except Exception as exc:
        # Not a refusal: a database gone away, a deadlock... The work was undone; try again.
        job_try: int = ctx.get("job_try", 1)
        if job_try < MAX_TRIES:
            raise Retry(defer=runtime.retry_delay(job_try)) from exc
        webhook = await inbound.give_up(op, webhook_id, inbound.describe(exc))
    await _complete(message)
    await after_commit(op, ctx["redis"])
    if webhook is None:
        return "no such webhook"
    return f"{webhook.type}: {webhook.status}"
