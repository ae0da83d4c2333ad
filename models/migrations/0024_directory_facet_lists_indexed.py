from tortoise import migrations
from tortoise.migrations import operations as ops

# On PostgreSQL, each facet list of a profile (a JSONB array) gets a GIN index: a search with
# several facets ANDs their bitmaps and reads only the profiles that have them all, where
# intersecting their rows of `partner_facet_value` read every profile of each facet.
# `models/rules/directory_search.py` queries them; SQLite keeps using `partner_facet_value`.
FACET_COLUMNS = ("locations", "industries", "products", "organization_sizes", "languages")


async def create_facet_indexes(apps, schema_editor):
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    for column in FACET_COLUMNS:
        await schema_editor.client.execute_script(
            f"CREATE INDEX partner_profile_{column}_facet ON partner_profile USING GIN ({column})"
        )


async def drop_facet_indexes(apps, schema_editor):
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    for column in FACET_COLUMNS:
        await schema_editor.client.execute_script(f"DROP INDEX partner_profile_{column}_facet")


class Migration(migrations.Migration):
    dependencies = [("models", "0020_scim_email_details")]

    initial = False

    operations = [
        ops.RunPython(create_facet_indexes, drop_facet_indexes),
    ]
