"""A client address asks for a limited number of password-reset emails, whether or not the
addresses it names have accounts, counted in the database (where it holds while Redis is
down)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from starlette.applications import Starlette

from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PasswordLinkPurpose
from models.rules.password_reset_quota import SCOPE, client_key
from models.tables.quotas import QuotaCounter
from models.tables.sign_in import PasswordLink
from tests import factories as f
from tests.test_sign_in import from_address

REQUEST = """
mutation($input: RequestPasswordResetInput!) {
  requestPasswordReset(input: $input) { errors { field code message } }
}
"""


async def _ask(app: Starlette, address: str, email: str) -> list[dict[str, Any]]:
    async with from_address(app, address) as client:
        data = await client.query(REQUEST, {"input": {"email": email}})
    errors: list[dict[str, Any]] = data["requestPasswordReset"]["errors"]
    return errors


async def test_one_address_asks_a_limited_number_of_times_whoever_it_names(
    app: Starlette, db: Settings
) -> None:
    # Given people with accounts, and the deployment's limit per client address
    contoso = await f.customer("Contoso")
    people = [await f.person(contoso, AdminRole.BILLING_ADMINISTRATOR) for _ in range(3)]
    limit = db.password_reset_quota.limit
    with time_machine.travel(utcnow(), tick=False) as clock:
        # When one address asks for as many resets as it may, naming addresses that have
        # accounts and addresses that do not
        named = [f"nobody{n}@nowhere.test" for n in range(limit - 1)] + [people[0].user.email]
        answers = [await _ask(app, "203.0.113.9", email) for email in named]

        # Then each is answered alike, without an error, and the one account gets its link
        assert answers == [[]] * limit
        assert await PasswordLink.filter(purpose=PasswordLinkPurpose.RESET).count() == 1

        # When it asks once more, for an account and for nobody
        for_account = await _ask(app, "203.0.113.9", people[1].user.email)
        for_nobody = await _ask(app, "203.0.113.9", "nobody@nowhere.test")

        # Then both are refused the same way, and no link is made
        assert [e["code"] for e in for_account] == ["RATE_LIMITED"]
        assert for_account == for_nobody
        assert await PasswordLink.filter(purpose=PasswordLinkPurpose.RESET).count() == 1
        # ... counted in the database, under the address's hash only
        [counter] = await QuotaCounter.filter(scope=SCOPE)
        assert (counter.key, counter.hits) == (client_key("203.0.113.9"), limit)

        # And another address is not held back by it
        assert await _ask(app, "198.51.100.4", people[1].user.email) == []
        # ... while the same IPv6 block counts as one client
        for n in range(limit):
            assert await _ask(app, f"2001:db8:1:2::{n + 1}", f"v6-{n}@nowhere.test") == []
        refused = await _ask(app, "2001:db8:1:2:ffff::1", people[2].user.email)
        assert [e["code"] for e in refused] == ["RATE_LIMITED"]

        # And once the window has passed, the address may ask again
        clock.shift(timedelta(seconds=db.password_reset_quota.window))
        assert await _ask(app, "203.0.113.9", people[2].user.email) == []
        assert await PasswordLink.filter(purpose=PasswordLinkPurpose.RESET).count() == 3
