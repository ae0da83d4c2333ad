from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.reference.directory_vocabularies import Facet
from models.tables.leads import LeadStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

# Full-text search over a profile's name and description, which the models cannot describe:
# SQLite gets an FTS5 index kept in step by triggers; PostgreSQL a generated tsvector column
# (stored, so that matching never recomputes it) with a GIN index.
# `models/rules/directory_search.py` queries them; keep the two in agreement.
SQLITE_SEARCH = [
    """CREATE VIRTUAL TABLE partner_profile_search USING fts5(
        name, description, content='partner_profile', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER partner_profile_search_insert AFTER INSERT ON partner_profile BEGIN
        INSERT INTO partner_profile_search(rowid, name, description)
        VALUES (new.id, new.name, new.description);
    END""",
    """CREATE TRIGGER partner_profile_search_delete AFTER DELETE ON partner_profile BEGIN
        INSERT INTO partner_profile_search(partner_profile_search, rowid, name, description)
        VALUES ('delete', old.id, old.name, old.description);
    END""",
    """CREATE TRIGGER partner_profile_search_update AFTER UPDATE OF name, description
    ON partner_profile BEGIN
        INSERT INTO partner_profile_search(partner_profile_search, rowid, name, description)
        VALUES ('delete', old.id, old.name, old.description);
        INSERT INTO partner_profile_search(rowid, name, description)
        VALUES (new.id, new.name, new.description);
    END""",
]
POSTGRES_SEARCH = [
    """ALTER TABLE partner_profile ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', name || ' ' || description)) STORED""",
    "CREATE INDEX partner_profile_search ON partner_profile USING GIN (search_vector)",
]


async def create_search_index(apps, schema_editor):
    dialect = schema_editor.client.capabilities.dialect
    for statement in SQLITE_SEARCH if dialect == "sqlite" else POSTGRES_SEARCH:
        await schema_editor.client.execute_script(statement)


async def drop_search_index(apps, schema_editor):
    dialect = schema_editor.client.capabilities.dialect
    if dialect == "sqlite":
        for event in ("insert", "delete", "update"):
            await schema_editor.client.execute_script(
                f"DROP TRIGGER partner_profile_search_{event}"
            )
        await schema_editor.client.execute_script("DROP TABLE partner_profile_search")
    else:
        await schema_editor.client.execute_script(
            "ALTER TABLE partner_profile DROP COLUMN search_vector"
        )


class Migration(migrations.Migration):
    dependencies = [("models", "0005_activity_webhooks")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Lead",
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
                        related_name="leads",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("location", fields.CharField(max_length=8)),
                ("contact_name", fields.CharField(max_length=200)),
                ("email", fields.CharField(max_length=254)),
                ("phone", fields.CharField(null=True, max_length=40)),
                ("organization_name", fields.CharField(max_length=200)),
                ("organization_size", fields.CharField(max_length=32)),
                ("industry", fields.CharField(max_length=32)),
                ("business_needs", fields.TextField(unique=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=LeadStatus.NEW,
                        description="NEW: NEW\nCONTACTED: CONTACTED\nINVITED: INVITED\nCLOSED: CLOSED",
                        enum_type=LeadStatus,
                        max_length=16,
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
                        related_name="leads",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "status_changed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "lead",
                "app": "models",
                "indexes": [
                    Index(fields=["partner_id", "created_at"]),
                    Index(fields=["partner_id", "status", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "A request to be contacted, addressed to one partner. Only that partner sees it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PartnerProfile",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "organization",
                    fields.OneToOneField(
                        "models.Organization",
                        source_field="organization_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="partner_profile",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                ("description", fields.TextField(default="", unique=False)),
                (
                    "locations",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "industries",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "products",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "organization_sizes",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "languages",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("contact_email", fields.CharField(null=True, max_length=254)),
                ("contact_phone", fields.CharField(null=True, max_length=40)),
                ("website", fields.CharField(null=True, max_length=300)),
                ("published", fields.BooleanField(default=False)),
                (
                    "published_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "partner_profile",
                "app": "models",
                "indexes": [
                    Index(fields=["published", "name", "id"]),
                    Index(fields=["id", "published", "name"]),
                ],
                "pk_attr": "id",
                "table_description": "A partner organization listing in the directory, shown once the partner publishes it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PartnerFacetValue",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "profile",
                    fields.ForeignKeyField(
                        "models.PartnerProfile",
                        source_field="profile_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="facet_values",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "facet",
                    fields.CharEnumField(
                        description="LOCATION: LOCATION\nINDUSTRY: INDUSTRY\nPRODUCT: PRODUCT\nORGANIZATION_SIZE: ORGANIZATION_SIZE\nLANGUAGE: LANGUAGE",
                        enum_type=Facet,
                        max_length=24,
                    ),
                ),
                ("value", fields.CharField(max_length=32)),
            ],
            options={
                "table": "partner_facet_value",
                "app": "models",
                "unique_together": (("facet", "value", "profile"),),
                "pk_attr": "id",
                "table_description": "One value a profile lists for a facet: a filter is an index lookup on (facet, value).",
            },
            bases=["Model"],
        ),
        ops.RunPython(create_search_index, drop_search_index),
    ]
