"""The invitation email's state: whether it may go out, and what each try changed.

A worker sends the email (`workers/jobs.py: send_invitation_email`); these rules decide and
record. One token is mailed at most once, and the email of an answered invitation, or of a
token that a resend replaced, never goes out. Every change is conditional on the token the
email carries, so a resend while the email was on its way keeps its own fresh state.

Each try is recorded before it begins (the email's Message-ID, so that a delivery report
about it finds the invitation even if the worker dies during the try) and after it ends. A
worker that dies after the SMTP server accepted the email, before recording it sent, leaves
it to be sent again: the one repeat no protocol can rule out, under the same Message-ID.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from models.infrastructure.tokens import hash_token
from models.operation import Operation
from models.reference.enums import EmailStatus, InvitationStatus
from models.tables.invitations import Invitation


@dataclass(frozen=True, slots=True)
class InvitationEmail:
    """A pending invitation whose email may go out now, and the one token its link carries."""

    invitation: Invitation  # with its partner loaded, whose name the email gives
    token: str
    token_hash: str


def _while_current(email: InvitationEmail) -> QuerySet[Invitation]:
    """The invitation, only while the email's token is still its token."""
    return Invitation.filter(id=email.invitation.id, token_hash=email.token_hash)


async def email_to_send(
    op: Operation, invitation_id: UUID, sealed_token: str
) -> InvitationEmail | None:
    """The email to send for the token sealed in the outbox, or None when it must not go out:
    the invitation is gone or answered, a resend replaced the token, or it was mailed already.
    """
    invitation = await Invitation.filter(id=invitation_id).select_related("partner").first()
    token = op.sealer.unseal(sealed_token)
    if invitation is None or not token:
        return None
    token_hash = hash_token(token)
    if (
        invitation.status is not InvitationStatus.PENDING
        or invitation.token_hash != token_hash
        or invitation.emailed_token_hash == token_hash
    ):
        return None
    return InvitationEmail(invitation=invitation, token=token, token_hash=token_hash)


async def record_trying(email: InvitationEmail, message_id: str) -> bool:
    """A try is about to begin: a delivery report about `message_id` (a bounce) finds the
    invitation from now on. False when the email must not go out after all: answered,
    resent with a new token, or mailed in the meantime."""
    changed = await (
        _while_current(email)
        .filter(
            Q(emailed_token_hash=None) | ~Q(emailed_token_hash=email.token_hash),
            status=InvitationStatus.PENDING,
        )
        .update(email_message_id=message_id)
    )
    return bool(changed)


async def record_sent(email: InvitationEmail, message_id: str) -> None:
    """The email went out: its token is never mailed again, and a delivery report about
    `message_id` (a bounce) finds the invitation."""
    await _while_current(email).update(
        email_status=EmailStatus.SENT,
        emailed_token_hash=email.token_hash,
        email_message_id=message_id,
        email_attempts=F("email_attempts") + 1,
        email_error=None,
    )


async def record_failed_try(email: InvitationEmail, error: str) -> None:
    """A try failed; the email stays QUEUED while another try may follow."""
    await _while_current(email).update(email_attempts=F("email_attempts") + 1, email_error=error)


async def record_failed(email: InvitationEmail) -> None:
    """No try is left, or the failure cannot pass: the email failed for good."""
    await _while_current(email).update(email_status=EmailStatus.FAILED)
