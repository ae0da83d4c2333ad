"""The committed migrations build exactly the schema the models describe, on both backends.

Database A is built by `models.infrastructure.db.migrate` (the migrations in `models/migrations/`),
database B by Tortoise's `generate_schemas()` straight from the models. Both are then read
back from the database's own catalog and compared: tables, columns, keys, constraints,
indexes and foreign keys (and, on PostgreSQL, comments). Index and constraint names are
left out: only what they cover and enforce matters.
"""

from __future__ import annotations

import importlib
import json
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as run_migrations
from tortoise.migrations.autodetector import MigrationAutodetector

from models.infrastructure.db import migrate, tortoise_config
from tests.servers import PostgresServer

BACKENDS = ["sqlite", "postgres"]

# The table Tortoise's migration recorder keeps its bookkeeping in (MigrationRecorder's
# default `table_name`); models never describe it, so only database A has it.
MIGRATIONS_TABLE = "tortoise_migrations"

Schema = dict[str, dict[str, Any]]

# Every migration committed under models/migrations/, in the order they apply.
COMMITTED_MIGRATIONS = [
    f"models.{path.stem}"
    for path in sorted((Path(__file__).parents[1] / "models" / "migrations").glob("[0-9]*.py"))
]


@pytest.fixture(autouse=True)
def _fresh_executor_cache() -> Iterator[None]:
    """Tortoise caches each table's SQL by connection name, whatever the dialect."""
    EXECUTOR_CACHE.clear()
    yield
    EXECUTOR_CACHE.clear()


def _empty(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of the backend."""
    if backend == "sqlite":
        return f"sqlite://{tmp_path / 'empty.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"empty_{uuid.uuid4().hex[:12]}")


# Per backend, a database the committed migrations built from empty, and what they applied:
# shared by the tests below that only read it (a migration from scratch takes seconds).
_BUILT: dict[str, tuple[str, list[str]]] = {}


async def _built_by_the_migrations(backend: str, request: pytest.FixtureRequest) -> str:
    """The URL of the backend's database that the migrations built, once they did; the
    migrations applied were every committed one."""
    if backend not in _BUILT:
        if backend == "sqlite":
            folder = request.getfixturevalue("tmp_path_factory").mktemp("built")
            url = f"sqlite://{folder / 'migrated.sqlite3'}"
        else:
            server: PostgresServer = request.getfixturevalue("postgres_server")
            url = server.create_database(f"built_{uuid.uuid4().hex[:12]}")
        _BUILT[backend] = (url, await migrate(url))
        EXECUTOR_CACHE.clear()
    url, applied = _BUILT[backend]
    assert applied == COMMITTED_MIGRATIONS
    return url


async def _generate_from_models(url: str) -> None:
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url))
        await context.generate_schemas(safe=False)


# --------------------------------------------------------------------------- SQLite


def _sqlite_schema(url: str) -> Schema:
    path = url.removeprefix("sqlite://")
    connection = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {table: _sqlite_table(connection, table) for table in tables}
    finally:
        connection.close()


def _sqlite_table(connection: sqlite3.Connection, table: str) -> dict[str, Any]:
    # PRAGMA table_info: cid, name, type, notnull, dflt_value, pk (1-based position in the key)
    info = connection.execute(f'PRAGMA table_info("{table}")').fetchall()
    columns = {
        name: {"type": type_.upper(), "nullable": not notnull, "default": default}
        for _, name, type_, notnull, default, _ in info
    }
    primary_key = tuple(row[1] for row in sorted(info, key=lambda row: row[5]) if row[5])
    unique: list[tuple[str, ...]] = []
    indexes: list[tuple[tuple[str, ...], bool, bool]] = []
    # PRAGMA index_list: seq, name, unique, origin (c: CREATE INDEX, u: UNIQUE, pk), partial
    for _, name, is_unique, origin, partial in connection.execute(
        f'PRAGMA index_list("{table}")'
    ).fetchall():
        cols = tuple(
            row[2] for row in sorted(connection.execute(f'PRAGMA index_info("{name}")').fetchall())
        )
        if origin == "u":
            unique.append(cols)
        elif origin == "c":
            indexes.append((cols, bool(is_unique), bool(partial)))
    # PRAGMA foreign_key_list: id, seq, table, from, to, on_update, on_delete, match
    keys: dict[int, list[tuple[Any, ...]]] = {}
    for row in connection.execute(f'PRAGMA foreign_key_list("{table}")').fetchall():
        keys.setdefault(row[0], []).append(row)
    foreign_keys = []
    for rows in keys.values():
        rows.sort(key=lambda r: r[1])
        foreign_keys.append(
            {
                "columns": tuple(r[3] for r in rows),
                "references": f"{rows[0][2]}({', '.join(str(r[4]) for r in rows)})",
                "on_delete": rows[0][6],
                "on_update": rows[0][5],
            }
        )
    return {
        "columns": columns,
        "primary_key": primary_key,
        "unique": sorted(unique),
        "indexes": sorted(indexes),
        "foreign_keys": sorted(foreign_keys, key=lambda fk: (fk["columns"], fk["references"])),
    }


# --------------------------------------------------------------------------- PostgreSQL

_PG_COLUMNS = """
SELECT table_name, column_name, data_type, udt_name, character_maximum_length,
       numeric_precision, numeric_scale, datetime_precision, is_nullable, column_default
FROM information_schema.columns
WHERE table_schema = 'public'
"""

_PG_TABLES = """
SELECT table_name FROM information_schema.tables
WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
"""

# Columns of an attnum array, in key order.
_ATTNAMES = """
ARRAY(SELECT a.attname FROM unnest({keys}) WITH ORDINALITY AS k(num, pos)
      JOIN pg_attribute a ON a.attrelid = {rel} AND a.attnum = k.num ORDER BY k.pos)
"""

_PG_CONSTRAINTS = f"""
SELECT t.relname AS table_name, c.contype, {_ATTNAMES.format(keys="c.conkey", rel="c.conrelid")}
       AS columns, ft.relname AS foreign_table,
       {_ATTNAMES.format(keys="c.confkey", rel="c.confrelid")} AS foreign_columns,
       c.confdeltype, c.confupdtype, pg_get_constraintdef(c.oid) AS definition
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
LEFT JOIN pg_class ft ON ft.oid = c.confrelid
WHERE n.nspname = 'public'
"""

# Indexes of their own: those backing a primary key or unique constraint are compared as
# constraints above.
_PG_INDEXES = f"""
SELECT t.relname AS table_name, x.indisunique,
       {_ATTNAMES.format(keys="x.indkey", rel="x.indrelid")} AS columns,
       am.amname AS method, pg_get_expr(x.indpred, x.indrelid) AS predicate
FROM pg_index x
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_am am ON am.oid = i.relam
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
"""

_PG_COMMENTS = """
SELECT c.relname AS table_name, a.attname AS column_name, d.description
FROM pg_description d
JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
WHERE n.nspname = 'public' AND c.relkind = 'r'
"""

_FK_ACTIONS = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}


def _action(code: bytes | str) -> str:
    return _FK_ACTIONS[code.decode() if isinstance(code, bytes) else code]


async def _postgres_schema(url: str) -> Schema:
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        tables = [row["table_name"] for row in await connection.fetch(_PG_TABLES)]
        schema: Schema = {
            table: {
                "columns": {},
                "primary_key": (),
                "unique": [],
                "checks": [],
                "indexes": [],
                "foreign_keys": [],
                "comments": {},
            }
            for table in tables
        }
        for row in await connection.fetch(_PG_COLUMNS):
            schema[row["table_name"]]["columns"][row["column_name"]] = {
                key: row[key]
                for key in (
                    "data_type",
                    "udt_name",
                    "character_maximum_length",
                    "numeric_precision",
                    "numeric_scale",
                    "datetime_precision",
                    "column_default",
                )
            } | {"nullable": row["is_nullable"] == "YES"}
        for row in await connection.fetch(_PG_CONSTRAINTS):
            table = schema[row["table_name"]]
            kind = row["contype"].decode() if isinstance(row["contype"], bytes) else row["contype"]
            columns = tuple(row["columns"])
            if kind == "p":
                table["primary_key"] = columns
            elif kind == "u":
                table["unique"].append(columns)
            elif kind == "c":
                table["checks"].append(row["definition"])
            elif kind == "f":
                table["foreign_keys"].append(
                    {
                        "columns": columns,
                        "references": (
                            f"{row['foreign_table']}({', '.join(row['foreign_columns'])})"
                        ),
                        "on_delete": _action(row["confdeltype"]),
                        "on_update": _action(row["confupdtype"]),
                    }
                )
            else:
                table.setdefault("other_constraints", []).append(row["definition"])
        for row in await connection.fetch(_PG_INDEXES):
            schema[row["table_name"]]["indexes"].append(
                (tuple(row["columns"]), row["indisunique"], row["method"], row["predicate"])
            )
        for row in await connection.fetch(_PG_COMMENTS):
            where = row["column_name"] or "(table)"
            schema[row["table_name"]]["comments"][where] = row["description"]
    finally:
        await connection.close()
    for table in schema.values():
        table["unique"].sort()
        table["checks"].sort()
        table["indexes"].sort(key=repr)
        table["foreign_keys"].sort(key=lambda fk: (fk["columns"], fk["references"]))
    return schema


async def _schema(backend: str, url: str) -> Schema:
    return _sqlite_schema(url) if backend == "sqlite" else await _postgres_schema(url)


# The directory's full-text index: raw SQL in migration 0003 (SQLite: an FTS5 table and its
# shadow tables; PostgreSQL: a generated tsvector column of partner_profile and its GIN index).
SEARCH_INDEX = "partner_profile_search"


# The index of a profile's facet lists: raw SQL in migration 0021 (SQLite: an FTS5 table and
# its shadow tables; PostgreSQL: a GIN index on each list), and in 0024 the search's
# estimates (SQLite: an fts5vocab table of the full-text index, `partner_profile_search_terms`;
# PostgreSQL: a generated column of the facet values as tokens, GIN-indexed).
FACET_INDEX = "partner_profile_facets"
FACET_LISTS = ("industries", "languages", "locations", "organization_sizes", "products")


def _take_search_index(backend: str, schema: Schema) -> None:
    """Check that the migrated schema has the search index and the facet lists' index, then
    leave them out of the diff."""
    if backend == "sqlite":
        for index in (SEARCH_INDEX, FACET_INDEX):
            names = [t for t in schema if t == index or t.startswith(f"{index}_")]
            assert index in names
            for name in names:
                del schema[name]
        return
    profile = schema["partner_profile"]
    assert profile["columns"].pop("search_vector")["udt_name"] == "tsvector"
    assert profile["columns"].pop("facet_tokens")["udt_name"] == "_text"
    gin = [index for index in profile["indexes"] if index[2] == "gin"]
    assert sorted(index[0] for index in gin) == [
        ("facet_tokens",),
        *((column,) for column in FACET_LISTS),
        ("search_vector",),
    ], profile["indexes"]
    for index in gin:
        profile["indexes"].remove(index)


# --------------------------------------------------------------------------- the diff


def _diff(migrated: Any, models: Any, path: str = "") -> list[str]:
    """Readable differences: one line per place where the two schemas disagree."""
    if isinstance(migrated, dict) and isinstance(models, dict):
        lines = []
        for key in sorted(set(migrated) | set(models), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in models:
                lines.append(f"{where}: only in the migrated database: {migrated[key]!r}")
            elif key not in migrated:
                lines.append(f"{where}: only in the models' database: {models[key]!r}")
            else:
                lines.extend(_diff(migrated[key], models[key], where))
        return lines
    if migrated != models:
        return [f"{path}:\n    migrations give {migrated!r}\n    models give     {models!r}"]
    return []


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("backend", BACKENDS)
async def test_migrations_build_exactly_the_models_schema(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # Given one database built by the committed migrations, one straight from the models
    migrated_url = await _built_by_the_migrations(backend, request)
    models_url = _empty(backend, request, tmp_path)
    await _generate_from_models(models_url)

    # When both are read back from the database's catalog
    migrated = await _schema(backend, migrated_url)
    models = await _schema(backend, models_url)

    # Then the migrations add only their bookkeeping table ...
    assert MIGRATIONS_TABLE in migrated
    assert MIGRATIONS_TABLE not in models
    del migrated[MIGRATIONS_TABLE]
    # ... and the directory's full-text index, which models cannot describe ...
    _take_search_index(backend, migrated)
    # ... and every table of the models is there, exactly as the models describe it
    assert set(models) >= {
        "organization",
        "user",
        "api_token",
        "invitation",
        "relationship",
        "relationship_type",
        "role_grant",
        "agreement_acceptance",
        "outbox_message",
    }
    differences = _diff(migrated, models)
    assert not differences, (
        f"The migrations do not build the models' schema on {backend} (regenerate them with "
        "`.venv/bin/tortoise makemigrations`):\n" + "\n".join(differences)
    )


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_schema_has_the_keys_the_rules_rely_on(
    backend: str, request: pytest.FixtureRequest
) -> None:
    """The comparison above would pass on two equally wrong schemas: pin what matters."""
    # Given a database built by the migrations
    url = await _built_by_the_migrations(backend, request)

    # When it is read back
    schema = await _schema(backend, url)

    # Then the constraints that make concurrent requests safe are enforced by the database
    assert ("active_key",) in schema["relationship"]["unique"]  # one active relationship a pair
    assert ("customer_id", "version") in schema["agreement_acceptance"]["unique"]
    assert ("token_hash",) in schema["invitation"]["unique"]
    assert ("token_hash",) in schema["api_token"]["unique"]
    assert ("email",) in schema["user"]["unique"]
    # And the list pages have the indexes their keyset pagination walks
    for table, side in (("relationship", "customer_id"), ("relationship", "partner_id")):
        assert any(index[0] == (side, "created_at") for index in schema[table]["indexes"])
    for side in ("customer_id", "partner_id"):
        assert any(index[0] == (side, "created_at") for index in schema["invitation"]["indexes"])
    # And deleting an organization takes its rows along, while a deleted user leaves history
    grants = {fk["columns"]: fk for fk in schema["role_grant"]["foreign_keys"]}
    assert grants[("relationship_id",)]["references"] == "relationship(id)"
    assert grants[("relationship_id",)]["on_delete"] == "CASCADE"
    assert grants[("ended_by_id",)]["on_delete"] == "SET NULL"


async def test_the_models_have_no_change_the_migrations_miss() -> None:
    # Given the models and the committed migrations (what `tortoise makemigrations` reads)
    config = tortoise_config("sqlite://:memory:")
    async with TortoiseContext() as context:
        await context.init(config=config)
        assert context.apps is not None

        # When the autodetector compares the migrations' end state with the models
        writers = await MigrationAutodetector(context.apps, config["apps"]).changes()

        # Then it finds nothing to write
        pending = "\n\n".join(writer.as_string() for writer in writers)
    assert writers == [], (
        "The models changed without a migration; run `.venv/bin/tortoise makemigrations`. "
        f"It would write:\n{pending}"
    )


@pytest.mark.parametrize("backend", BACKENDS)
async def test_migrating_twice_applies_nothing_the_second_time(
    backend: str, request: pytest.FixtureRequest
) -> None:
    # Given a database the migrations built
    url = await _built_by_the_migrations(backend, request)
    before = await _schema(backend, url)

    # When `partnerhub migrate` runs again (every release does)
    EXECUTOR_CACHE.clear()
    applied = await migrate(url)

    # Then nothing is applied, and the schema is as it was
    assert applied == []
    assert await _schema(backend, url) == before


# --------------------------------------------------------------------------- data steps

BEFORE_0022 = "models.0021_directory_facet_lists_indexed"


class _Rows:
    """Rows written by plain SQL into a database as an earlier migration left it."""

    def __init__(self, backend: str, client: Any) -> None:
        self.postgres = backend == "postgres"
        self.client = client
        self.at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

    def _moment(self, minutes: int) -> Any:
        moment = self.at + timedelta(minutes=minutes)
        return moment if self.postgres else moment.isoformat(sep=" ")

    async def insert(self, table: str, **values: Any) -> str:
        values.setdefault("id", str(uuid.uuid4()))
        marks = []
        for i, name in enumerate(values, start=1):
            mark = f"${i}" if self.postgres else "?"
            marks.append(f"{mark}::jsonb" if self.postgres and name == "roles" else mark)
        columns = ", ".join(f'"{name}"' for name in values)
        await self.client.execute_query(
            f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join(marks)})',
            list(values.values()),
        )
        return str(values["id"])

    async def organization(self, name: str, kind: str, n: int) -> str:
        return await self.insert("organization", name=name, kind=kind, created_at=self._moment(n))

    async def relationship(self, customer: str, partner: str, n: int) -> str:
        return await self.insert(
            "relationship",
            status="ACTIVE",
            created_at=self._moment(n),
            customer_id=customer,
            partner_id=partner,
        )

    async def dar(self, partner: str, relationship: str, roles: list[str], n: int) -> str:
        return await self.insert(
            "delegated_admin_relationship",
            display_name=f"GDAP {n}",
            roles=json.dumps(roles),
            duration_days=90,
            auto_extend=False,
            status="ACTIVE",
            created_at=self._moment(n),
            partner_id=partner,
            relationship_id=relationship,
        )

    async def grant(self, relationship: str, role: str, dar: str | None, n: int) -> None:
        await self.insert(
            "role_grant",
            role=role,
            type="GDAP_PARTNER" if dar else "ADVISOR",
            status="ACTIVE",
            granted_at=self._moment(n),
            auto_extend=False,
            relationship_id=relationship,
            delegated_admin_relationship_id=dar,
        )

    async def assignment(self, group: str, relationship: str, role: str, n: int) -> str:
        return await self.insert(
            "access_assignment",
            role=role,
            created_at=self._moment(n),
            group_id=group,
            relationship_id=relationship,
        )


@pytest.mark.parametrize("backend", BACKENDS)
async def test_0022_gives_each_access_assignment_the_delegated_admin_relationship_of_its_role(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # Given a database as 0020 left it: Fabrikam's relationship with Contoso holds an older
    # and a newer delegated admin relationship and an Advisor's grant; with Tailspin, only
    # an Advisor's grant
    url = _empty(backend, request, tmp_path)
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url))
        await run_migrations(config=tortoise_config(url), target=BEFORE_0022)
        rows = _Rows(backend, context.db("default"))
        fabrikam = await rows.organization("Fabrikam", "PARTNER", 0)
        contoso = await rows.organization("Contoso", "CUSTOMER", 1)
        tailspin = await rows.organization("Tailspin", "CUSTOMER", 2)
        with_contoso = await rows.relationship(contoso, fabrikam, 3)
        with_tailspin = await rows.relationship(tailspin, fabrikam, 4)
        older = await rows.dar(
            fabrikam, with_contoso, ["USER_ADMINISTRATOR", "LICENSE_ADMINISTRATOR"], 5
        )
        newer = await rows.dar(
            fabrikam, with_contoso, ["LICENSE_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"], 6
        )
        for role in ("USER_ADMINISTRATOR", "LICENSE_ADMINISTRATOR"):
            await rows.grant(with_contoso, role, older, 5)
        for role in ("LICENSE_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"):
            await rows.grant(with_contoso, role, newer, 6)
        await rows.grant(with_contoso, "HELPDESK_ADMINISTRATOR", None, 7)
        await rows.grant(with_tailspin, "GLOBAL_ADMINISTRATOR", None, 7)
        # ... and a group holding, per relationship, roles as the relationship's grants gave
        group = await rows.insert(
            "security_group", name="Tier 1", created_at=rows._moment(8), partner_id=fabrikam
        )
        ids = {
            (with_contoso, role): await rows.assignment(group, with_contoso, role, 9 + n)
            for n, role in enumerate(
                (
                    "USER_ADMINISTRATOR",
                    "LICENSE_ADMINISTRATOR",
                    "HELPDESK_ADMINISTRATOR",
                    "GLOBAL_READER",
                )
            )
        }
        for n, role in enumerate(("GLOBAL_ADMINISTRATOR", "SECURITY_READER")):
            ids[(with_tailspin, role)] = await rows.assignment(group, with_tailspin, role, 20 + n)

    # When the remaining migrations run
    EXECUTOR_CACHE.clear()
    applied = await migrate(url)
    assert applied[0] == "models.0022_access_assignments_per_delegated_admin_relationship"

    # Then each assignment belongs to the delegated admin relationship that grants its role:
    # one each when two do, and one for the relationship itself when an Advisor's grant does
    # too; a role nothing grants goes to the newest one; without any, it stays as it was
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url))
        _, found = await context.db("default").execute_query(
            "SELECT id, relationship_id, delegated_admin_relationship_id, role, group_id "
            "FROM access_assignment"
        )
    name = {older: "older", newer: "newer", None: None}
    where = {
        (
            str(row["relationship_id"]),
            row["role"],
            name[_text(row["delegated_admin_relationship_id"])],
        )
        for row in found
    }
    assert len(found) == len(where) == 8
    assert where == {
        (with_contoso, "USER_ADMINISTRATOR", "older"),
        (with_contoso, "LICENSE_ADMINISTRATOR", "newer"),
        (with_contoso, "LICENSE_ADMINISTRATOR", "older"),
        (with_contoso, "HELPDESK_ADMINISTRATOR", "newer"),
        (with_contoso, "HELPDESK_ADMINISTRATOR", None),
        (with_contoso, "GLOBAL_READER", "newer"),
        (with_tailspin, "GLOBAL_ADMINISTRATOR", None),
        (with_tailspin, "SECURITY_READER", None),
    }
    # And every assignment kept its ID (the newest holder's), and its group
    by_id = {str(row["id"]): row for row in found}
    assert set(ids.values()) <= set(by_id)
    assert by_id[ids[(with_contoso, "LICENSE_ADMINISTRATOR")]]["role"] == "LICENSE_ADMINISTRATOR"
    assert (
        _text(
            by_id[ids[(with_contoso, "LICENSE_ADMINISTRATOR")]]["delegated_admin_relationship_id"]
        )
        == newer
    )
    assert {str(row["group_id"]) for row in found} == {group}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# The migration that gives bulk operations their kinds, whatever its number in the chain.
BULK_KINDS = next(m for m in COMMITTED_MIGRATIONS if m.endswith("_bulk_access_and_endings"))

# A partner's bulk send and its item, as the release before that migration stored them.
_BEFORE_BULK_KINDS = [
    "INSERT INTO organization (id, name, kind, created_at) VALUES "
    "('00000000-0000-4000-8000-000000000001', 'Fabrikam', 'PARTNER', '2026-01-05 10:00:00+00:00')",
    "INSERT INTO bulk_operation (id, partner_id, kind, status, settings, total, succeeded, "
    "failed, rounds, created_at) VALUES ('00000000-0000-4000-8000-000000000002', "
    "'00000000-0000-4000-8000-000000000001', 'SEND_INVITATIONS', 'COMPLETED', '{}', 1, 1, 0, 1, "
    "'2026-01-05 10:00:00+00:00')",
    "INSERT INTO bulk_operation_item (id, operation_id, position, customer_email, status) "
    "VALUES ('00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000002', 0, "
    "'it@contoso.example', 'SUCCEEDED')",
]
_ITEM_AFTER_BULK_KINDS = (
    "SELECT o.kind, i.customer_email, i.status, i.customer_id, i.delegated_admin_relationship_id "
    "FROM bulk_operation_item i JOIN bulk_operation o ON o.id = i.operation_id"
)


async def _sql(backend: str, url: str, statements: list[str]) -> list[tuple[Any, ...]]:
    """Run the statements on the database itself; the rows the last one returns."""
    if backend == "sqlite":
        connection = sqlite3.connect(url.removeprefix("sqlite://"))
        try:
            rows = [tuple(r) for s in statements for r in connection.execute(s).fetchall()]
            connection.commit()
            return rows
        finally:
            connection.close()
    pg = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        return [tuple(r) for s in statements for r in await pg.fetch(s)]
    finally:
        await pg.close()


async def _stored_before(migration: str, backend: str, url: str, statements: list[str]) -> None:
    """A database migrated up to the one before `migration` (`models.NNNN_name`), holding
    what `statements` store as that release stored it."""
    module = importlib.import_module(f"models.migrations.{migration.split('.', 1)[1]}")
    [(app, before)] = module.Migration.dependencies
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url))
        await run_migrations(config=tortoise_config(url), target=f"{app}.{before}")
    await _sql(backend, url, statements)


async def _migrated(url: str) -> list[str]:
    """The migrations the rest of the way applies, with Tortoise's SQL made afresh."""
    EXECUTOR_CACHE.clear()
    return await migrate(url)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_bulk_operations_stored_before_their_kinds_migrate_as_sends(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # Given a database of the release before the migration, holding a bulk send and its item
    url = _empty(backend, request, tmp_path)
    await _stored_before(BULK_KINDS, backend, url, _BEFORE_BULK_KINDS)

    # When the rest of the migrations run
    applied = await _migrated(url)

    # Then it applied, and the operation is a send whose item is as it was, acting on no
    # customer or delegated admin relationship of its own
    assert BULK_KINDS in applied
    assert await _sql(backend, url, [_ITEM_AFTER_BULK_KINDS]) == [
        ("SEND_INVITATIONS", "it@contoso.example", "SUCCEEDED", None, None)
    ]


# The migration that adds what the directory search reads to choose its plan.
SEARCH_ESTIMATES = next(m for m in COMMITTED_MIGRATIONS if m.endswith("_directory_search_terms"))

# A listed partner, as the release before that migration stored it.
_BEFORE_SEARCH_ESTIMATES = [
    "INSERT INTO organization (id, name, kind, created_at) VALUES "
    "('00000000-0000-4000-8000-000000000011', 'Alpine Health IT', 'PARTNER', "
    "'2026-01-05 10:00:00+00:00')",
    "INSERT INTO partner_profile (id, organization_id, name, description, locations, "
    "industries, products, organization_sizes, languages, published, created_at, updated_at) "
    "VALUES (1, '00000000-0000-4000-8000-000000000011', 'Alpine Health IT', "
    "'Security for hospitals.', '[\"CH\",\"DE\"]', '[\"HEALTHCARE\"]', '[\"SECURITY\"]', "
    "'[\"SIZE_10_49\"]', '[\"de\"]', true, '2026-01-05 10:00:00+00:00', "
    "'2026-01-05 10:00:00+00:00')",
]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_profiles_stored_before_the_search_estimates_are_estimated(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # Given a database of the release before the migration, holding a listed partner
    url = _empty(backend, request, tmp_path)
    await _stored_before(SEARCH_ESTIMATES, backend, url, _BEFORE_SEARCH_ESTIMATES)

    # When the rest of the migrations run
    applied = await _migrated(url)

    # Then it applied, and the partner's words and facet values are where the search reads
    # them: SQLite's terms of the full-text index, PostgreSQL's facet tokens
    assert SEARCH_ESTIMATES in applied
    if backend == "sqlite":
        terms = "SELECT term, doc FROM partner_profile_search_terms WHERE term >= 'hosp'"
        assert await _sql(backend, url, [terms + " AND term < 'hosq'"]) == [("hospitals", 1)]
        return
    tokens = "SELECT facet_tokens FROM partner_profile WHERE id = 1"
    assert await _sql(backend, url, [tokens]) == [
        (
            [
                "location:CH",
                "location:DE",
                "industry:HEALTHCARE",
                "product:SECURITY",
                "organization_size:SIZE_10_49",
                "language:de",
            ],
        )
    ]
