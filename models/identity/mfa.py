"""Second factors: time-based one-time passwords (TOTP, RFC 6238, through `pyotp`) and
recovery codes. The one home of their parameters.

- A seed is 160 random bits (RFC 4226's recommended length), shown once as base32 and as an
  `otpauth://` URI for the authenticator app's QR code; codes have 6 digits and change every
  30 seconds (what every authenticator app uses by default).
- A code is accepted within pyotp's usual window: the current 30-second step and the one
  before and after it, for a phone whose clock is a little off. `matching_step` says which
  step a code belongs to, so that the caller can refuse a step already used: each code
  works once (RFC 6238, section 5.2).
- Recovery codes are 16 characters of base32 (80 random bits) in four groups, such as
  `7KQ2-MX4D-PL9A-ZC3T`; they are compared without case, spaces or dashes, and stored as their
  SHA-256, which 80 random bits make as safe as a slow hash.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import pyotp

from models.infrastructure.tokens import hash_token

ISSUER = "Partnerhub"
DIGITS = 6
INTERVAL = 30  # seconds
VALID_WINDOW = 1  # steps either side of the current one
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # base32 without 0/O and 1/I lookalikes
_RECOVERY_LENGTH = 16


def new_secret() -> str:
    """A fresh seed, base32 (160 bits from the operating system's secure generator)."""
    return pyotp.random_base32(length=32)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)


def provisioning_uri(secret: str, account: str) -> str:
    """The `otpauth://totp/...` URI an authenticator app reads from the QR code."""
    return _totp(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def normalized_code(code: str) -> str:
    """A typed code without the spaces people put in it ("123 456")."""
    return "".join(code.split())


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code `code` is, within the accepted window; None when it is none
    of them (or is not six digits)."""
    typed = normalized_code(code)
    if len(typed) != DIGITS or not typed.isdigit():
        return None
    totp = _totp(secret)
    current = totp.timecode(now)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(typed, totp.at(now, counter_offset=offset)):
            return current + offset
    return None


def current_code(secret: str, now: datetime, *, step_offset: int = 0) -> str:
    """The code for `now` (or a neighbouring step): for the development runner and tests,
    which play the authenticator app."""
    return _totp(secret).at(now, counter_offset=step_offset)


def step_of(now: datetime) -> int:
    """The 30-second step `now` falls in (RFC 6238's T), as `matching_step` counts them."""
    return int(now.timestamp()) // INTERVAL


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Fresh recovery codes, as the person sees them: `XXXX-XXXX-XXXX-XXXX`."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    return codes


def recovery_code_hash(code: str) -> str:
    """What is stored for a recovery code, and what a typed one is looked up by: the SHA-256
    of its characters, upper-cased, without spaces or dashes."""
    return hash_token("".join(code.split()).replace("-", "").upper())
