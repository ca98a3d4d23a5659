"""PostgreSQL: an index on the search entries' time, for a search that finds more matches than
it ranks (a common word): it lists them newest first, reading the newest entries through this
index rather than every match (liveblogs/search.py, ``Search.newest``).

SQLite needs none: FTS5 counts and ranks every match (bm25) fast enough, and never lists newest
first.
"""

from django.db import migrations

INDEX = "liveblogs_searchentry_newest"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON liveblogs_searchentry (published_at, id)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("liveblogs", "0017_search_page_language"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
