"""The SCIM compliance checker (scim2-tester, driving scim2-client) against the live server:
discovery, then create, read, query, replace, patch and delete of Users and Groups, through
a customer's SCIM token on a real socket."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import CheckResult, Status, check_server

from models.foundation.settings import Settings
from models.identity.scim_tokens import new_scim_token
from models.tables.organizations import User
from models.tables.scim import ScimToken
from tests import factories as f
from tests.served import served


def check(base: str, token: str) -> list[CheckResult]:
    """Every check of the checker, run as a SCIM client does (blocking HTTP)."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx2.Client(base_url=f"{base}/scim/v2", headers=headers, timeout=30) as http:
        return check_server(SyncSCIMClient(http))


async def test_the_compliance_checker_passes(db: Settings) -> None:
    customer = await f.customer("Contoso")
    await f.person(customer, "GLOBAL_ADMINISTRATOR")
    token, token_hash = new_scim_token()
    await ScimToken.create(organization=customer, name="Checker", token_hash=token_hash)
    other = await f.customer("Fabrikam")
    bystander = await f.person(other, "GLOBAL_ADMINISTRATOR")

    async with served(db) as server:
        results = await asyncio.to_thread(check, server.base, token)

    counts = Counter(result.status.name for result in results)
    print("scim2-tester:", dict(counts))  # the summary the report quotes
    failed = [
        (result.title, result.resource_type, result.reason)
        for result in results
        if result.status is Status.ERROR
    ]
    for each in failed:
        print("FAILED", each)
    assert failed == []
    assert counts[Status.SUCCESS.name] > 0
    # The checker worked in Contoso's directory only.
    assert await User.filter(organization_id=other.id).count() == 1
    assert (await User.get(id=bystander.user.id)).organization_id == other.id
