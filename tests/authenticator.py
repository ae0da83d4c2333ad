"""Playing a person's authenticator app in tests: giving them one, and reading its codes.

Each code works once (the service refuses a 30-second step at or before the last one it
accepted), so `next_code` reads which step was used last and gives the code of one not used
yet: the current step, or the next one (accepted too, within the usual window), or, when a
test signs the same person in a third time within one step, the current step's after a wait.
"""

from __future__ import annotations

import asyncio
import time

from models.foundation.clock import utcnow
from models.foundation.settings import DEFAULT_SECRET_KEY
from models.identity.mfa import INTERVAL, current_code, new_secret, step_of
from models.infrastructure.tokens import Sealer
from models.rules.mfa import install_authenticator
from models.tables.mfa import TotpFactor
from tests.factories import Person

# The tests' settings keep the default SECRET_KEY, which the service seals seeds under.
SEALER = Sealer(DEFAULT_SECRET_KEY)


async def with_authenticator(person: Person) -> Person:
    """The person, with an authenticator app enrolled (no recovery codes), its seed known to
    the test."""
    secret = new_secret()
    await install_authenticator(person.user.id, secret, SEALER, utcnow())
    person.totp_secret = secret
    return person


async def next_code(person: Person) -> str:
    """A code of the person's app that the service has not accepted yet."""
    assert person.totp_secret, "the person has no authenticator"
    while True:
        now = utcnow()
        factor = await TotpFactor.get(user_id=person.user.id)
        last = factor.last_used_step if factor.last_used_step is not None else -1
        for offset in (0, 1):
            if step_of(now) + offset > last:
                return current_code(person.totp_secret, now, step_offset=offset)
        await asyncio.sleep(INTERVAL - time.time() % INTERVAL + 0.05)
