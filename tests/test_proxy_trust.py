"""Whose `X-Forwarded-For` is believed: no one's unless FORWARDED_ALLOW_IPS names the proxy,
seen by the Contact me rate limit of the app served by a real uvicorn."""

from __future__ import annotations

import dataclasses

import httpx

from models.foundation.settings import Settings
from tests import factories as f
from tests.served import served


async def _contact_me_from(http: httpx.AsyncClient, org_form: dict[str, str], address: str) -> str:
    """The codes of a Contact me that claims to come from `address`, comma-joined."""
    response = await http.post(
        "/graphql",
        json={"query": f.CONTACT, "variables": {"input": org_form}},
        headers={"X-Forwarded-For": address},
    )
    errors = response.json()["data"]["contactPartner"]["errors"]
    return ",".join(error["code"] for error in errors)


async def test_a_spoofed_forwarded_for_does_not_change_the_client_unless_configured(
    db: Settings,
) -> None:
    # Given a listed partner, and Contact me limited to 2 requests per client address
    fabrikam, _ = await f.listed_partner("Fabrikam")
    form = f.contact_form(fabrikam)
    limited = dataclasses.replace(db, contact_rate_limit=2)
    assert limited.forwarded_allow_ips == ()

    # When a client on this host sends three, each claiming another address
    async with served(limited) as server, httpx.AsyncClient(base_url=server.base) as http:
        codes = [await _contact_me_from(http, form, f"203.0.113.{n}") for n in (1, 2, 3)]

    # Then the claims are not believed: the third is refused as the same client's
    assert codes == ["", "", "RATE_LIMITED"]


async def test_the_forwarded_for_of_a_configured_proxy_is_the_client(db: Settings) -> None:
    # Given the same, with the proxy on this host named in FORWARDED_ALLOW_IPS
    fabrikam, _ = await f.listed_partner("Fabrikam")
    form = f.contact_form(fabrikam)
    behind_proxy = dataclasses.replace(db, contact_rate_limit=2, forwarded_allow_ips=("127.0.0.1",))

    async with served(behind_proxy) as server, httpx.AsyncClient(base_url=server.base) as http:
        # When the proxy forwards three requests of three clients
        codes = [await _contact_me_from(http, form, f"203.0.113.{n}") for n in (1, 2, 3)]
        # and two more of the first
        codes += [await _contact_me_from(http, form, "203.0.113.1") for _ in range(2)]

    # Then each client is counted on its own: only the first one's third is refused
    assert codes == ["", "", "", "", "RATE_LIMITED"]
