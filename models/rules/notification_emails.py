"""A notification's emails, one per recipient: which may go out, and what each try changed.

A worker sends them (`workers/jobs.py`: `send_notification` plans them, and one
`send_notification_email` job per recipient sends one); these rules record. Each email is
recorded SENDING before its try and SENT or PENDING (or FAILED) after it, each change
conditional on the state it expects, so a recipient gets the email once. The one repeat a
crash can cause is of the email in flight: the SMTP server accepted it, and the worker died
before recording SENT. Its retry carries the same Message-ID, which lets mail systems and
people recognise it; no protocol between a worker and an SMTP server can close that window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from models.tables.outbox import NotificationEmail, OutboxMessage, RecipientStatus

UNDONE = (RecipientStatus.PENDING, RecipientStatus.SENDING)


async def plan(
    message: OutboxMessage, recipients: list[str], message_id_for: Callable[[str], str]
) -> list[NotificationEmail]:
    """The notification's email to each recipient, recorded PENDING the first time it is
    planned (a repeat adds only recipients new since); every email of the message.

    A message that an earlier version began to send kept its progress in its payload
    (`sent_to`, `failed`): those recipients are recorded as it left them, never mailed again.
    """
    known = {
        str(recipient)
        for recipient in await NotificationEmail.filter(outbox_id=message.id).values_list(
            "recipient", flat=True
        )
    }
    earlier = {str(r): RecipientStatus.SENT for r in message.payload.get("sent_to", [])}
    earlier |= {str(r): RecipientStatus.FAILED for r in message.payload.get("failed", {})}
    new = [
        NotificationEmail(
            outbox_id=message.id,
            recipient=recipient,
            message_id=message_id_for(recipient),
            status=earlier.get(recipient, RecipientStatus.PENDING),
        )
        for recipient in recipients
        if recipient not in known
    ]
    if new:
        await NotificationEmail.bulk_create(new, ignore_conflicts=True)
    return await NotificationEmail.filter(outbox_id=message.id).order_by("recipient")


async def take(email_id: UUID, now: datetime, lease: timedelta) -> NotificationEmail | None:
    """Record the email SENDING, for a try about to begin; None when it is done, or another
    run's try is under way (its lease has not run out). A SENDING email whose lease ran out
    was in flight when its worker died: it is taken again, and may reach its recipient twice.
    """
    taken = await NotificationEmail.filter(
        Q(status=RecipientStatus.PENDING)
        | Q(status=RecipientStatus.SENDING, lease_until__lte=now)
        | Q(status=RecipientStatus.SENDING, lease_until=None),
        id=email_id,
    ).update(status=RecipientStatus.SENDING, lease_until=now + lease)
    if not taken:
        return None
    return await NotificationEmail.get(id=email_id)


def _sending(email: NotificationEmail) -> QuerySet[NotificationEmail]:
    return NotificationEmail.filter(id=email.id, status=RecipientStatus.SENDING)


async def record_sent(email: NotificationEmail, now: datetime) -> None:
    """The SMTP server accepted the email: it never goes to this recipient again."""
    await _sending(email).update(
        status=RecipientStatus.SENT,
        attempts=F("attempts") + 1,
        sent_at=now,
        last_error=None,
        lease_until=None,
    )


async def record_failed_try(email: NotificationEmail, error: str) -> int:
    """A try failed and another may follow; how many tries have failed so far."""
    await _sending(email).update(
        status=RecipientStatus.PENDING,
        attempts=F("attempts") + 1,
        last_error=error,
        lease_until=None,
    )
    await email.refresh_from_db(fields=["attempts"])
    return email.attempts


async def record_failed(email: NotificationEmail, error: str) -> None:
    """No try is left, or the failure cannot pass: the email failed for good."""
    await NotificationEmail.filter(id=email.id, status__in=UNDONE).update(
        status=RecipientStatus.FAILED, last_error=error, lease_until=None
    )


async def record_skipped(email: NotificationEmail) -> None:
    """The address is no longer among the notification's recipients: nothing goes to it."""
    await NotificationEmail.filter(id=email.id, status__in=UNDONE).update(
        status=RecipientStatus.SKIPPED, lease_until=None
    )


@dataclass
class Outcome:
    """What a notification's emails came to, once none is left to send."""

    sent_to: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


async def outcome(message_id: UUID) -> Outcome | None:
    """The notification's outcome, or None while an email is still to be sent."""
    emails = await NotificationEmail.filter(outbox_id=message_id).order_by("recipient")
    if any(email.status in UNDONE for email in emails):
        return None
    result = Outcome()
    for email in emails:
        if email.status is RecipientStatus.SENT:
            result.sent_to.append(email.recipient)
        elif email.status is RecipientStatus.FAILED:
            result.failed[email.recipient] = email.last_error or ""
    return result
