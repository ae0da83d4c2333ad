"""Passwords: the one home of their rules and of their hashing.

The rules are NIST SP 800-63B's for passwords people choose:

- at least 8 characters and at most 128 (the guideline asks that at least 64 be allowed),
  counted after Unicode NFKC normalization, so that the same password typed on two keyboards
  is one password; spaces and every printable character are welcome;
- no composition rules (no "one digit and one symbol"), which only push people to predictable
  patterns;
- refused when it is known to attackers: one of the 30,000 passwords found most often in
  breaches (the list that the `zxcvbn` package ships), the account's own words (its email
  address, the parts of it, the service's name), a single repeated character or a plain
  sequence; digits and symbols wrapped around such a word do not make it new.

Hashes are Argon2id through `argon2-cffi`, with its default parameters (RFC 9106's
low-memory profile). A hash made with other parameters verifies as usual and is replaced at
that sign-in (`Verified.new_hash`), so raising the parameters needs no migration. Hashing
takes a noticeable fraction of a second on purpose: it runs in a worker thread, never on the
event loop.
"""

from __future__ import annotations

import asyncio
import string
import unicodedata
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 128
SERVICE_WORDS = ("partnerhub", "partner hub")

# Wrapped around a known word, these do not make a password new ("Password123!").
_PADDING = string.digits + string.punctuation + string.whitespace


def normalized(password: str) -> str:
    """The password as it is hashed and measured: NFKC, as NIST asks."""
    return unicodedata.normalize("NFKC", password)


@cache
def _common_passwords() -> frozenset[str]:
    """The breached passwords that `zxcvbn` ranks by frequency, lower-cased. Loaded on first
    use: the list is large, and most processes never check a password."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def _own_words(email: str | None) -> set[str]:
    """The account's own words: its address, the address's local part and domain labels."""
    words = set(SERVICE_WORDS)
    if email:
        address = email.lower()
        local, _, domain = address.partition("@")
        words |= {address, local, *domain.split(".")[:-1]}
        words |= {"".join(ch for ch in local if ch.isalnum())}
    return {word for word in words if len(word) >= 3}


def _is_run(text: str) -> bool:
    """One character repeated, or a plain ascending or descending sequence ("abcdefgh")."""
    steps = {ord(b) - ord(a) for a, b in pairwise(text)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """Why `password` may not be chosen, as a sentence for the person (never repeating the
    password); None when it may. `email` is the account's address, whose words are refused."""
    text = normalized(password)
    if len(text) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(text) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = text.lower()
    core = lowered.strip(_PADDING)
    candidates = {lowered, core} if len(core) >= 4 else {lowered}
    if candidates & _own_words(email):
        return "Don't use your email address, its parts or the service's name as a password."
    if candidates & _common_passwords():
        return "This password is too common: it is on lists of passwords known to attackers."
    if _is_run(lowered) or (len(core) >= 4 and _is_run(core)):
        return "This password is too easy to guess: a repeated character or a plain sequence."
    return None


@dataclass(frozen=True, slots=True)
class Verified:
    """Whether a password matched; `new_hash` replaces a hash made with outdated parameters."""

    ok: bool
    new_hash: str | None = None


class Passwords:
    """Hashing and checking passwords with one Argon2id configuration."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        self._throwaway_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, normalized(password))

    async def verify(self, stored: str | None, password: str) -> Verified:
        """Check `password` against `stored`. Without a stored hash (no such account, or one
        that never set a password) a throwaway hash is checked instead, so that the answer
        takes as long and tells nobody whether the account exists."""
        return await asyncio.to_thread(self._verify, stored, normalized(password))

    def _verify(self, stored: str | None, password: str) -> Verified:
        try:
            self.hasher.verify(stored or self._throwaway(), password)
        except (VerificationError, InvalidHashError):
            return Verified(ok=False)
        if stored is None:
            return Verified(ok=False)
        if self.hasher.check_needs_rehash(stored):
            return Verified(ok=True, new_hash=self.hasher.hash(password))
        return Verified(ok=True)

    def _throwaway(self) -> str:
        if self._throwaway_hash is None:  # made once, lazily: a race only makes it twice
            self._throwaway_hash = self.hasher.hash("no account has this password")
        return self._throwaway_hash


PASSWORDS = Passwords()
