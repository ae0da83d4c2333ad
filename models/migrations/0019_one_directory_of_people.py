"""One directory of a customer's people: every `directory_user` becomes a `user` of its
customer, keeping its UUID (so that an old `DirectoryUser:` ID names the same person) and its
password-reset history; licenses follow the person; the old table goes.

How a directory user becomes a person:
- its user principal name, in lower case, is the person's email address;
- enabled, it is INVITED (it has no Partnerhub password until a reset or an emailed link
  gives it one); disabled, it is DISABLED;
- marked admin, it holds the catalog's least role, DIRECTORY_READERS, since the roles it held
  were never recorded: "holds admin roles" stays true, so helpdesk roles still may not reset
  it, and its Global Administrator gives it its real roles;
- when its customer already has a person with that address, it is that person: the licenses
  and the reset history move onto them (the old ID then names nobody);
- an address that a person of another organization holds stops the migration, naming the
  addresses, so that an operator decides: nothing is dropped silently.
"""

import json
from typing import Any

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

# The catalog's least role (AdminRole.DIRECTORY_READERS), written out: a migration keeps
# meaning what it meant when written, whatever the catalog becomes.
LEAST_ADMIN_ROLE = "DIRECTORY_READERS"


def _sql(dialect: str, query: str) -> str:
    """`query` with `?` placeholders, as the dialect numbers them."""
    if dialect != "postgres":
        return query
    parts = query.split("?")
    return "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], 1)) + parts[-1]


async def move_people(apps: Any, schema_editor: Any) -> None:
    """Every directory user becomes a person; then licenses refer to people."""
    client = schema_editor.client
    merged = await _people_from_directory(client)
    await _licenses_of_merged(client, merged)
    if client.capabilities.dialect == "postgres":
        await _refer_on_postgres(client, merged)
    else:
        await _refer_on_sqlite(client, merged)


async def _people_from_directory(client: Any) -> dict[str, str]:
    """Insert each directory user as a person; returns, for those who were a person of their
    customer already, their directory ID and their person's ID."""
    dialect = client.capabilities.dialect
    rows = await client.execute_query_dict(
        "SELECT id, customer_id, display_name, user_principal_name, enabled, is_admin, "
        "password_reset_at, password_reset_by_id, password_reset_by_partner_id, created_at "
        "FROM directory_user ORDER BY created_at, id"
    )
    people = await client.execute_query_dict('SELECT id, organization_id, email FROM "user"')
    by_email = {str(p["email"]).lower(): p for p in people}
    elsewhere = sorted(
        str(row["user_principal_name"]).lower()
        for row in rows
        if (found := by_email.get(str(row["user_principal_name"]).lower())) is not None
        and str(found["organization_id"]) != str(row["customer_id"])
    )
    if elsewhere:
        raise RuntimeError(
            "These directory users' addresses belong to people of another organization: "
            f"{', '.join(elsewhere)}. Change one of each pair, then migrate again."
        )
    merged: dict[str, str] = {}
    for row in rows:
        email = str(row["user_principal_name"]).lower()
        same = by_email.get(email)
        if same is not None:
            merged[str(row["id"])] = str(same["id"])
            await _keep_reset_history(client, dialect, row, same["id"])
            continue
        await client.execute_query(
            _sql(
                dialect,
                'INSERT INTO "user" (id, organization_id, email, display_name, roles, '
                "created_at, must_change_password, status, password_reset_at, "
                "password_reset_by_id, password_reset_by_partner_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ),
            [
                row["id"],
                row["customer_id"],
                email,
                row["display_name"],
                json.dumps([LEAST_ADMIN_ROLE] if row["is_admin"] else []),
                row["created_at"],
                False,
                "INVITED" if row["enabled"] else "DISABLED",
                row["password_reset_at"],
                row["password_reset_by_id"],
                row["password_reset_by_partner_id"],
            ],
        )
        by_email[email] = {"id": row["id"], "organization_id": row["customer_id"]}
    return merged


async def _keep_reset_history(client: Any, dialect: str, row: dict[str, Any], person: Any) -> None:
    """A directory user who is a person already: the later reset of the two is kept."""
    if row["password_reset_at"] is None:
        return
    await client.execute_query(
        _sql(
            dialect,
            'UPDATE "user" SET password_reset_at = ?, password_reset_by_id = ?, '
            "password_reset_by_partner_id = ? WHERE id = ? AND (password_reset_at IS NULL "
            "OR password_reset_at < ?)",
        ),
        [
            row["password_reset_at"],
            row["password_reset_by_id"],
            row["password_reset_by_partner_id"],
            person,
            row["password_reset_at"],
        ],
    )


async def _licenses_of_merged(client: Any, merged: dict[str, str]) -> None:
    """Of the licenses that two directory users who are one person held in one subscription,
    the first stays: a person holds a subscription's license once."""
    if not merged:
        return
    dialect = client.capabilities.dialect
    rows = await client.execute_query_dict(
        "SELECT id, subscription_id, user_id FROM license_assignment ORDER BY created_at, id"
    )
    held: set[tuple[str, str]] = set()
    for row in rows:
        holder = merged.get(str(row["user_id"]), str(row["user_id"]))
        key = (str(row["subscription_id"]), holder)
        if key in held:
            await client.execute_query(
                _sql(dialect, "DELETE FROM license_assignment WHERE id = ?"), [row["id"]]
            )
        held.add(key)


class AlterRelationState(ops.AlterField):
    """An AlterField for the migrations' record of the models only: what it changes in the
    database (where a foreign key points) `move_people` does, keeping the table's indexes
    and constraints, which a rebuild by Tortoise on SQLite would drop."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None


async def _refer_on_postgres(client: Any, merged: dict[str, str]) -> None:
    names = await client.execute_query_dict(
        "SELECT con.conname FROM pg_constraint con "
        "JOIN pg_class rel ON rel.oid = con.conrelid "
        "JOIN pg_class ref ON ref.oid = con.confrelid "
        "WHERE con.contype = 'f' AND rel.relname = 'license_assignment' "
        "AND ref.relname = 'directory_user'"
    )
    for name in names:
        await client.execute_script(
            f'ALTER TABLE "license_assignment" DROP CONSTRAINT "{name["conname"]}"'
        )
    for old, new in merged.items():
        await client.execute_query(
            "UPDATE license_assignment SET user_id = $1 WHERE user_id = $2", [new, old]
        )
    await client.execute_script(
        'ALTER TABLE "license_assignment" ADD CONSTRAINT "fk_license_assignment_user" '
        'FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE'
    )


async def _refer_on_sqlite(client: Any, merged: dict[str, str]) -> None:
    """SQLite changes a foreign key by building the table again (its documented way): the
    same definition pointing at `user`, the rows copied (those of merged directory users to
    their person), the indexes made again."""
    found = await client.execute_query_dict(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'license_assignment' "
        "AND sql IS NOT NULL"
    )
    table = next(row["sql"] for row in found if row["type"] == "table")
    indexes = [row["sql"] for row in found if row["type"] == "index"]
    rebuilt = table.replace('REFERENCES "directory_user"', 'REFERENCES "user"', 1).replace(
        '"license_assignment"', '"new__license_assignment"', 1
    )
    columns = [
        str(row["name"])
        for row in await client.execute_query_dict('PRAGMA table_info("license_assignment")')
    ]
    values: list[str] = []
    holder = '"user_id"'
    if merged:
        cases = " ".join("WHEN ? THEN ?" for _ in merged)
        holder = f'CASE "user_id" {cases} ELSE "user_id" END'
        values = [value for pair in merged.items() for value in pair]
    selected = ", ".join(holder if c == "user_id" else f'"{c}"' for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    await client.execute_script(rebuilt)
    await client.execute_query(
        f'INSERT INTO "new__license_assignment" ({names}) '  # noqa: S608 (names from the catalog)
        f'SELECT {selected} FROM "license_assignment"',
        values,
    )
    await client.execute_script('DROP TABLE "license_assignment"')
    await client.execute_script(
        'ALTER TABLE "new__license_assignment" RENAME TO "license_assignment"'
    )
    for index in indexes:
        await client.execute_script(index)


async def cannot_go_back(apps: Any, schema_editor: Any) -> None:
    raise RuntimeError("The directory's people stay people: this migration is not undone.")


class Migration(migrations.Migration):
    dependencies = [("models", "0018_scim_provisioning")]

    initial = False

    operations = [
        # The old table's back-references make way for the same ones on `user`.
        AlterRelationState(
            model_name="DirectoryUser",
            name="password_reset_by",
            field=fields.ForeignKeyField(
                "models.User",
                source_field="password_reset_by_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        AlterRelationState(
            model_name="DirectoryUser",
            name="password_reset_by_partner",
            field=fields.ForeignKeyField(
                "models.Organization",
                source_field="password_reset_by_partner_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(
            model_name="User",
            name="password_reset_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="User",
            name="password_reset_by",
            field=fields.ForeignKeyField(
                "models.User",
                source_field="password_reset_by_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="password_resets",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(
            model_name="User",
            name="password_reset_by_partner",
            field=fields.ForeignKeyField(
                "models.Organization",
                source_field="password_reset_by_partner_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="password_resets_for_customers",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.RunPython(move_people, cannot_go_back),
        AlterRelationState(
            model_name="LicenseAssignment",
            name="user",
            field=fields.ForeignKeyField(
                "models.User",
                source_field="user_id",
                db_constraint=True,
                to_field="id",
                related_name="licenses",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.DeleteModel(name="DirectoryUser"),
    ]
