"""Multi-factor authentication: enrolling an authenticator app (TOTP), recovery codes, the
second step of signing in, turning it off, and an organization's requirement.

- **Enrolling** is two steps: `start_totp_enrollment` makes a seed, stores it sealed as
  pending and shows it once (as text and as a QR code's URI); `confirm_totp_enrollment`
  takes a first code from the app, makes the seed the one in use, ends the person's other
  sessions (opened without it) and hands out 10 recovery codes, shown once, stored hashed.
  Someone already enrolled may replace their authenticator the same way, proving the
  current one first (`currentCode`): the old one keeps working until the new one is
  confirmed.
- **Each code works once**: a TOTP code is accepted within pyotp's usual window (the
  current 30-second step and one either side), and only for a step later than the last one
  accepted; a recovery code is spent by one conditional update. Every code check is
  throttled like a password (`sign_in_throttle.charge_second_factor`).
- **Turning it off** (`disable_totp`) needs a current code, and is refused to whoever must
  use a second factor (`models/policy/mfa.py`); **new recovery codes**
  (`regenerate_recovery_codes`) need a current code too, and replace the old ones.

Seeds, codes and recovery codes appear in no activity entry, event, log line or message.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from models.foundation.errors import DomainError, ErrorCode
from models.identity import mfa as factors
from models.infrastructure.tokens import Sealer
from models.operation import Operation, Transaction
from models.policy.mfa import may_turn_off_mfa, require_mfa_setting_manager
from models.reference.enums import OrganizationKind
from models.rules import sign_in_throttle as throttle
from models.rules.concerns import own_organization
from models.tables.mfa import RecoveryCode, TotpFactor
from models.tables.organizations import Organization, User
from models.tables.sign_in import UserSession

log = logging.getLogger(__name__)

LABEL_MAX = 100
WRONG_CODE = "That code is not right. Enter the 6-digit code your authenticator app shows now."
USED_CODE = "That code was used already. Wait for the next one in your authenticator app."
WRONG_RECOVERY_CODE = "That recovery code is not right, or was used already."


class SecondFactor(StrEnum):
    """How a person proved the second factor: what activity entries say, never the code."""

    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"


class SecondFactorNeeded(Exception):
    """The password was right and the person has an authenticator: a code must follow. Not a
    refusal: the sign-in answers `mfaRequired: true`, with no session."""


@dataclass(frozen=True, slots=True)
class Enrollment:
    """A seed just made, for this one answer: the text to type, and the URI of its QR code."""

    secret: str
    otpauth_uri: str


def _concerns(user: User) -> dict[str, Any]:
    return own_organization(user.organization.kind, user.organization_id)


async def _viewer_user(op: Operation) -> User:
    actor = op.require_actor()
    return await User.get(id=actor.user_id).select_related("organization")


async def _factor(user_id: UUID) -> TotpFactor | None:
    return await TotpFactor.get_or_none(user_id=user_id)


def _unsealed(sealer: Sealer, sealed: str) -> str | None:
    secret = sealer.unseal(sealed)
    if secret is None:
        # Sealed under another SECRET_KEY: the person signs in with a recovery code and
        # enrols again. Said without the seed, or any part of it.
        log.warning("An authenticator's seed cannot be unsealed with the current SECRET_KEY")
    return secret


async def _spend_totp(factor: TotpFactor, code: str, sealer: Sealer, now: datetime) -> str | None:
    """None when `code` is the seed's code for a step not used yet (and now used), or the
    message that refuses it."""
    secret = _unsealed(sealer, factor.secret_sealed) if factor.secret_sealed else None
    step = factors.matching_step(secret, code, now) if secret else None
    if step is None:
        return WRONG_CODE
    won = await TotpFactor.filter(
        Q(last_used_step__isnull=True) | Q(last_used_step__lt=step),
        id=factor.id,
        secret_sealed=factor.secret_sealed,
    ).update(last_used_step=step)
    return None if won else USED_CODE


async def _spend_recovery_code(user_id: UUID, code: str, now: datetime) -> bool:
    spent = await RecoveryCode.filter(
        user_id=user_id, code_hash=factors.recovery_code_hash(code), used_at=None
    ).update(used_at=now)
    return bool(spent)


def _is_totp_code(code: str) -> bool:
    typed = factors.normalized_code(code)
    return len(typed) == factors.DIGITS and typed.isdigit()


async def _prove(
    op: Operation,
    factor: TotpFactor,
    code: str,
    field: str,
    client_address: str | None,
    *,
    accept: tuple[SecondFactor, ...] = (SecondFactor.TOTP, SecondFactor.RECOVERY_CODE),
) -> SecondFactor:
    """Check and spend a code of the person's current second factor: a TOTP code (six
    digits) or a recovery code, among those `accept`ed. Throttled; INVALID_MFA_CODE naming
    `field` when it is not right or was used already."""
    if not code.strip():
        raise DomainError(ErrorCode.INVALID_INPUT, "Enter the code.", field)
    now = op.now()
    attempt = await throttle.charge_second_factor(factor.user_id, client_address, now)
    kind = SecondFactor.TOTP if _is_totp_code(code) else SecondFactor.RECOVERY_CODE
    refusal: str | None
    if kind not in accept:  # a recovery code typed as the app's code, or the other way round
        refusal = WRONG_CODE if SecondFactor.TOTP in accept else WRONG_RECOVERY_CODE
    elif kind is SecondFactor.TOTP:
        refusal = await _spend_totp(factor, code, op.sealer, now)
    else:
        spent = await _spend_recovery_code(factor.user_id, code, now)
        refusal = None if spent else WRONG_RECOVERY_CODE
    if refusal is not None:
        raise DomainError(ErrorCode.INVALID_MFA_CODE, refusal, field)
    await throttle.succeeded(attempt)
    return kind


async def enrolled_factor(user_id: UUID) -> TotpFactor | None:
    """The person's authenticator in use, if they have one."""
    factor = await _factor(user_id)
    return factor if factor is not None and factor.secret_sealed else None


async def second_factor_at_sign_in(
    op: Operation,
    user: User,
    totp_code: str | None,
    recovery_code: str | None,
    client_address: str | None,
) -> SecondFactor | None:
    """The second step of signing in, once the password was right: None when the person has
    no authenticator (nothing to ask), else the factor the code proved. Raises
    `SecondFactorNeeded` when they have one and sent no code, and INVALID_MFA_CODE when a
    code is wrong or spent."""
    factor = await enrolled_factor(user.id)
    if factor is None:
        return None
    totp_code, recovery_code = (totp_code or "").strip(), (recovery_code or "").strip()
    if totp_code and recovery_code:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "Enter a code from your authenticator app or a recovery code, not both.",
            "recoveryCode",
        )
    if totp_code:
        return await _prove(
            op, factor, totp_code, "totpCode", client_address, accept=(SecondFactor.TOTP,)
        )
    if recovery_code:
        return await _prove(
            op,
            factor,
            recovery_code,
            "recoveryCode",
            client_address,
            accept=(SecondFactor.RECOVERY_CODE,),
        )
    raise SecondFactorNeeded


async def recovery_codes_left(user_id: UUID) -> int:
    return await RecoveryCode.filter(user_id=user_id, used_at=None).count()


async def start_totp_enrollment(
    op: Operation, label: str | None, current_code: str | None, client_address: str | None
) -> Enrollment:
    """A new seed for the viewer's authenticator app, pending until a first code confirms it.
    Replacing an authenticator in use needs a current code (or a recovery code) first."""
    user = await _viewer_user(op)
    name = (label or "").strip() or user.email
    if len(name) > LABEL_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"Use a label of at most {LABEL_MAX} characters.", "label"
        )
    factor = await _factor(user.id)
    replacing = factor is not None and factor.secret_sealed is not None
    if factor is not None and replacing:
        if not (current_code or "").strip():
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                "Enter a code from your current authenticator app, or a recovery code, to "
                "replace it.",
                "currentCode",
            )
        await _prove(op, factor, current_code or "", "currentCode", client_address)
    secret = factors.new_secret()
    now = op.now()
    pending: dict[str, Any] = {
        "pending_secret_sealed": op.sealer.seal(secret),
        "pending_label": name,
        "pending_started_at": now,
    }
    if factor is None:
        # A start at the same moment may have made the row: then this one updates it.
        with contextlib.suppress(IntegrityError):
            await TotpFactor.create(user_id=user.id)
    async with op.atomic() as tx:
        await TotpFactor.filter(user_id=user.id).update(**pending)
        await tx.record(
            "user.mfa_enrollment_started",
            "User",
            user.id,
            **_concerns(user),
            changes={"replacing": replacing},
        )
    return Enrollment(secret=secret, otpauth_uri=factors.provisioning_uri(secret, name))


async def _new_recovery_codes(user_id: UUID, now: datetime) -> list[str]:
    """Fresh recovery codes in place of the person's old ones (inside the caller's
    transaction)."""
    codes = factors.new_recovery_codes()
    await RecoveryCode.filter(user_id=user_id).delete()
    await RecoveryCode.bulk_create(
        [
            RecoveryCode(
                user_id=user_id, code_hash=factors.recovery_code_hash(code), created_at=now
            )
            for code in codes
        ]
    )
    return codes


async def confirm_totp_enrollment(
    op: Operation, code: str, *, current_session: UUID | None, client_address: str | None
) -> list[str]:
    """Confirm the pending seed with a first code from the app: it becomes the one in use,
    the viewer's other sessions end, and new recovery codes (the only time they are shown)
    replace any old ones."""
    user = await _viewer_user(op)
    factor = await _factor(user.id)
    if factor is None or factor.pending_secret_sealed is None:
        raise DomainError(
            ErrorCode.MFA_ENROLLMENT_NOT_STARTED,
            "Start again: there is no authenticator waiting to be confirmed.",
            "code",
        )
    if not code.strip():
        raise DomainError(
            ErrorCode.INVALID_INPUT, "Enter the code your authenticator app shows.", "code"
        )
    now = op.now()
    attempt = await throttle.charge_second_factor(user.id, client_address, now)
    secret = _unsealed(op.sealer, factor.pending_secret_sealed)
    step = factors.matching_step(secret, code, now) if secret else None
    if step is None:
        raise DomainError(ErrorCode.INVALID_MFA_CODE, WRONG_CODE, "code")
    await throttle.succeeded(attempt)
    replacing = factor.secret_sealed is not None
    async with op.atomic() as tx:
        confirmed = await TotpFactor.filter(
            id=factor.id, pending_secret_sealed=factor.pending_secret_sealed
        ).update(
            secret_sealed=factor.pending_secret_sealed,
            label=factor.pending_label,
            confirmed_at=now,
            last_used_step=step,
            pending_secret_sealed=None,
            pending_label=None,
            pending_started_at=None,
        )
        if not confirmed:  # confirmed, or started again, by a request at the same moment
            raise DomainError(
                ErrorCode.MFA_ENROLLMENT_NOT_STARTED,
                "Start again: this authenticator is no longer waiting to be confirmed.",
                "code",
            )
        codes = await _new_recovery_codes(user.id, now)
        others = UserSession.filter(user_id=user.id)
        if current_session is not None:
            others = others.exclude(id=current_session)
        ended = await others.delete()
        await _record_enabled(tx, user, replacing=replacing, sessions_ended=ended)
    return codes


async def _record_enabled(
    tx: Transaction, user: User, *, replacing: bool, sessions_ended: int
) -> None:
    await tx.record(
        "user.mfa_enabled",
        "User",
        user.id,
        **_concerns(user),
        changes={
            "method": "totp",
            "replaced": replacing,
            "recoveryCodes": factors.RECOVERY_CODE_COUNT,
            "sessionsEnded": sessions_ended,
        },
    )


async def regenerate_recovery_codes(
    op: Operation, code: str, client_address: str | None
) -> list[str]:
    """New recovery codes for the viewer, proving a current code (or a recovery code) first;
    the old ones stop working."""
    user = await _viewer_user(op)
    factor = await enrolled_factor(user.id)
    if factor is None:
        raise DomainError(ErrorCode.MFA_NOT_ENABLED, "You have no authenticator app set up.")
    await _prove(op, factor, code, "code", client_address)
    async with op.atomic() as tx:
        codes = await _new_recovery_codes(user.id, op.now())
        await tx.record(
            "user.recovery_codes_regenerated",
            "User",
            user.id,
            **_concerns(user),
            changes={"recoveryCodes": len(codes)},
        )
    return codes


async def disable_totp(op: Operation, code: str, client_address: str | None) -> User:
    """Remove the viewer's authenticator and recovery codes, proving a current code first;
    refused (MFA_REQUIRED) to whoever must use a second factor."""
    user = await _viewer_user(op)
    factor = await enrolled_factor(user.id)
    if factor is None:
        raise DomainError(ErrorCode.MFA_NOT_ENABLED, "You have no authenticator app set up.")
    if not may_turn_off_mfa(user.roles, user.organization):
        raise DomainError(
            ErrorCode.MFA_REQUIRED,
            "Your roles or your organization require a second factor: you may replace your "
            "authenticator app, but not turn it off.",
        )
    await _prove(op, factor, code, "code", client_address)
    async with op.atomic() as tx:
        await TotpFactor.filter(id=factor.id).delete()
        await RecoveryCode.filter(user_id=user.id).delete()
        await tx.record("user.mfa_disabled", "User", user.id, **_concerns(user))
    return user


async def reset_mfa(op: Operation, email: str) -> bool:
    """Remove a person's authenticator and recovery codes for an operator (`partnerhub
    reset-mfa`): someone who lost both signs in with their password alone, and is asked to
    set up a new app if they must use one. False when they had none."""
    user = await User.get_or_none(email=email.strip().lower()).select_related("organization")
    if user is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"No user with email {email}", "email")
    async with op.atomic() as tx:
        removed = await TotpFactor.filter(user_id=user.id).delete()
        await RecoveryCode.filter(user_id=user.id).delete()
        if removed:
            await tx.record(
                "user.mfa_disabled", "User", user.id, **_concerns(user), changes={"by": "operator"}
            )
    return bool(removed)


async def set_mfa_requirement(op: Operation, required: bool) -> Organization:
    """Whether everyone of the viewer's organization must use a second factor. A partner's
    agents always must, so a partner organization's setting stays on."""
    actor = op.require_actor()
    require_mfa_setting_manager(actor, actor.organization_id)
    organization = await Organization.get(id=actor.organization_id)
    if not required and organization.kind is OrganizationKind.PARTNER:
        raise DomainError(
            ErrorCode.MFA_REQUIRED,
            "Partner agents always sign in with a second factor: a partner organization "
            "cannot turn the requirement off.",
            "required",
        )
    async with op.atomic() as tx:
        await Organization.filter(id=organization.id).update(mfa_required=required)
        await tx.record(
            "organization.mfa_requirement_changed",
            "Organization",
            organization.id,
            **own_organization(organization.kind, organization.id),
            changes={"mfaRequired": required},
        )
    organization.mfa_required = required
    return organization


async def install_authenticator(user_id: UUID, secret: str, sealer: Sealer, now: datetime) -> None:
    """Give a person an authenticator with `secret`, confirmed, as if they had enrolled it
    themselves, without recovery codes: for `partnerhub dev` (in development only, which
    prints the secret for the demo people) and for tests that play the app."""
    await RecoveryCode.filter(user_id=user_id).delete()
    fields: dict[str, Any] = {
        "secret_sealed": sealer.seal(secret),
        "label": "Authenticator",
        "confirmed_at": now,
        "last_used_step": None,
        "pending_secret_sealed": None,
        "pending_label": None,
        "pending_started_at": None,
    }
    if not await TotpFactor.filter(user_id=user_id).update(**fields):
        await TotpFactor.create(user_id=user_id, **fields)
