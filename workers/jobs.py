"""The arq jobs. Each takes an outbox message id and may run more than once, harmlessly."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from uuid import UUID

from arq import Retry
from tortoise.expressions import Q

from models.foundation.clock import utcnow
from models.foundation.request_id import REQUEST_ID_KEY, bind_request_id
from models.operation import Operation
from models.reference.catalog import duration_words
from models.reference.enums import PasswordLinkPurpose
from models.rules.grants import complete_revocation
from models.rules.invitation_emails import (
    email_to_send,
    record_failed,
    record_failed_try,
    record_sent,
)
from models.rules.lifecycle import expire_invitations, sweep_grants
from models.rules.password_links import email_to_send as password_email_to_send
from models.rules.password_links import record_emailed
from models.tables.outbox import OutboxMessage
from workers import notifications, outbound_webhooks
from workers.dispatch import dispatch
from workers.emails import compose, date_words, render, role_words, type_words
from workers.mailer import is_transient
from workers.metrics import EMAILS, FAILED, SENT
from workers.runtime import Runtime

log = logging.getLogger(__name__)

Ctx = dict[str, Any]

EMAIL_MAX_TRIES = 6


async def _open_message(outbox_id: str) -> OutboxMessage | None:
    """The outbox message to work on, or None when it is done already (a repeated run).

    The rest of the job runs, and logs, under the id of the request that recorded it.
    """
    message = await OutboxMessage.get_or_none(id=UUID(outbox_id))
    if message is None or message.completed_at is not None:
        return None
    bind_request_id(message.payload.get(REQUEST_ID_KEY))
    return message


async def _complete(message: OutboxMessage, **payload_changes: Any) -> None:
    message.payload = {**message.payload, **payload_changes}
    message.payload.pop("sealed_token", None)
    message.completed_at = utcnow()
    await message.save(update_fields=["payload", "completed_at"])
    log.info("%s: outbox message %s done", message.task, message.id)


def _retry_or_give_up(ctx: Ctx, error: BaseException) -> None:
    """Raise Retry with a growing delay while tries remain and the failure may pass."""
    runtime: Runtime = ctx["runtime"]
    job_try: int = ctx.get("job_try", 1)
    if is_transient(error) and job_try < EMAIL_MAX_TRIES:
        raise Retry(defer=runtime.retry_delay(job_try)) from error


async def send_invitation_email(ctx: Ctx, outbox_id: str) -> str:
    """Email the invitation with its one link; the rules decide whether it may go out."""
    runtime: Runtime = ctx["runtime"]
    message = await _open_message(outbox_id)
    if message is None:
        return "done already"
    op = Operation(actor=None, sealer=runtime.sealer)
    to_send = await email_to_send(
        op, UUID(message.payload["invitation_id"]), message.payload.get("sealed_token", "")
    )
    if to_send is None:
        # Answered, resent with a new token, or mailed already: this email must not go out.
        await _complete(message, skipped=True)
        return "skipped"
    invitation = to_send.invitation
    email = render(
        "invitation",
        sender_name=invitation.partner.name,
        partner_name=invitation.partner.name,
        **type_words(invitation.type),
        roles=role_words(invitation.roles),
        duration=duration_words(invitation.type, invitation.duration_days, invitation.auto_extend),
        message=invitation.message,
        accept_url=f"{runtime.settings.public_url}/invitations/accept?token={to_send.token}",
        expires_on=date_words(invitation.expires_at),
        resent=bool(message.payload.get("resent")),
    )
    mail = compose(runtime.settings.mail_from, invitation.customer_email, email)
    try:
        await runtime.mailer().send(mail)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
        await record_failed_try(to_send, error)
        _retry_or_give_up(ctx, exc)
        await record_failed(to_send)
        EMAILS.labels("invitation", FAILED).inc()
        await _complete(message, failed=error)
        log.warning("invitation %s: email failed for good: %s", invitation.id, error)
        return "failed"
    await record_sent(to_send, mail["Message-ID"])  # what a delivery report names it by
    EMAILS.labels("invitation", SENT).inc()
    await _complete(message)
    return "sent"


async def send_notification(ctx: Ctx, outbox_id: str) -> str:
    """Send one notification to each of its recipients; a repeat skips those already sent."""
    runtime: Runtime = ctx["runtime"]
    message = await _open_message(outbox_id)
    if message is None:
        return "done already"
    template: str = message.payload["template"]
    emails = await notifications.build(template, message.payload, runtime.settings.public_url)
    sent: list[str] = list(message.payload.get("sent_to", []))
    failed: dict[str, str] = dict(message.payload.get("failed", {}))
    for recipient, email in emails:
        if recipient in sent or recipient in failed:
            continue
        try:
            await runtime.mailer().send(compose(runtime.settings.mail_from, recipient, email))
        except Exception as exc:
            _retry_or_give_up(ctx, exc)
            failed[recipient] = f"{type(exc).__name__}: {exc}"[:500]
            EMAILS.labels(template, FAILED).inc()
            # The address stays in the outbox message (`failed`), out of the logs.
            log.warning("notification %s: a recipient failed for good: %s", outbox_id, exc)
        else:
            sent.append(recipient)
            EMAILS.labels(template, SENT).inc()
        message.payload = {**message.payload, "sent_to": sent, "failed": failed}
        await message.save(update_fields=["payload"])
    await _complete(message)
    return f"sent {len(sent)}"


# The email of each kind of set-password link: a new account's, or a reset's.
PASSWORD_TEMPLATES = {
    PasswordLinkPurpose.SET: "set_password",
    PasswordLinkPurpose.RESET: "password_reset",
}


async def send_password_email(ctx: Ctx, outbox_id: str) -> str:
    """Email a set-password link; the rules decide whether it may still go out."""
    runtime: Runtime = ctx["runtime"]
    message = await _open_message(outbox_id)
    if message is None:
        return "done already"
    to_send = await password_email_to_send(
        runtime.sealer,
        UUID(message.payload["password_link_id"]),
        message.payload.get("sealed_token", ""),
        utcnow(),
    )
    if to_send is None:  # used, expired, or mailed already: this link must not go out
        await _complete(message, skipped=True)
        return "skipped"
    link, user = to_send.link, to_send.user
    template = PASSWORD_TEMPLATES[link.purpose]
    email = render(
        template,
        sender_name=user.organization.name,
        organization_name=user.organization.name,
        person_name=user.display_name,
        email=user.email,
        link_url=f"{runtime.settings.public_url}/set-password?token={to_send.token}",
        expires_on=date_words(link.expires_at),
    )
    try:
        await runtime.mailer().send(compose(runtime.settings.mail_from, user.email, email))
    except Exception as exc:
        _retry_or_give_up(ctx, exc)
        EMAILS.labels(template, FAILED).inc()
        await _complete(message, failed=f"{type(exc).__name__}: {exc}"[:1000])
        log.warning("password link %s: email failed for good: %s", link.id, exc)
        return "failed"
    await record_emailed(to_send, utcnow())
    EMAILS.labels(template, SENT).inc()
    await _complete(message)
    return "sent"


async def revoke_roles(ctx: Ctx, outbox_id: str) -> str:
    """Carry a revocation through: grants REVOKED, tenant account trimmed, both sides told."""
    runtime: Runtime = ctx["runtime"]
    message = await _open_message(outbox_id)
    if message is None:
        return "done already"
    op = Operation(actor=None, sealer=runtime.sealer)
    grants = await complete_revocation(op, UUID(message.payload["relationship_id"]))
    await _complete(message)
    await dispatch(op.committed, ctx["redis"])
    return f"revoked {len(grants)}"


async def sweep_lifecycle(ctx: Ctx) -> str:
    """Cron: warn, extend and expire due GDAP grants; expire pending invitations past date."""
    runtime: Runtime = ctx["runtime"]
    op = Operation(actor=None, sealer=runtime.sealer)
    report = await sweep_grants(op)
    invitations = await expire_invitations(op)
    await dispatch(op.committed, ctx["redis"])
    return (
        f"warned {report.warned}, extended {report.extended}, expired {report.expired} "
        f"grant(s); expired {invitations} invitation(s)"
    )


async def deliver_webhooks(ctx: Ctx, outbox_id: str) -> str:
    """Try the webhook deliveries a change queued, at once; the cron job retries the rest."""
    runtime: Runtime = ctx["runtime"]
    message = await _open_message(outbox_id)
    if message is None:
        return "done already"
    tried = await outbound_webhooks.deliver(
        runtime, [UUID(i) for i in message.payload["endpoint_ids"]]
    )
    await _complete(message)
    return f"tried {tried} deliveries"


async def deliver_due_webhooks(ctx: Ctx) -> str:
    """Cron, every few seconds: try every webhook delivery whose next try is due."""
    runtime: Runtime = ctx["runtime"]
    tried = await outbound_webhooks.deliver(
        runtime, await outbound_webhooks.due_endpoints(utcnow())
    )
    return f"tried {tried} deliveries"


# An outbox message not enqueued this long after its commit, or enqueued this long ago and
# still not done, is handed to arq again (its job id makes a repeat harmless). arq keeps a
# finished job's id for `keep_result` (10 minutes, workers/worker.py), less than this.
RELAY_AFTER = timedelta(seconds=30)
RELAY_STALE_AFTER = timedelta(hours=1)


async def relay_outbox(ctx: Ctx) -> str:
    """Cron: enqueue the outbox messages that never reached Redis, or whose job was lost."""
    now = utcnow()
    pending = (
        await OutboxMessage.filter(completed_at=None)
        .filter(
            Q(enqueued_at=None, created_at__lte=now - RELAY_AFTER)
            | Q(enqueued_at__lte=now - RELAY_STALE_AFTER)
        )
        .order_by("created_at")
        .limit(1000)
    )
    return f"relayed {await dispatch(pending, ctx['redis'])} message(s)"
