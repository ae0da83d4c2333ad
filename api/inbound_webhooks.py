"""Signed webhooks from trusted systems: `POST /webhooks/{source}` triggers a job, and
`GET /webhooks/jobs/{id}` tells the source where it stands.

Both are signed as the Standard Webhooks specification says, with a secret of the source
(`INBOUND_WEBHOOK_SECRETS`, `models/foundation/inbound_sources.py`); the status request
signs the job id in place of a body. Answers are JSON: `{"jobId": ...}` with 202, or
`{"error": ...}` naming the problem.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime

from starlette.datastructures import Secret
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from api.limits import BodyLimit, size_in_words
from models.foundation.clock import utcnow
from models.foundation.errors import Refused
from models.foundation.ids import decode_id
from models.foundation.settings import Settings
from models.foundation.standard_webhooks import InvalidWebhook, VerifiedWebhook, verify
from models.operation import Operation
from models.rules import inbound
from models.rules.inbound_events import check_event
from models.tables.inbound_webhooks import InboundWebhook
from workers.dispatch import after_commit

log = logging.getLogger(__name__)

MAX_WEBHOOK_ID = 255


def _error(status: int, message: str, field: str | None = None) -> JSONResponse:
    content: dict[str, str] = {"error": message}
    if field is not None:
        content["field"] = field
    return JSONResponse(content, status_code=status)


def body_too_large(max_bytes: int) -> Response:
    """The refusal of a body over `WEBHOOK_MAX_BODY_BYTES` (`api.limits.BodyLimit`)."""
    return _error(413, f"The body is larger than {size_in_words(max_bytes)}.")


def _event(body: bytes) -> object:
    """The body's JSON, or `ValueError` naming what is wrong with it."""
    try:
        return json.loads(body)
    except RecursionError:
        raise ValueError("The body nests arrays or objects too deeply.") from None
    except ValueError:
        raise ValueError("The body is not JSON.") from None


def _verify(request: Request, secrets: Iterable[Secret], body: bytes) -> VerifiedWebhook:
    return verify([str(secret) for secret in secrets], request.headers, body, utcnow())


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def receive_webhook(request: Request) -> JSONResponse:
    """Check the signature, check the event, record it once, and answer with its job."""
    source = request.path_params["source"]
    secrets = _settings(request).inbound_webhook_secrets.get(source)
    if secrets is None:
        return _error(404, "Unknown source.")
    body = await request.body()  # no larger than the route's BodyLimit lets it be
    try:
        verified = _verify(request, secrets, body)
    except InvalidWebhook as invalid:
        return _error(401, str(invalid))
    if len(verified.message_id) > MAX_WEBHOOK_ID:
        return _error(422, f"The webhook-id is longer than {MAX_WEBHOOK_ID} characters.")
    try:
        document = _event(body)
    except ValueError as not_json:
        return _error(422, str(not_json))
    op = Operation(actor=None, sealer=request.app.state.sealer)
    try:
        type_, data = check_event(document, decode_id)
        webhook, recorded = await inbound.receive(op, source, verified.message_id, type_, data)
    except Refused as refused:
        first = refused.refusals[0]
        return _error(422, first.message, first.field)
    finally:
        await after_commit(op, request.app.state.redis)
    log.info(
        "webhook %s from %s: %s, job %s%s",
        verified.message_id,
        source,
        webhook.type,
        webhook.job_id,
        "" if recorded else " (a repeat)",
    )
    return JSONResponse({"jobId": webhook.job_id}, status_code=202)


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _status(webhook: InboundWebhook) -> dict[str, str | None]:
    return {
        "jobId": webhook.job_id,
        "type": webhook.type,
        "status": str(webhook.status),
        "result": webhook.result,
        "error": webhook.error,
        "receivedAt": _moment(webhook.received_at),
        "startedAt": _moment(webhook.started_at),
        "finishedAt": _moment(webhook.finished_at),
    }


async def job_status(request: Request) -> JSONResponse:
    """A job's status, for the source whose secret signs the request.

    A GET has no body: what is signed in its place is the job id, so that a signature
    seen for one job cannot be replayed to read another.
    """
    job_id = request.path_params["job_id"]
    refusal = InvalidWebhook("No signature matches.")
    for source, secrets in _settings(request).inbound_webhook_secrets.items():
        try:
            _verify(request, secrets, job_id.encode())
        except InvalidWebhook as invalid:
            refusal = invalid
            continue
        webhook = await inbound.job_of_source(source, job_id)
        if webhook is None:
            return _error(404, "No such job.")
        return JSONResponse(_status(webhook))
    return _error(401, str(refusal))


def routes(max_body_bytes: int) -> list[BaseRoute]:
    """The two routes, webhooks' bodies refused with 413 past `max_body_bytes`."""
    limit = Middleware(BodyLimit, max_bytes=max_body_bytes, refusal=body_too_large)
    return [
        Route("/webhooks/jobs/{job_id}", job_status, methods=["GET"]),
        Route("/webhooks/{source}", receive_webhook, methods=["POST"], middleware=[limit]),
    ]
