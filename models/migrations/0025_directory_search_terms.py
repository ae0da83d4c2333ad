from tortoise import migrations
from tortoise.migrations import operations as ops

# SQLite: the terms of the directory's full-text index with the number of profiles holding
# each (FTS5's `fts5vocab`, read straight from the index: nothing to keep in step). The search
# reads it to turn each word of a query into the index's terms it is a prefix of, and to
# estimate how many profiles a query matches before choosing how to find them
# (`models/rules/directory_search.py`). PostgreSQL needs nothing: its planner keeps
# statistics of its own.
SQLITE_TERMS = (
    "CREATE VIRTUAL TABLE partner_profile_search_terms "
    "USING fts5vocab(partner_profile_search, 'row')"
)


async def create_search_terms(apps, schema_editor):
    if schema_editor.client.capabilities.dialect == "sqlite":
        await schema_editor.client.execute_script(SQLITE_TERMS)


async def drop_search_terms(apps, schema_editor):
    if schema_editor.client.capabilities.dialect == "sqlite":
        await schema_editor.client.execute_script("DROP TABLE partner_profile_search_terms")


class Migration(migrations.Migration):
    dependencies = [("models", "0023_bulk_access_and_endings")]

    initial = False

    operations = [
        ops.RunPython(create_search_terms, drop_search_terms),
    ]
