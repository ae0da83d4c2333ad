"""The README's partner portal, run as it is written: its code block, in its own Python
process, against a live server, with a client the partner's admin registered."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import httpx

from models.foundation.settings import Settings
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.served import served
from tests.test_api_clients import create

README = Path(__file__).resolve().parent.parent / "README.md"


def portal_code() -> str:
    """The README's code block that starts `# portal.py`."""
    found = re.search(r"```python\n(# portal\.py.*?)```", README.read_text(), re.DOTALL)
    assert found is not None, "the README's portal example is gone"
    return found.group(1)


async def test_the_readme_portal_lists_customers_and_users_within_the_granted_roles(
    db: Settings,
) -> None:
    # Given a partner whose customer granted User Administrator
    _, admin = await f.listed_partner("Contoso Partners")
    customer = await f.customer("Fabrikam")
    global_admin = await f.person(customer, "GLOBAL_ADMINISTRATOR")
    await f.granted(admin, global_admin, ["USER_ADMINISTRATOR"])
    await f.tenant(customer, "fabrikam")

    async with served(db) as server, httpx.AsyncClient(base_url=server.base) as http:
        created = await create(
            GraphQLClient(http), admin, ["RELATIONSHIPS_READ", "CUSTOMER_DATA_READ"]
        )
        # When the README's code runs with the client's credentials
        env = os.environ | {
            "PARTNERHUB_URL": server.base,
            "CLIENT_ID": created["apiClient"]["clientId"],
            "CLIENT_SECRET": created["clientSecret"],
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            portal_code(),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()

    # Then it printed the customer and its users
    assert process.returncode == 0, err.decode()
    customers, users = out.decode().splitlines()
    assert customers == "customers: Fabrikam"
    heading, _, names = users.partition(": ")
    assert heading == "users of Fabrikam"
    # (its whole directory, the Global Administrator included)
    assert sorted(names.split(", ")) == sorted(
        ["Ada fabrikam", "Ann fabrikam", str(global_admin.user.display_name)]
    )
