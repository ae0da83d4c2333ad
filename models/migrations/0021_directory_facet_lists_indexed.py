from tortoise import migrations
from tortoise.migrations import operations as ops

# An index of each profile's facet lists, in which a search with several facets finds the
# profiles that have them all without reading every profile of each facet (as intersecting
# their rows of `partner_facet_value` did). `models/rules/directory_search.py` queries them.
# PostgreSQL: a GIN index on each list (a JSONB array); the planner ANDs their bitmaps.
# SQLite: an FTS5 table of one token per listed value ("location_DE", "industry_RETAIL"),
# kept in step with the lists by triggers; FTS5 merges the tokens' sorted rowid lists.
# Only fixed names are spliced into the SQL below (hence the `noqa: S608`).
FACET_COLUMNS = ("locations", "industries", "products", "organization_sizes", "languages")
FACET_TOKEN_PREFIXES = {
    "locations": "location_",
    "industries": "industry_",
    "products": "product_",
    "organization_sizes": "organization_size_",
    "languages": "language_",
}


def _tokens(row: str) -> str:
    """SQL for the space-separated tokens of the facet lists of `row` (new, or a table)."""
    parts = " UNION ALL ".join(
        f"SELECT '{prefix}' || value AS token FROM json_each({row}.{column})"  # noqa: S608
        for column, prefix in FACET_TOKEN_PREFIXES.items()
    )
    return f"(SELECT coalesce(group_concat(token, ' '), '') FROM ({parts}))"  # noqa: S608


SQLITE_FACETS = [
    """CREATE VIRTUAL TABLE partner_profile_facets USING fts5(
        tokens, tokenize='unicode61 remove_diacritics 0 tokenchars ''_''')""",
    f"""CREATE TRIGGER partner_profile_facets_insert AFTER INSERT ON partner_profile BEGIN
        INSERT INTO partner_profile_facets(rowid, tokens) VALUES (new.id, {_tokens("new")});
    END""",  # noqa: S608
    """CREATE TRIGGER partner_profile_facets_delete AFTER DELETE ON partner_profile BEGIN
        DELETE FROM partner_profile_facets WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER partner_profile_facets_update
    AFTER UPDATE OF {", ".join(FACET_COLUMNS)} ON partner_profile BEGIN
        DELETE FROM partner_profile_facets WHERE rowid = old.id;
        INSERT INTO partner_profile_facets(rowid, tokens) VALUES (new.id, {_tokens("new")});
    END""",  # noqa: S608
    f"""INSERT INTO partner_profile_facets(rowid, tokens)
    SELECT p.id, {_tokens("p")} FROM partner_profile p""",  # noqa: S608
]


async def create_facet_indexes(apps, schema_editor):
    if schema_editor.client.capabilities.dialect == "sqlite":
        for statement in SQLITE_FACETS:
            await schema_editor.client.execute_script(statement)
        return
    for column in FACET_COLUMNS:
        await schema_editor.client.execute_script(
            f"CREATE INDEX partner_profile_{column}_facet ON partner_profile USING GIN ({column})"
        )


async def drop_facet_indexes(apps, schema_editor):
    if schema_editor.client.capabilities.dialect == "sqlite":
        for event in ("insert", "delete", "update"):
            await schema_editor.client.execute_script(
                f"DROP TRIGGER partner_profile_facets_{event}"
            )
        await schema_editor.client.execute_script("DROP TABLE partner_profile_facets")
        return
    for column in FACET_COLUMNS:
        await schema_editor.client.execute_script(f"DROP INDEX partner_profile_{column}_facet")


class Migration(migrations.Migration):
    dependencies = [("models", "0020_scim_email_details")]

    initial = False

    operations = [
        ops.RunPython(create_facet_indexes, drop_facet_indexes),
    ]
