"""The job that a trusted system's webhook triggers (`models/rules/inbound.py` runs it)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from models.operation import Operation
from models.rules import inbound
from workers.dispatch import dispatch
from workers.jobs import _complete, _open_message
from workers.runtime import Runtime


async def run_inbound_webhook(ctx: dict[str, Any], outbox_id: str) -> str:
    """Run the webhook's event once; a repeated run finds it finished and does nothing."""
    runtime: Runtime = ctx["runtime"]
    message = await _open_message(outbox_id)
    if message is None:
        return "done already"
    op = Operation(actor=None, sealer=runtime.sealer)
    webhook = await inbound.run(op, UUID(message.payload["webhook_id"]))
    await _complete(message)
    await dispatch(op.committed, ctx["redis"])
    if webhook is None:
        return "no such webhook"
    return f"{webhook.type}: {webhook.status}"
