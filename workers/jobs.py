"""The arq jobs. Each takes an outbox message id (or the id of one of a notification's
emails) and may run more than once, harmlessly.

Every email is recorded before its try and after it (`models/rules/invitation_emails.py`,
`models/rules/notification_emails.py`), and carries a Message-ID derived from its outbox
message and recipient: a worker that dies mid-send repeats at most the email it was sending,
under the same Message-ID. A failure that may pass is retried after each of
EMAIL_RETRY_DELAYS, counted in the database, so a Redis that lost the job does not restart
the count.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from uuid import UUID

from arq import Retry

from models.foundation.budget import Budget
from models.foundation.clock import utcnow
from models.foundation.request_id import REQUEST_ID_KEY, bind_request_id
from models.foundation.settings import Settings
from models.infrastructure.change_feed import Change, announce
from models.operation import Operation
from models.reference.catalog import duration_words
from models.reference.enums import PasswordLinkPurpose
from models.rules import bulk_operations, invitation_emails, notification_emails
from models.rules.grants import complete_revocation
from models.rules.lifecycle import expire_invitations, sweep_grants
from models.rules.password_links import email_to_send as password_email_to_send
from models.rules.password_links import record_emailed
from models.tables.outbox import NotificationEmail, OutboxMessage, Task
from workers import notifications, outbound_webhooks, webhook_lanes
from workers.dispatch import after_commit, notification_email_job
from workers.emails import compose, date_words, message_id_for, render, role_words, type_words
from workers.mailer import is_transient
from workers.metrics import EMAILS, FAILED, SENT
from workers.queue import JobSpec, enqueue_many
from workers.relay import RELAY_BUDGET, relay
from workers.runtime import Runtime

log = logging.getLogger(__name__)

Ctx = dict[str, Any]


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
    payload = {**message.payload, **payload_changes}
    payload.pop("sealed_token", None)
    done = await OutboxMessage.filter(id=message.id, completed_at=None).update(
        payload=payload, completed_at=utcnow()
    )
    if done:
        log.info("%s: outbox message %s done", message.task, message.id)


def _retry_if_tries_remain(runtime: Runtime, error: BaseException, failed_tries: int) -> None:
    """Raise Retry with a growing delay while tries remain and the failure may pass."""
    if is_transient(error) and failed_tries < runtime.email_tries:
        raise Retry(defer=runtime.retry_delay(failed_tries)) from error


def _describe(error: BaseException, limit: int = 1000) -> str:
    return f"{type(error).__name__}: {error}"[:limit]


def _budget(ctx: Ctx) -> Budget:
    """The time a batch job starts new batches in (tests may call one without a runtime)."""
    runtime: Runtime | None = ctx.get("runtime")
    return runtime.batch_budget() if runtime else Runtime(Settings()).batch_budget()


async def send_invitation_email(ctx: Ctx, outbox_id: str) -> str:
    """Email the invitation with its one link; the rules decide whether it may go out."""
    runtime: Runtime = ctx["runtime"]
    message = await _open_message(outbox_id)
    if message is None:
        return "done already"
    op = Operation(actor=None, sealer=runtime.sealer)
    to_send = await invitation_emails.email_to_send(
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
    mail_from = runtime.settings.mail_from
    message_id = message_id_for(mail_from, message.id, invitation.customer_email)
    if not await invitation_emails.record_trying(to_send, message_id):
        await _complete(message, skipped=True)  # answered or resent in the meantime
        return "skipped"
    mail = compose(mail_from, invitation.customer_email, email, message_id)
    try:
        await runtime.mailer().send(mail)
    except Exception as exc:
        error = _describe(exc)
        await invitation_emails.record_failed_try(to_send, error)
        _retry_if_tries_remain(runtime, exc, invitation.email_attempts + 1)
        await invitation_emails.record_failed(to_send)
        await announce(ctx.get("redis"), {Change("Invitation", invitation.id)})  # emailStatus
        EMAILS.labels("invitation", FAILED).inc()
        await _complete(message, failed=error)
        log.warning("invitation %s: email failed for good: %s", invitation.id, error)
        return "failed"
    await invitation_emails.record_sent(to_send, message_id)  # what a delivery report names
    await announce(ctx.get("redis"), {Change("Invitation", invitation.id)})  # emailStatus
    EMAILS.labels("invitation", SENT).inc()
    await _complete(message)
    return "sent"


async def send_notification(ctx: Ctx, outbox_id: str) -> str:
    """Plan the notification's email to each of its recipients, and queue a job for each
    that is not done: each recipient's email is tried, and retried, on its own."""
    runtime: Runtime = ctx["runtime"]
    message = await _open_message(outbox_id)
    if message is None:
        return "done already"
    emails = await notifications.build(
        message.payload["template"], message.payload, runtime.settings.public_url
    )
    mail_from = runtime.settings.mail_from
    planned = await notification_emails.plan(
        message,
        [recipient for recipient, _ in emails],
        lambda recipient: message_id_for(mail_from, message.id, recipient),
    )
    undone = [email for email in planned if not email.done]
    if not undone:
        await _finish_notification(message)
        return "sent already"
    await enqueue_many(
        ctx["redis"],
        [notification_email_job(e.id) for e in undone],
    )
    return f"{len(undone)} email(s) to send"


async def send_notification_email(ctx: Ctx, email_id: str) -> str:
    """Send one recipient's email of a notification: recorded SENDING before the try and
    SENT (or PENDING for a retry, or FAILED) after it."""
    runtime: Runtime = ctx["runtime"]
    planned = await NotificationEmail.get_or_none(id=UUID(email_id))
    if planned is None:
        return "done already"
    message = await _open_message(str(planned.outbox_id))
    if message is None:
        return "done already"
    if planned.done:
        # A run that recorded the email and was cut off (the database went away) before it
        # completed the notification: this run completes it, if it was the last email.
        await _finish_notification(message)
        return "done already"
    template: str = message.payload["template"]
    emails = dict(await notifications.build(template, message.payload, runtime.settings.public_url))
    content = emails.get(planned.recipient)
    if content is None:
        await notification_emails.record_skipped(planned)
        await _finish_notification(message)
        return "skipped"
    lease = timedelta(seconds=runtime.settings.job_timeout)
    email = await notification_emails.take(planned.id, utcnow(), lease)
    if email is None:
        if (await NotificationEmail.get(id=planned.id)).done:
            return "done already"
        # Another run's try is under way: look again once its lease has run out.
        raise Retry(defer=lease)
    mail = compose(runtime.settings.mail_from, email.recipient, content, email.message_id)
    try:
        await runtime.mailer().send(mail)
    except Exception as exc:
        error = _describe(exc, 500)
        if is_transient(exc) and email.attempts + 1 < runtime.email_tries:
            failed_tries = await notification_emails.record_failed_try(email, error)
            raise Retry(defer=runtime.retry_delay(failed_tries)) from exc
        await notification_emails.record_failed(email, error)
        EMAILS.labels(template, FAILED).inc()
        # The address stays in the database (`notification_email`), out of the logs.
        log.warning("notification %s: a recipient failed for good: %s", message.id, error)
        outcome = FAILED
    else:
        await notification_emails.record_sent(email, utcnow())
        EMAILS.labels(template, SENT).inc()
        outcome = SENT
    await _finish_notification(message)
    return outcome


async def _finish_notification(message: OutboxMessage) -> None:
    """Complete the notification's outbox message once none of its emails is left to send."""
    outcome = await notification_emails.outcome(message.id)
    if outcome is not None:
        await _complete(message, sent_to=outcome.sent_to, failed=outcome.failed)


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
    mail_from = runtime.settings.mail_from
    # The same Message-ID on every try, so that a repeat after a crash is recognisably one.
    mail = compose(mail_from, user.email, email, message_id_for(mail_from, message.id, user.email))
    try:
        await runtime.mailer().send(mail)
    except Exception as exc:
        # arq counts this job's runs: a link's email keeps no count of its own tries.
        _retry_if_tries_remain(runtime, exc, ctx.get("job_try", 1))
        EMAILS.labels(template, FAILED).inc()
        await _complete(message, failed=_describe(exc))
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
    await after_commit(op, ctx["redis"])
    return f"revoked {len(grants)}"


async def run_bulk_operation(ctx: Ctx, outbox_id: str) -> str:
    """One round of a bulk operation (`models/rules/bulk_operations.py`). While items remain,
    the next round is queued under a job id of its own, behind every job queued meanwhile:
    other operations' rounds come first, round-robin. A round cut off by a crash runs again
    (arq's retry of this job, or the relay's of its outbox message) and skips what is done."""
    runtime: Runtime = ctx["runtime"]
    message = await _open_message(outbox_id)
    if message is None:
        return "done already"
    operation_id = UUID(message.payload["bulk_operation_id"])
    op = Operation(actor=None, sealer=runtime.sealer, quotas=runtime.settings.invitation_quotas)
    report = await bulk_operations.run_round(op, operation_id, runtime.batch_budget())
    await after_commit(op, ctx["redis"])
    if report.complete:
        await _complete(message)
    else:
        rounds = await bulk_operations.rounds_run(operation_id)
        await enqueue_many(
            ctx["redis"],
            [JobSpec(Task.RUN_BULK_OPERATION, f"bulk:{operation_id}:{rounds}", (outbox_id,))],
        )
    return f"{report.succeeded} succeeded, {report.failed} failed" + (
        "; complete" if report.complete else ""
    )


async def sweep_lifecycle(ctx: Ctx) -> str:
    """Cron: warn, extend and expire due GDAP grants; expire pending invitations past date."""
    runtime: Runtime = ctx["runtime"]
    op = Operation(actor=None, sealer=runtime.sealer)
    budget = _budget(ctx)
    report = await sweep_grants(op, budget=budget)
    invitations = await expire_invitations(op, budget=budget)
    await after_commit(op, ctx["redis"])
    return (
        f"warned {report.warned}, extended {report.extended}, expired {report.expired} "
        f"grant(s); expired {invitations} invitation(s)"
    )


async def deliver_webhooks(ctx: Ctx, outbox_id: str) -> str:
    """Start the webhook lanes of the endpoints a change queued deliveries for: they try
    them at once (`workers/webhook_lanes.py`); the cron job starts them again for retries."""
    message = await _open_message(outbox_id)
    if message is None:
        return "done already"
    endpoint_ids = [UUID(i) for i in message.payload["endpoint_ids"]]
    started = await webhook_lanes.start_lanes(ctx["redis"], endpoint_ids)
    await _complete(message)
    return f"started {started} lane(s)"


async def deliver_webhook_lane(ctx: Ctx, lane: int) -> str:
    """One lane's webhook deliveries that are due, within the lane's time budget."""
    runtime: Runtime = ctx["runtime"]
    tried = await webhook_lanes.deliver_lane(runtime, lane, webhook_lanes.lane_budget(runtime))
    return f"tried {tried} deliveries"


async def deliver_due_webhooks(ctx: Ctx) -> str:
    """Cron, every few seconds: start the lane of each endpoint with a delivery due."""
    due = await outbound_webhooks.due_endpoints(utcnow())
    started = await webhook_lanes.start_lanes(ctx["redis"], due)
    return f"{len(due)} endpoint(s) due, started {started} lane(s)"


async def relay_outbox(ctx: Ctx) -> str:
    """Cron, every 10 seconds: hand arq again every outbox message not yet done whose job it
    no longer holds (never enqueued, or lost with Redis's data); `workers/relay.py`."""
    relayed = await relay(ctx["redis"], utcnow(), _budget(ctx).capped(RELAY_BUDGET))
    return f"relayed {relayed} message(s)"
