"""The `partnerhub` command line, run as the real console script against its own database.

These tests do not use the `db` fixture: each builds a fresh database of its own (an SQLite
file, or a new PostgreSQL database) and points the command at it through DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from starlette.applications import Starlette
from tortoise.backends.base.executor import EXECUTOR_CACHE

from api.app import create_app
from models.foundation.ids import decode_id
from models.foundation.settings import Settings
from models.infrastructure.db import database
from models.reference.enums import UserStatus
from models.tables.activity import ActivityEntry
from models.tables.mfa import TotpFactor
from models.tables.organizations import ApiToken, Organization, User
from models.tables.outbox import OutboxMessage
from models.tables.sign_in import PasswordLink
from tests import factories as f
from tests.authenticator import with_authenticator
from tests.servers import PostgresServer

CLI = Path(sys.executable).parent / "partnerhub"
CONFIG_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SMTP_URL",
    "MAIL_FROM",
    "PUBLIC_URL",
    "SECRET_KEY",
    "PARTNERHUB_ENV",
)


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str

    @property
    def last_line(self) -> str:
        return self.stdout.strip().splitlines()[-1]


async def partnerhub(*args: str, database_url: str | None, cwd: Path) -> Run:
    """Run the console script with only DATABASE_URL configured, in a directory without .env."""
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    process = await asyncio.create_subprocess_exec(
        str(CLI),
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return Run(process.returncode, stdout.decode(), stderr.decode())


@pytest.fixture(params=["sqlite", "postgres"])
def cli_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of its own for the command line, not yet migrated."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'cli.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"partnerhub_cli_{uuid4().hex[:12]}")


VIEWER = "{ viewer { id email displayName roles organization { id name kind } } }"
SEND = """
mutation Send($input: SendInvitationInput!) {
  sendInvitation(input: $input) { invitation { customer { name } } errors { code } }
}
"""


@asynccontextmanager
async def signed_in(app: Starlette, *tokens: str) -> AsyncIterator[list[dict[str, Any]]]:
    """The app running on the CLI's database, and its answer to `viewer` for each token."""
    EXECUTOR_CACHE.clear()  # the suite switches dialects under one connection name
    try:
        async with (
            LifespanManager(app),
            AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http,
        ):
            headers = [{"Authorization": f"Bearer {token}"} for token in tokens]
            yield [
                (await http.post("/graphql", json={"query": VIEWER}, headers=h)).json()
                for h in headers
            ]
    finally:
        EXECUTOR_CACHE.clear()


async def graphql(
    app: Starlette, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """One request to the app (running: inside `signed_in`)."""
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    body: dict[str, Any] = response.json()
    return body


async def test_command_line_sets_up_an_organization_that_can_sign_in(
    cli_database_url: str, tmp_path: Path
) -> None:
    async def run(*args: str) -> Run:
        return await partnerhub(*args, database_url=cli_database_url, cwd=tmp_path)

    # When the database is migrated, then migrated again
    first = await run("migrate")
    assert first.status == 0, first.stderr
    assert "applied" in first.last_line
    again = await run("migrate")
    assert again.status == 0, again.stderr
    assert "up to date" in again.last_line

    # And a customer and a partner are created: each prints its ID as the API shows it
    created = await run("create-org", "--name", "Contoso", "--kind", "customer")
    assert created.status == 0, created.stderr
    contoso = created.last_line
    assert decode_id("Organization", contoso) is not None
    created = await run("create-org", "--name", "Fabrikam", "--kind", "partner")
    assert created.status == 0, created.stderr
    fabrikam = created.last_line

    # And their users
    created = await run(
        "create-user",
        "--org",
        contoso,
        "--email",
        "Admin@Contoso.com",
        "--name",
        "Ada Admin",
        "--role",
        "GLOBAL_ADMINISTRATOR",
        "--role",
        "BILLING_ADMINISTRATOR",
    )
    assert created.status == 0, created.stderr
    admin_id = created.last_line
    assert "admin@contoso.com is emailed a link to set a password (valid 7 days)" in created.stdout
    # (the bare UUID that earlier versions printed is still taken)
    fabrikam_uuid = str(decode_id("Organization", fabrikam))
    created = await run(
        "create-user",
        "--org",
        fabrikam_uuid,
        "--email",
        "agent@fabrikam.com",
        "--role",
        "ADMIN_AGENT",
    )
    assert created.status == 0, created.stderr
    agent_id = created.last_line

    # Then a user holding roles of the other kind of organization is refused, on stderr
    for org, role in ((contoso, "ADMIN_AGENT"), (fabrikam, "GLOBAL_ADMINISTRATOR")):
        refused = await run("create-user", "--org", org, "--email", "x@contoso.com", "--role", role)
        assert refused.status == 1, role
        assert role in refused.stderr
        assert refused.stdout == ""
    # And a second user with the same email, whatever its case
    refused = await run("create-user", "--org", contoso, "--email", "admin@contoso.COM")
    assert refused.status == 1
    assert "exists" in refused.stderr
    assert refused.stdout == ""
    # And a user of an organization that does not exist
    missing = str(uuid4())
    refused = await run("create-user", "--org", missing, "--email", "y@contoso.com")
    assert refused.status == 1
    assert missing in refused.stderr
    # And addresses that the API refuses: not an address, a reserved domain
    for address, reason in (("not-an-email", "@-sign"), ("it@contoso.test", "special-use")):
        refused = await run("create-user", "--org", contoso, "--email", address)
        assert refused.status == 2, address
        assert f"argument --email: {address!r} is not a usable email address" in refused.stderr
        assert reason in refused.stderr
        assert refused.stdout == ""
    # And arguments that are not an organization id or not a role at all
    refused = await run("create-user", "--org", "Contoso", "--email", "z@contoso.com")
    assert refused.status == 2
    assert "organization id" in refused.stderr
    refused = await run(
        "create-user", "--org", contoso, "--email", "z@contoso.com", "--role", "SUPERUSER"
    )
    assert refused.status == 2
    assert "SUPERUSER" in refused.stderr

    # When tokens are issued
    issued = await run("create-token", "--email", "admin@contoso.com")
    assert issued.status == 0, issued.stderr
    admin_token = issued.last_line
    issued = await run("create-token", "--email", "AGENT@fabrikam.com")
    assert issued.status == 0, issued.stderr
    agent_token = issued.last_line
    refused = await run("create-token", "--email", "nobody@contoso.com")
    assert refused.status == 1
    assert "nobody@contoso.com" in refused.stderr

    # Then they are bearer tokens that sign in to the app on the same database
    assert admin_token.startswith("ph_")
    assert agent_token.startswith("ph_")
    assert admin_token != agent_token
    app = create_app(Settings(database_url=cli_database_url, environment="test"))
    async with signed_in(app, admin_token, agent_token) as answers:
        # And only what the commands said was created exists: the refusals wrote nothing
        assert await Organization.all().count() == 2
        assert [user.email for user in await User.all().order_by("email")] == [
            "admin@contoso.com",
            "agent@fabrikam.com",
        ]
        assert {token.name for token in await ApiToken.all()} == {"Command line"}
        assert await ApiToken.all().count() == 2
        # And each person waits, INVITED, for the set-password link the worker will email
        assert {user.status for user in await User.all()} == {UserStatus.INVITED}
        links = await PasswordLink.all().prefetch_related("user")
        assert sorted(link.user.email for link in links) == [
            "admin@contoso.com",
            "agent@fabrikam.com",
        ]
        messages = await OutboxMessage.all()
        assert [message.task for message in messages] == ["send_password_email"] * 2
        assert {m.payload["password_link_id"] for m in messages} == {str(x.id) for x in links}
        admin = await User.get(id=decode_id("User", admin_id))
        assert admin.roles == ["GLOBAL_ADMINISTRATOR", "BILLING_ADMINISTRATOR"]

        # And the IDs the commands printed are the API's IDs of those objects
        assert answers[0]["data"]["viewer"] == {
            "id": admin_id,
            "email": "admin@contoso.com",
            "displayName": "Ada Admin",
            "roles": ["GLOBAL_ADMINISTRATOR", "BILLING_ADMINISTRATOR"],
            "organization": {"id": contoso, "name": "Contoso", "kind": "CUSTOMER"},
        }
        assert answers[1]["data"]["viewer"]["id"] == agent_id
        assert answers[1]["data"]["viewer"]["email"] == "agent@fabrikam.com"
        assert answers[1]["data"]["viewer"]["organization"] == {
            "id": fabrikam,
            "name": "Fabrikam",
            "kind": "PARTNER",
        }
        # And the API takes them: the agent invites the customer by the ID create-org printed
        sent = await graphql(
            app,
            agent_token,
            SEND,
            {
                "input": {
                    "customerEmail": "admin@contoso.com",
                    "customerId": contoso,
                    "type": "RESELLER",
                }
            },
        )
        assert sent["data"]["sendInvitation"] == {
            "invitation": {"customer": {"name": "Contoso"}},
            "errors": [],
        }

    # When the admin's tokens are revoked
    revoked = await run("revoke-tokens", "--email", "admin@contoso.com")
    assert revoked.status == 0, revoked.stderr
    assert revoked.last_line == "1 token(s) revoked"

    # Then the admin's token no longer signs in, and the agent's still does
    async with signed_in(app, admin_token, agent_token) as answers:
        assert answers[0]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert answers[1]["data"]["viewer"]["email"] == "agent@fabrikam.com"


async def test_a_bad_database_url_is_refused_on_stderr(tmp_path: Path) -> None:
    # When the command line is pointed at a database it cannot use
    refused = await partnerhub("migrate", database_url="mysql://db.example.com/ph", cwd=tmp_path)

    # Then it says so, and fails
    assert refused.status == 1
    assert "DATABASE_URL" in refused.stderr
    assert refused.stdout == ""


async def test_an_operator_removes_the_authenticator_of_someone_who_lost_it(
    cli_database_url: str, tmp_path: Path
) -> None:
    async def run(*args: str) -> Run:
        return await partnerhub(*args, database_url=cli_database_url, cwd=tmp_path)

    # Given Contoso's admin, whose authenticator app and recovery codes are lost
    assert (await run("migrate")).status == 0
    EXECUTOR_CACHE.clear()  # the suite switches dialects under one connection name
    try:
        async with database(cli_database_url):
            contoso = await f.customer("Contoso")
            admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR", email="admin@contoso.com")
            await with_authenticator(admin)

        # When an operator removes it, and names an address nobody has
        reset = await run("reset-mfa", "--email", "Admin@Contoso.com")
        unknown = await run("reset-mfa", "--email", "nobody@contoso.com")

        # Then the admin has no authenticator (and sets up a new one at the next sign-in), and
        # the activity log says an operator did it
        async with database(cli_database_url):
            assert not await TotpFactor.filter(user_id=admin.user.id).exists()
            entry = await ActivityEntry.get(action="user.mfa_disabled")
            assert entry.changes == {"by": "operator"}
            assert entry.actor_user_id is None
    finally:
        EXECUTOR_CACHE.clear()
    assert reset.status == 0, reset.stderr
    assert reset.last_line == (
        "The authenticator app and recovery codes of Admin@Contoso.com are removed"
    )
    assert unknown.status == 1
    assert "No user with email nobody@contoso.com" in unknown.stderr


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ([], ["migrate", "create-org", "create-user", "create-token", "web", "worker", "dev"]),
        (["migrate"], ["usage: partnerhub migrate"]),
        (["create-org"], ["--name", "--kind", "customer", "partner"]),
        (["create-user"], ["--org", "--email", "--name", "--role", "GLOBAL_ADMINISTRATOR"]),
        (["create-token"], ["--email", "--name"]),
        (["reset-mfa"], ["--email"]),
        (["web"], ["--host", "--port"]),
        (["worker"], ["usage: partnerhub worker"]),
        (["dev"], ["--host", "--port"]),
    ],
)
async def test_help_of_each_command_names_its_options(
    command: list[str], options: list[str], tmp_path: Path
) -> None:
    shown = await partnerhub(*command, "--help", database_url=None, cwd=tmp_path)
    assert shown.status == 0, shown.stderr
    for option in options:
        assert option in shown.stdout, option
