"""Set-password links: made with the change that needs one, emailed by a job, used once.

A new account's link lasts 7 days, a reset's 30 minutes. The token is at least 256 random
bits, stored only as its hash; it waits in the outbox sealed under SECRET_KEY until the job
mails it (`workers/jobs.py: send_password_email`), which asks `email_to_send` first: a link
used, expired or mailed already never goes out (again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from models.infrastructure.tokens import Sealer, hash_token, new_token
from models.operation import Transaction
from models.reference.enums import PasswordLinkPurpose
from models.tables.organizations import User
from models.tables.outbox import Task
from models.tables.sign_in import PasswordLink

LIFETIMES: dict[PasswordLinkPurpose, timedelta] = {
    PasswordLinkPurpose.SET: timedelta(days=7),
    PasswordLinkPurpose.RESET: timedelta(minutes=30),
}


async def send_password_link(
    tx: Transaction, sealer: Sealer, user: User, purpose: PasswordLinkPurpose, now: datetime
) -> PasswordLink:
    """Inside the caller's transaction: a new link for the person, and the job that emails it."""
    token, token_hash = new_token()
    link = await PasswordLink.create(
        user_id=user.id,
        token_hash=token_hash,
        purpose=purpose,
        created_at=now,
        expires_at=now + LIFETIMES[purpose],
    )
    await tx.enqueue(
        Task.SEND_PASSWORD_EMAIL, password_link_id=str(link.id), sealed_token=sealer.seal(token)
    )
    return link


@dataclass(frozen=True, slots=True)
class PasswordEmail:
    """A link whose email may go out now, with its person and their organization loaded."""

    link: PasswordLink
    token: str

    @property
    def user(self) -> User:
        return self.link.user


async def email_to_send(
    sealer: Sealer, link_id: UUID, sealed_token: str, now: datetime
) -> PasswordEmail | None:
    """The email to send for the token sealed in the outbox, or None when it must not go out:
    the link is gone, used, expired or mailed already, or the token is not its token."""
    link = await PasswordLink.get_or_none(id=link_id).select_related("user__organization")
    token = sealer.unseal(sealed_token)
    if link is None or not token or hash_token(token) != link.token_hash:
        return None
    if link.used_at is not None or link.emailed_at is not None or link.expires_at <= now:
        return None
    return PasswordEmail(link=link, token=token)


async def record_emailed(email: PasswordEmail, now: datetime) -> None:
    """The email went out: a repeat of the job sends nothing."""
    await PasswordLink.filter(id=email.link.id, emailed_at=None).update(emailed_at=now)


async def purge_links_before(cutoff: datetime) -> int:
    """Delete links that expired before `cutoff`: used or not, they open nothing any more."""
    return await PasswordLink.filter(expires_at__lt=cutoff).delete()
