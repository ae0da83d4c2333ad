"""The migration that makes a customer's directory users its people moves every one of them,
with its ID, its licenses and its password-reset history, on both backends."""

from __future__ import annotations

import base64
import importlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as run_migrations

from models.foundation.ids import decode_id
from models.infrastructure.db import migrate, tortoise_config
from tests.servers import PostgresServer

# The migration under test, and the one it follows, by name (their numbers may change).
MOVING = next(
    path.stem
    for path in (Path(__file__).parents[1] / "models" / "migrations").glob("[0-9]*.py")
    if path.stem.endswith("one_directory_of_people")
)
[(_, FOLLOWS)] = importlib.import_module(f"models.migrations.{MOVING}").Migration.dependencies
BEFORE = f"models.{FOLLOWS}"

WHEN = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite://{tmp_path / 'directory.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"directory_{uuid.uuid4().hex[:12]}")


class Database:
    """Raw SQL on one database, with `?` placeholders whatever the dialect."""

    def __init__(self, context: TortoiseContext) -> None:
        self.client = context.db("default")
        self.postgres = self.client.capabilities.dialect == "postgres"

    def _sql(self, query: str) -> str:
        if not self.postgres:
            return query
        parts = query.split("?")
        return "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], 1)) + parts[-1]

    def _values(self, values: list[Any]) -> list[Any]:
        """SQLite's driver takes text for UUIDs and times, as Tortoise stores them."""
        if self.postgres:
            return values
        return [str(v) if isinstance(v, uuid.UUID | datetime) else v for v in values]

    async def execute(self, query: str, *values: Any) -> None:
        await self.client.execute_query(self._sql(query), self._values(list(values)))

    async def insert(self, table: str, **values: Any) -> None:
        columns = ", ".join(f'"{column}"' for column in values)
        marks = ", ".join("?" for _ in values)
        await self.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', *values.values())

    async def rows(self, query: str, *values: Any) -> list[dict[str, Any]]:
        found = await self.client.execute_query_dict(self._sql(query), self._values(list(values)))
        return list(found)


async def _person(db: Database, org: uuid.UUID, email: str, roles: list[str]) -> uuid.UUID:
    id_ = uuid.uuid4()
    await db.insert(
        "user",
        id=id_,
        organization_id=org,
        email=email,
        display_name=None,
        roles=json.dumps(roles),
        created_at=WHEN,
        must_change_password=False,
        status="ACTIVE",
    )
    return id_


async def _directory_user(
    db: Database, customer: uuid.UUID, upn: str, *, admin: bool = False, enabled: bool = True
) -> uuid.UUID:
    id_ = uuid.uuid4()
    await db.insert(
        "directory_user",
        id=id_,
        customer_id=customer,
        display_name=f"Name of {upn}",
        user_principal_name=upn,
        enabled=enabled,
        is_admin=admin,
        created_at=WHEN,
    )
    return id_


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_every_directory_user_becomes_a_person_of_its_customer_with_its_id(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # Given a database as it was before the directory's users became people
    url = _url(backend, request, tmp_path)
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url))
        await run_migrations(config=tortoise_config(url), target=BEFORE)
    customer, partner = uuid.uuid4(), uuid.uuid4()
    subscription = uuid.uuid4()
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url))
        db = Database(context)
        for org, kind in ((customer, "CUSTOMER"), (partner, "PARTNER")):
            await db.insert("organization", id=org, name=kind.title(), kind=kind, created_at=WHEN)
        admin = await _person(db, customer, "admin@contoso.test", ["GLOBAL_ADMINISTRATOR"])
        agent = await _person(db, partner, "agent@fabrikam.test", ["ADMIN_AGENT"])
        # ... a plain user, an admin the partner's helpdesk reset, and the admin again by UPN
        plain = await _directory_user(db, customer, "Ann@Contoso.test")
        reset = await _directory_user(db, customer, "ada@contoso.test", admin=True, enabled=False)
        await db.execute(
            "UPDATE directory_user SET password_reset_at = ?, password_reset_by_id = ?, "
            "password_reset_by_partner_id = ? WHERE id = ?",
            WHEN,
            agent,
            partner,
            reset,
        )
        same_as_admin = await _directory_user(db, customer, "ADMIN@contoso.test", admin=True)
        await db.insert(
            "subscription",
            id=subscription,
            customer_id=customer,
            offer_name="Office",
            sku="O365",
            quantity=5,
            status="ACTIVE",
            created_at=WHEN,
            updated_at=WHEN,
        )
        for holder in (plain, same_as_admin):
            await db.insert(
                "license_assignment",
                id=uuid.uuid4(),
                customer_id=customer,
                subscription_id=subscription,
                user_id=holder,
                created_at=WHEN,
            )

    # When the remaining migrations run
    applied = await migrate(url)

    # Then each directory user is a person of the customer, under its own ID
    assert f"models.{MOVING}" in applied
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url))
        db = Database(context)
        people = {
            str(row["email"]): row
            for row in await db.rows(
                "SELECT id, organization_id, email, display_name, roles, status, "
                "password_reset_at, password_reset_by_id, password_reset_by_partner_id "
                'FROM "user" WHERE organization_id = ?',
                customer,
            )
        }
        assert set(people) == {"admin@contoso.test", "ann@contoso.test", "ada@contoso.test"}
        ann, ada = people["ann@contoso.test"], people["ada@contoso.test"]
        assert (uuid.UUID(str(ann["id"])), uuid.UUID(str(ada["id"]))) == (plain, reset)
        assert (ann["display_name"], ann["status"], _roles(ann)) == (
            "Name of Ann@Contoso.test",
            "INVITED",
            [],
        )
        # ... the admin holds admin roles (the catalog's least), disabled stays disabled, and
        # the reset's history stays: when, by whom, for which partner
        assert (ada["status"], _roles(ada)) == ("DISABLED", ["DIRECTORY_READERS"])
        assert _utc(ada["password_reset_at"]) == WHEN
        assert uuid.UUID(str(ada["password_reset_by_id"])) == agent
        assert uuid.UUID(str(ada["password_reset_by_partner_id"])) == partner
        # ... the one whose address the admin had is the admin, who keeps their roles
        assert uuid.UUID(str(people["admin@contoso.test"]["id"])) == admin
        assert _roles(people["admin@contoso.test"]) == ["GLOBAL_ADMINISTRATOR"]
        # ... licenses belong to the people, and the old table is gone
        holders = await db.rows(
            "SELECT user_id FROM license_assignment WHERE subscription_id = ?", subscription
        )
        assert sorted(uuid.UUID(str(row["user_id"])) for row in holders) == sorted([plain, admin])
        tables = await db.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            if backend == "sqlite"
            else "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
        )
        assert "directory_user" not in {row["name"] for row in tables}
        # ... and a license now follows its person: removing them removes it
        await db.execute('DELETE FROM "user" WHERE id = ?', plain)
        left = await db.rows("SELECT user_id FROM license_assignment")
        assert [uuid.UUID(str(row["user_id"])) for row in left] == [admin]

    # And an ID issued for the directory user names the same person
    old_id = base64.urlsafe_b64encode(f"DirectoryUser:{reset}".encode()).decode()
    assert decode_id("User", old_id) == reset


def _roles(row: dict[str, Any]) -> list[str]:
    roles = row["roles"]
    return list(json.loads(roles) if isinstance(roles, str) else roles)


def _utc(value: Any) -> datetime:
    found = datetime.fromisoformat(value) if isinstance(value, str) else value
    return found if found.tzinfo else found.replace(tzinfo=UTC)
