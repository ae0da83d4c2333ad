"""Slowing down password guessing: growing delays per account and per client address.

Every password check is counted as a failure before it runs, for the account (its email
address, hashed) and for the client's address; a success then takes it back. Counting first
means that many guesses sent at once cannot all slip through before the first one is
recorded: each must win a conditional update of the counter it was read with. After a few
free failures each further one makes the next try wait twice as long, up to a ceiling:

- per account, 5 free, then 1 s, 2 s, 4 s... up to 30 s. The ceiling stays under a minute on
  purpose: an attacker hammering someone's account can slow its owner down, never lock them
  out;
- per address, 20 free (an office behind one address), then up to 5 minutes: that only
  slows the guesser.

A counter whose last failure is an hour old starts afresh. A refused try is RATE_LIMITED
and counts nothing, so waiting is enough to be let through again.

Second-factor codes (a TOTP code or a recovery code, at sign-in or to change one's second
factor) are counted the same way, on a counter of the account's own (`mfa:` and the
person's id) and on the address's: a right password does not clear the code's counter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from models.foundation.errors import DomainError, ErrorCode
from models.infrastructure.tokens import hash_token
from models.tables.sign_in import SignInThrottle

MEMORY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Limit:
    """`free` failures without delay, then delays doubling from one second to `ceiling`."""

    free: int
    ceiling: timedelta

    def delay(self, failures: int) -> timedelta:
        if failures <= self.free:
            return timedelta(0)
        return min(timedelta(seconds=2 ** min(failures - self.free - 1, 20)), self.ceiling)


ACCOUNT = Limit(free=5, ceiling=timedelta(seconds=30))
ADDRESS = Limit(free=20, ceiling=timedelta(minutes=5))


@dataclass(frozen=True, slots=True)
class Attempt:
    """The counters a password check was charged to, to clear once it succeeds."""

    account_key: str
    address_key: str | None


def _keys(email: str, address: str | None) -> list[tuple[str, Limit]]:
    keys = [(f"account:{hash_token(email.strip().lower())}", ACCOUNT)]
    if address:
        keys.append((f"address:{address}", ADDRESS))
    return keys


async def _counter(key: str) -> SignInThrottle:
    found = await SignInThrottle.get_or_none(key=key)
    if found is not None:
        return found
    try:
        return await SignInThrottle.create(key=key)
    except IntegrityError:  # another try made it at the same moment
        return await SignInThrottle.get(key=key)


def _limited(wait: timedelta) -> DomainError:
    seconds = max(1, math.ceil(wait.total_seconds()))
    words = f"{math.ceil(seconds / 60)} minutes" if seconds >= 120 else f"{seconds} seconds"
    return DomainError(ErrorCode.RATE_LIMITED, f"Too many sign-in attempts. Try again in {words}.")


async def charge(email: str, address: str | None, now: datetime) -> Attempt:
    """Count one password check for the account and the address before it runs; RATE_LIMITED
    (counting nothing) while either must still wait."""
    return await _charge(_keys(email, address), now)


async def charge_second_factor(user_id: UUID, address: str | None, now: datetime) -> Attempt:
    """Count one check of a second-factor code of the person's, as `charge` counts a
    password: per account (a counter of its own) and per address."""
    keys = [(f"mfa:{user_id}", ACCOUNT)]
    if address:
        keys.append((f"address:{address}", ADDRESS))
    return await _charge(keys, now)


async def _charge(keys: list[tuple[str, Limit]], now: datetime) -> Attempt:
    counters = [(await _counter(key), limit) for key, limit in keys]
    waits = [
        c.blocked_until - now for c, _ in counters if c.blocked_until and c.blocked_until > now
    ]
    if waits:
        raise _limited(max(waits))
    for counter, limit in counters:
        remembered = counter.last_failure_at is not None and now - counter.last_failure_at < MEMORY
        failures = (counter.failures if remembered else 0) + 1
        won = await SignInThrottle.filter(id=counter.id, failures=counter.failures).update(
            failures=failures, last_failure_at=now, blocked_until=now + limit.delay(failures)
        )
        if not won:  # a try at the same moment counted first: this one waits its turn
            raise _limited(timedelta(seconds=1))
    names = [key for key, _ in keys]
    return Attempt(account_key=names[0], address_key=names[1] if len(names) > 1 else None)


async def succeeded(attempt: Attempt) -> None:
    """The password was right: the account starts afresh, and the address gets its one
    failure back (not all of them, or signing in to one's own account between guesses would
    wipe the guesser's record)."""
    await SignInThrottle.filter(key=attempt.account_key).update(failures=0, blocked_until=None)
    if attempt.address_key:
        await SignInThrottle.filter(key=attempt.address_key, failures__gt=0).update(
            failures=F("failures") - 1
        )


async def forget(email: str) -> None:
    """The person proved they own the address (a set-password link): its account starts
    afresh."""
    await SignInThrottle.filter(key=_keys(email, None)[0][0]).update(failures=0, blocked_until=None)


async def forget_before(cutoff: datetime) -> int:
    """Delete the counters whose last failure is older than `cutoff`: what the daily purge
    calls, so that guesses at made-up addresses leave nothing behind for long."""
    return await SignInThrottle.filter(last_failure_at__lt=cutoff).delete()
