"""Signing in and out, and passwords: choosing one from an emailed link, resetting a forgotten
one, changing one's own.

Each refusal names its field. A wrong email address and a wrong password get the same
answer, in the same time (`Passwords.verify` checks a throwaway hash when there is no
account), and a reset request gets the same answer whether or not the address has an
account, so that none of them tells a stranger who has one. Passwords, tokens and session
ids appear in no activity entry, log line or message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from tortoise.expressions import Q

from models.foundation.errors import DomainError, ErrorCode, ValidationErrors
from models.foundation.settings import Quota
from models.identity.actors import Actor
from models.identity.passwords import PASSWORDS, normalized, password_problem
from models.identity.sessions import Device, OpenedSession, SessionTimeouts, open_session
from models.infrastructure.tokens import hash_token
from models.operation import Operation
from models.reference.enums import PasswordLinkPurpose, UserStatus
from models.rules import mfa
from models.rules import sign_in_throttle as throttle
from models.rules.concerns import own_organization
from models.rules.password_links import purge_links_before, send_password_link
from models.rules.password_reset_quota import count_reset_request
from models.rules.sso_required import password_refusal
from models.tables.organizations import User
from models.tables.sign_in import PasswordLink, UserSession

# A second reset email for the same account within this time is not sent: the first one's
# link works, and a stranger cannot fill someone's mailbox.
RESET_COOLDOWN = timedelta(minutes=1)

WRONG_CREDENTIALS = "The email address or password is not right."


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A person signed in: their account and the session the response's cookie carries."""

    user: User
    session: OpenedSession


@dataclass(frozen=True, slots=True)
class SecondFactorRequired:
    """The password was right, and the person signs in with a second factor too: no session
    until a code follows (`mfaRequired: true`)."""

    user: User


@dataclass(frozen=True, slots=True)
class SignedOut:
    """How many sessions ended, and whether the one making the request is among them."""

    ended: int
    current_ended: bool


def _actor(user: User) -> Actor:
    return Actor.of(user, user.organization.kind)


def _concerns(user: User) -> dict[str, Any]:
    return own_organization(user.organization.kind, user.organization_id)


async def sign_in(
    op: Operation,
    email: str,
    password: str,
    *,
    timeouts: SessionTimeouts,
    device: Device,
    totp_code: str | None = None,
    recovery_code: str | None = None,
) -> SignedIn | SecondFactorRequired:
    """Check the password, then the second factor of a person who has one (`rules.mfa`), and
    open a session. Throttled per account and per client address (`sign_in_throttle`); a
    hash made with outdated parameters is replaced."""
    address = email.strip().lower()
    missing = [
        DomainError(ErrorCode.INVALID_INPUT, message, field)
        for value, message, field in (
            (address, "Enter your email address.", "email"),
            (password, "Enter your password.", "password"),
        )
        if not value
    ]
    if missing:
        raise ValidationErrors(missing)
    now = op.now()
    attempt = await throttle.charge(address, device.client_address, now)
    user = await User.get_or_none(email=address).select_related("organization")
    verified = await PASSWORDS.verify(user.password_hash if user else None, password)
    if user is None or not verified.ok:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, WRONG_CREDENTIALS, "password")
    await throttle.succeeded(attempt)
    if user.status is UserStatus.DISABLED:
        raise DomainError(
            ErrorCode.ACCOUNT_DISABLED,
            "This account is disabled. Ask an administrator of your organization.",
            "email",
        )
    sso_only = await password_refusal(user, "password")
    if sso_only:  # told only to whoever knows the password
        raise sso_only
    try:
        second_factor = await mfa.second_factor_at_sign_in(
            op, user, totp_code, recovery_code, device.client_address
        )
    except mfa.SecondFactorNeeded:
        return SecondFactorRequired(user=user)
    changes: dict[str, Any] = {"method": "password"}
    if second_factor is not None:
        changes["secondFactor"] = second_factor.value
    if second_factor is mfa.SecondFactor.RECOVERY_CODE:
        changes["recoveryCodesLeft"] = await mfa.recovery_codes_left(user.id)
    async with op.atomic(actor=_actor(user)) as tx:
        if verified.new_hash:
            await User.filter(id=user.id).update(password_hash=verified.new_hash)
            user.password_hash = verified.new_hash
        opened = await open_session(user.id, timeouts, now, device)
        await tx.record("user.signed_in", "User", user.id, **_concerns(user), changes=changes)
    return SignedIn(user=user, session=opened)


async def sign_out(
    op: Operation,
    *,
    current_session: UUID | None,
    session_id: UUID | None = None,
    everywhere: bool = False,
) -> SignedOut:
    """End the session making the request, one other session of the person's (`session_id`),
    or all of them (`everywhere`). Signing out without a session ends nothing and is no
    error: the cookies go all the same."""
    actor = op.actor
    if actor is None:
        return SignedOut(ended=0, current_ended=True)
    own = UserSession.filter(user_id=actor.user_id)
    if everywhere:
        ending = own
    elif session_id is not None:
        if not await own.filter(id=session_id).exists():
            raise DomainError(ErrorCode.NOT_FOUND, "No such session of yours.", "sessionId")
        ending = own.filter(id=session_id)
    elif current_session is not None:
        ending = own.filter(id=current_session)
    else:  # a bearer token signs nothing out
        return SignedOut(ended=0, current_ended=False)
    async with op.atomic() as tx:
        ended = await ending.delete()
        if ended:
            await tx.record(
                "user.signed_out",
                "User",
                actor.user_id,
                **own_organization(actor.organization_kind, actor.organization_id),
                changes={"sessions": ended, "everywhere": everywhere},
            )
    current_ended = everywhere or session_id is None or session_id == current_session
    return SignedOut(ended=ended, current_ended=current_ended)


async def set_password(
    op: Operation, token: str, password: str, *, timeouts: SessionTimeouts, device: Device
) -> SignedIn | SecondFactorRequired:
    """Choose a password from an emailed link, once: the link and the person's other links
    die, every session of theirs ends (a reset may follow a stolen password), an invited
    person becomes ACTIVE, and a new session opens, unless the person has a second factor:
    a link proves the mailbox, not the authenticator, so they then sign in with both."""
    now = op.now()
    link = (
        await PasswordLink.get_or_none(token_hash=hash_token(token)).select_related(
            "user__organization"
        )
        if token
        else None
    )
    if (
        link is None
        or link.used_at is not None
        or link.expires_at <= now
        or link.user.status is UserStatus.DISABLED
    ):
        raise _link_not_valid()
    user = link.user
    sso_only = await password_refusal(user, "token")
    if sso_only:
        raise sso_only
    problem = password_problem(password, email=user.email)
    if problem:
        raise DomainError(ErrorCode.PASSWORD_NOT_ALLOWED, problem, "password")
    password_hash = await PASSWORDS.hash(password)
    status = UserStatus.ACTIVE if user.status is UserStatus.INVITED else user.status
    async with op.atomic(actor=_actor(user)) as tx:
        if not await PasswordLink.filter(id=link.id, used_at=None).update(used_at=now):
            raise _link_not_valid()  # used by a request at the same moment
        await PasswordLink.filter(user_id=user.id, used_at=None).update(used_at=now)
        # Not if an admin disabled the person since they were read (`disableUser`).
        allowed = User.filter(id=user.id).exclude(status=UserStatus.DISABLED)
        if not await allowed.update(
            password_hash=password_hash,
            password_changed_at=now,
            must_change_password=False,
            status=status,
        ):
            raise _link_not_valid()
        ended = await UserSession.filter(user_id=user.id).delete()
        second_factor = await mfa.enrolled_factor(user.id) is not None
        opened = None if second_factor else await open_session(user.id, timeouts, now, device)
        await tx.record(
            "user.password_set",
            "User",
            user.id,
            **_concerns(user),
            changes={"link": link.purpose.lower(), "sessionsEnded": ended},
        )
    await throttle.forget(user.email)
    user.password_hash, user.password_changed_at = password_hash, now
    user.must_change_password, user.status = False, status
    if opened is None:
        return SecondFactorRequired(user=user)
    return SignedIn(user=user, session=opened)


def _link_not_valid() -> DomainError:
    return DomainError(
        ErrorCode.LINK_NOT_VALID,
        "This link was used already, has expired or is not valid. Ask for a new one.",
        "token",
    )


async def request_password_reset(
    op: Operation, email: str, *, client_address: str | None, quota: Quota
) -> None:
    """Email a reset link (30 minutes, once) to the account with this address, if there is
    one that may sign in; the answer is the same either way. The client's address asks at
    most `quota` (`password_reset_quota`), counted before anyone is looked up."""
    address = email.strip().lower()
    if not address or "@" not in address:
        raise DomainError(ErrorCode.INVALID_INPUT, "Enter your email address.", "email")
    now = op.now()
    await count_reset_request(client_address, quota, now)
    user = await User.get_or_none(email=address).select_related("organization")
    if user is None or user.status is UserStatus.DISABLED or await password_refusal(user, "email"):
        return
    recent = PasswordLink.filter(
        user_id=user.id, purpose=PasswordLinkPurpose.RESET, created_at__gt=now - RESET_COOLDOWN
    )
    if await recent.exists():
        return
    async with op.atomic() as tx:
        await send_password_link(tx, op.sealer, user, PasswordLinkPurpose.RESET, now)
        await tx.record("user.password_reset_requested", "User", user.id, **_concerns(user))


async def change_password(
    op: Operation,
    current_password: str,
    new_password: str,
    *,
    current_session: UUID | None,
    client_address: str | None,
) -> User:
    """Change one's own password, proving the current one (throttled like a sign-in). The
    person's other sessions end at once; a temporary password stops being one."""
    actor = op.require_actor()
    user = await User.get(id=actor.user_id).select_related("organization")
    refusals = []
    if not current_password:
        refusals.append(
            DomainError(ErrorCode.INVALID_INPUT, "Enter your current password.", "currentPassword")
        )
    problem = password_problem(new_password, email=user.email)
    if problem:
        refusals.append(DomainError(ErrorCode.PASSWORD_NOT_ALLOWED, problem, "newPassword"))
    if refusals:
        raise ValidationErrors(refusals)
    now = op.now()
    attempt = await throttle.charge(user.email, client_address, now)
    if not (await PASSWORDS.verify(user.password_hash, current_password)).ok:
        raise DomainError(
            ErrorCode.INVALID_CREDENTIALS,
            "Your current password is not right.",
            "currentPassword",
        )
    await throttle.succeeded(attempt)
    if normalized(new_password) == normalized(current_password):
        raise DomainError(
            ErrorCode.PASSWORD_NOT_ALLOWED,
            "Choose a password different from your current one.",
            "newPassword",
        )
    password_hash = await PASSWORDS.hash(new_password)
    async with op.atomic() as tx:
        await User.filter(id=user.id).update(
            password_hash=password_hash,
            password_changed_at=now,
            must_change_password=False,
            status=UserStatus.ACTIVE if user.status is UserStatus.INVITED else user.status,
        )
        others = UserSession.filter(user_id=user.id)
        if current_session is not None:
            others = others.exclude(id=current_session)
        ended = await others.delete()
        await tx.record(
            "user.password_changed",
            "User",
            user.id,
            **_concerns(user),
            changes={"sessionsEnded": ended},
        )
    return await User.get(id=user.id)


@dataclass(frozen=True, slots=True)
class Purged:
    sessions: int
    links: int
    counters: int


async def purge_ended(now: datetime) -> Purged:
    """Delete what signs nobody in any more: ended sessions, links expired a day ago (kept
    that long so that a late click still finds its link and hears that it expired), and
    throttle counters past their memory. The daily job calls it (`workers/retention.py`)."""
    sessions = await UserSession.filter(
        Q(idle_expires_at__lte=now) | Q(expires_at__lte=now)
    ).delete()
    links = await purge_links_before(now - timedelta(days=1))
    counters = await throttle.forget_before(now - throttle.MEMORY)
    return Purged(sessions=sessions, links=links, counters=counters)
