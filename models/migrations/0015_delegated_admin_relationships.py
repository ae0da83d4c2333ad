from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.reference.enums import DelegatedAdminRelationshipStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index
from datetime import datetime
from typing import Any


# Existing GDAP grants were folded into one relationship per pair: each set of grants one
# invitation created becomes its own delegated admin relationship (the grants no invitation
# names, one per relationship), and each GDAP invitation still pending one awaiting approval.
GRANTS = """
SELECT g.id, g.relationship_id, g.invitation_id, g.role, g.status, g.granted_at,
       g.expires_at, g.auto_extend, g.revoked_at, g.ended_by_id, g.end_reason,
       r.customer_id, r.partner_id, r.status AS relationship_status, i.duration_days
FROM role_grant g
JOIN relationship r ON r.id = g.relationship_id
LEFT JOIN invitation i ON i.id = g.invitation_id
WHERE g.type = 'GDAP_PARTNER'
ORDER BY g.granted_at, g.id
"""
PENDING = """
SELECT id, partner_id, customer_id, customer_email, roles, duration_days, auto_extend, created_at
FROM invitation WHERE type = 'GDAP_PARTNER' AND status = 'PENDING' ORDER BY created_at, id
"""
COLUMNS = (
    "id",
    "partner_id",
    "customer_id",
    "relationship_id",
    "invitation_id",
    "display_name",
    "name_key",
    "roles",
    "duration_days",
    "auto_extend",
    "status",
    "created_at",
    "starts_at",
    "ends_at",
    "ended_at",
    "ended_by_id",
    "end_reason",
)


def _moment(value: Any) -> datetime:
    """A stored date: SQLite gives its ISO text, PostgreSQL a datetime."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _latest(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    return max(present, key=_moment) if present else None


class _Names:
    """Default names, unique among a partner's relationships in force with one customer."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def pick(self, scope: str, started: Any) -> tuple[str, str]:
        base = f"GDAP {_moment(started):%Y-%m-%d}"
        name, n = base, 1
        while f"{scope}:{name.casefold()}" in self.taken:
            n += 1
            name = f"{base} ({n})"
        key = f"{scope}:{name.casefold()}"
        self.taken.add(key)
        return name, key


async def _insert(client: Any, dialect: str, row: dict[str, Any]) -> None:
    marks = [
        (f"${i}::jsonb" if name == "roles" else f"${i}") if dialect == "postgres" else "?"
        for i, name in enumerate(COLUMNS, start=1)
    ]
    # Fixed column names and placeholders only.
    sql = f"INSERT INTO delegated_admin_relationship ({', '.join(COLUMNS)}) VALUES ({', '.join(marks)})"  # noqa: S608
    await client.execute_query(sql, [row[name] for name in COLUMNS])


async def group_grants(apps, schema_editor):
    client = schema_editor.client
    dialect = client.capabilities.dialect
    mark = (lambda i: f"${i}") if dialect == "postgres" else (lambda i: "?")
    names = _Names()
    _, rows = await client.execute_query(GRANTS)
    groups: dict[tuple[str, str | None], list[Any]] = {}
    for row in rows:
        key = (str(row["relationship_id"]), row["invitation_id"] and str(row["invitation_id"]))
        groups.setdefault(key, []).append(row)
    for (relationship_id, invitation_id), grants in groups.items():
        first = grants[0]
        active = [g for g in grants if g["status"] == "ACTIVE"]
        in_force = bool(active) and first["relationship_status"] == "ACTIVE"
        ends_at = _latest([g["expires_at"] for g in (active or grants)])
        if in_force:
            status = "ACTIVE"
        elif all(g["status"] == "EXPIRED" for g in grants):
            status = "EXPIRED"
        else:
            status = "TERMINATED"
        scope = f"{first['partner_id']}:{first['customer_id']}"
        name, key = names.pick(scope, first["granted_at"])
        duration = first["duration_days"]
        if duration is None:
            duration = max(
                1, (_moment(ends_at) - _moment(first["granted_at"])).days if ends_at else 1
            )
        last = max(grants, key=lambda g: _moment(g["revoked_at"] or first["granted_at"]))
        dar_id = str(uuid4())
        await _insert(
            client,
            dialect,
            {
                "id": dar_id,
                "partner_id": str(first["partner_id"]),
                "customer_id": str(first["customer_id"]),
                "relationship_id": relationship_id,
                "invitation_id": invitation_id,
                "display_name": name,
                "name_key": key if in_force else None,
                "roles": dumps(sorted({g["role"] for g in grants})),
                "duration_days": duration,
                "auto_extend": any(bool(g["auto_extend"]) for g in grants),
                "status": status,
                "created_at": first["granted_at"],
                "starts_at": first["granted_at"],
                "ends_at": ends_at,
                "ended_at": None if in_force else _latest([g["revoked_at"] for g in grants]),
                "ended_by_id": None
                if in_force
                else last["ended_by_id"] and str(last["ended_by_id"]),
                "end_reason": None if in_force else last["end_reason"],
            },
        )
        ids = [str(g["id"]) for g in grants]
        places = ", ".join(mark(i) for i in range(2, len(ids) + 2))
        sql = f"UPDATE role_grant SET delegated_admin_relationship_id = {mark(1)} WHERE id IN ({places})"  # noqa: S608
        await client.execute_query(sql, [dar_id, *ids])
    _, pending = await client.execute_query(PENDING)
    for invitation in pending:
        customer = invitation["customer_id"]
        scope = f"{invitation['partner_id']}:" + (
            str(customer) if customer else invitation["customer_email"].casefold()
        )
        name, key = names.pick(scope, invitation["created_at"])
        roles = invitation["roles"]
        await _insert(
            client,
            dialect,
            {
                "id": str(uuid4()),
                "partner_id": str(invitation["partner_id"]),
                "customer_id": customer and str(customer),
                "relationship_id": None,
                "invitation_id": str(invitation["id"]),
                "display_name": name,
                "name_key": key,
                "roles": roles if isinstance(roles, str) else dumps(roles),
                "duration_days": invitation["duration_days"] or 1,
                "auto_extend": bool(invitation["auto_extend"]),
                "status": "APPROVAL_PENDING",
                "created_at": invitation["created_at"],
                "starts_at": None,
                "ends_at": None,
                "ended_at": None,
                "ended_by_id": None,
                "end_reason": None,
            },
        )


async def ungroup_grants(apps, schema_editor):
    pass  # the column and the table go


class Migration(migrations.Migration):
    dependencies = [("models", "0014_session_by_identity_provider")]

    initial = False

    operations = [
        ops.CreateModel(
            name="DelegatedAdminRelationship",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "partner",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="partner_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="delegated_admin_relationships",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="granted_delegated_admin_relationships",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "relationship",
                    fields.ForeignKeyField(
                        "models.Relationship",
                        source_field="relationship_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="delegated_admin_relationships",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "invitation",
                    fields.ForeignKeyField(
                        "models.Invitation",
                        source_field="invitation_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="delegated_admin_relationships",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("display_name", fields.CharField(max_length=50)),
                ("name_key", fields.CharField(null=True, unique=True, max_length=400)),
                (
                    "roles",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("duration_days", fields.IntField()),
                ("auto_extend", fields.BooleanField(default=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=DelegatedAdminRelationshipStatus.APPROVAL_PENDING,
                        description="APPROVAL_PENDING: APPROVAL_PENDING\nACTIVE: ACTIVE\nEXPIRING: EXPIRING\nEXPIRED: EXPIRED\nTERMINATED: TERMINATED",
                        enum_type=DelegatedAdminRelationshipStatus,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("starts_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "ended_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="ended_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="ended_delegated_admin_relationships",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("end_reason", fields.CharField(null=True, max_length=200)),
            ],
            options={
                "table": "delegated_admin_relationship",
                "app": "models",
                "indexes": [
                    Index(fields=["relationship_id", "created_at"]),
                    Index(fields=["partner_id", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "One GDAP agreement inside a partner-customer relationship: its own name, roles (its",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="RoleGrant",
            name="delegated_admin_relationship",
            field=fields.ForeignKeyField(
                "models.DelegatedAdminRelationship",
                source_field="delegated_admin_relationship_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="grants",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.RunPython(group_grants, ungroup_grants),
    ]
