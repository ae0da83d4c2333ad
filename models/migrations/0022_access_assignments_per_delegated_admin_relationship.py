"""Access assignments move from the partner-customer relationship to its delegated admin
relationships, as the anchor's do: each belongs to one, and ends with it.

Each existing assignment goes to the delegated admin relationship whose active grants give
its role (when several do, one assignment each, so that no agent loses a role any of them
gave); a role that the relationship's grants of other types (ADVISOR, PARTNER) give keeps an
assignment for the relationship itself, as before. Nothing is lost: an assignment whose role
no active grant gives any more goes to the relationship's newest delegated admin relationship
(and stays with the relationship itself when it has none), where it gives nothing until an
active grant of that relationship gives its role.
"""

import re
from datetime import datetime
from typing import Any
from uuid import uuid4

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

ASSIGNMENTS = """
SELECT id, group_id, relationship_id, role, assigned_by_id, created_at
FROM access_assignment ORDER BY created_at, id
"""
GRANTS = """
SELECT relationship_id, delegated_admin_relationship_id, role
FROM role_grant WHERE status = 'ACTIVE'
"""
DARS = """
SELECT id, relationship_id FROM delegated_admin_relationship
WHERE relationship_id IS NOT NULL ORDER BY created_at, id
"""


def _key(value: Any) -> str | None:
    return None if value is None else str(value)


def _moment(value: Any) -> Any:
    """A stored date, as the database gave it (SQLite: its ISO text, PostgreSQL: a datetime)."""
    return value if isinstance(value, datetime) else str(value)


async def move_assignments(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"

    def marks(n: int) -> list[str]:
        return [f"${i}" if postgres else "?" for i in range(1, n + 1)]

    # The relationship's delegated admin relationships, newest last.
    newest: dict[str, str] = {}
    order: dict[str, int] = {}
    for n, row in enumerate((await client.execute_query(DARS))[1]):
        newest[_key(row["relationship_id"]) or ""] = _key(row["id"]) or ""
        order[_key(row["id"]) or ""] = n
    # Who gives each (relationship, role) now: its delegated admin relationships, or None
    # for a grant of another type.
    givers: dict[tuple[str, str], set[str | None]] = {}
    for row in (await client.execute_query(GRANTS))[1]:
        key = (_key(row["relationship_id"]) or "", row["role"])
        givers.setdefault(key, set()).add(_key(row["delegated_admin_relationship_id"]))
    set_dar = "UPDATE access_assignment SET delegated_admin_relationship_id = {} WHERE id = {}"
    insert = (
        "INSERT INTO access_assignment (id, group_id, relationship_id, "
        "delegated_admin_relationship_id, role, assigned_by_id, created_at) VALUES ({})"
    )
    for row in (await client.execute_query(ASSIGNMENTS))[1]:
        relationship = _key(row["relationship_id"]) or ""
        found = givers.get((relationship, row["role"]))
        if found:
            # The newest first; the relationship's own grants (None) last.
            targets = sorted(found, key=lambda d: -1 if d is None else order.get(d, -1))[::-1]
        else:
            targets = [newest.get(relationship)]
        first, *others = targets
        if first is not None:
            await client.execute_query(set_dar.format(*marks(2)), [first, _key(row["id"])])
        for dar in others:
            values = [
                str(uuid4()),
                _key(row["group_id"]),
                relationship,
                dar,
                row["role"],
                _key(row["assigned_by_id"]),
                _moment(row["created_at"]),
            ]
            await client.execute_query(insert.format(", ".join(marks(7))), values)


async def keep_assignments(apps: Any, schema_editor: Any) -> None:
    pass  # the column goes; the copies stay, one a relationship's role again


def _sqlite(schema_editor: Any) -> bool:
    return bool(schema_editor.client.capabilities.dialect == "sqlite")


OLD_UNIQUE = re.compile(r',\s*CONSTRAINT "[^"]+" UNIQUE \("group_id", "relationship_id", "role"\)')
NEW_UNIQUE = (
    'CONSTRAINT "uid_access_assi_group_i_dar_role" '
    'UNIQUE ("group_id", "delegated_admin_relationship_id", "role")'
)


async def rebuild_on_sqlite(apps: Any, schema_editor: Any) -> None:
    """SQLite cannot drop a table's UNIQUE constraint: the table is made again with the new
    one in its place (SQLite's own recipe), its rows and indexes kept."""
    if not _sqlite(schema_editor):
        return
    client = schema_editor.client
    _, tables = await client.execute_query(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'access_assignment'"
    )
    _, indexes = await client.execute_query(
        "SELECT sql FROM sqlite_master WHERE type = 'index' "
        "AND tbl_name = 'access_assignment' AND sql IS NOT NULL"
    )
    table = OLD_UNIQUE.sub("", tables[0]["sql"]).rstrip()
    assert table.endswith(")")
    table = f"{table[:-1].rstrip()},\n    {NEW_UNIQUE}\n)"
    table = table.replace('"access_assignment"', '"new__access_assignment"', 1)
    _, columns = await client.execute_query('PRAGMA table_info("access_assignment")')
    names = ", ".join(f'"{column["name"]}"' for column in columns)
    await client.execute_query(table)
    await client.execute_query(
        f'INSERT INTO "new__access_assignment" ({names}) SELECT {names} FROM "access_assignment"'  # noqa: S608
    )
    await client.execute_query('DROP TABLE "access_assignment"')
    await client.execute_query('ALTER TABLE "new__access_assignment" RENAME TO "access_assignment"')
    for index in indexes:
        await client.execute_query(index["sql"])


class _RemoveConstraint(ops.RemoveConstraint):
    """PostgreSQL drops the constraint; SQLite's table is made again (`rebuild_on_sqlite`)."""

    async def database_forward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        if state_editor is not None and _sqlite(state_editor):
            return
        await super().database_forward(app_label, old_state, new_state, state_editor)


class _AddConstraint(ops.AddConstraint):
    """PostgreSQL adds the constraint; SQLite's new table holds it already."""

    async def database_forward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        if state_editor is not None and _sqlite(state_editor):
            return
        await super().database_forward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [("models", "0021_directory_facet_lists_indexed")]

    initial = False

    operations = [
        _RemoveConstraint(
            model_name="AccessAssignment",
            name=None,
            fields=["group_id", "relationship_id", "role"],
        ),
        ops.AlterModelOptions(
            name="AccessAssignment",
            options={
                "table": "access_assignment",
                "app": "models",
                "unique_together": (("group_id", "delegated_admin_relationship_id", "role"),),
                "indexes": [
                    Index(fields=["relationship_id", "role"]),
                    Index(fields=["group_id", "created_at"]),
                    Index(fields=["delegated_admin_relationship_id", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "A role granted in a relationship, assigned to one of the partner security groups.",
            },
        ),
        ops.AddField(
            model_name="AccessAssignment",
            name="delegated_admin_relationship",
            field=fields.ForeignKeyField(
                "models.DelegatedAdminRelationship",
                source_field="delegated_admin_relationship_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="access_assignments",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.AddIndex(
            model_name="AccessAssignment",
            index=Index(fields=["delegated_admin_relationship_id", "created_at"]),
        ),
        ops.RunPython(rebuild_on_sqlite, keep_assignments),
        ops.RunPython(move_assignments, keep_assignments),
        _AddConstraint(
            model_name="AccessAssignment",
            constraint=UniqueConstraint(
                fields=("group_id", "delegated_admin_relationship_id", "role"), name=None
            ),
        ),
    ]
