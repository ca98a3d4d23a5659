"""Search entries in their page's language (liveblogs/search.py), accents folded on PostgreSQL.

PostgreSQL: two text search configurations of our own, ``liveblogs_english`` and
``liveblogs_french``, copies of PostgreSQL's ``english`` and ``french`` that fold accents first
(the ``unaccent`` extension, trusted since PostgreSQL 13, so the database's owner may create it):
a reader typing "elections" finds "élection" on a French page. Where the extension cannot be
created, the copies stem without folding accents. The generated ``document`` column of 0014 is
made again with them (a generated column's expression cannot be altered), and its GIN index.

SQLite needs nothing: its FTS5 tokenizer folds accents already (``remove_diacritics 2``).

Every entry takes its page's language.
"""

from django.db import DatabaseError, migrations, transaction

CONFIGS = {"en": ("liveblogs_english", "english"), "fr": ("liveblogs_french", "french")}
OLD_CONFIGS = {"en": "english", "fr": "french"}


def document(configs):
    def weighted(configuration):
        return (
            f"setweight(to_tsvector('{configuration}'::regconfig, title), 'A')"
            f" || setweight(to_tsvector('{configuration}'::regconfig, text), 'B')"
        )

    whens = " ".join(
        f"WHEN '{language}' THEN {weighted(configuration)}" for language, configuration in configs.items()
    )
    return f"CASE language {whens} ELSE {weighted('simple')} END"


def make_document(schema_editor, configs):
    schema_editor.execute("DROP INDEX IF EXISTS liveblogs_searchentry_document")
    schema_editor.execute("ALTER TABLE liveblogs_searchentry DROP COLUMN IF EXISTS document")
    schema_editor.execute(
        "ALTER TABLE liveblogs_searchentry ADD COLUMN document tsvector"
        f" GENERATED ALWAYS AS ({document(configs)}) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX liveblogs_searchentry_document ON liveblogs_searchentry USING GIN (document)"
    )


def fold_accents(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        unaccent = True
    except DatabaseError:  # not installed on the server, or not ours to create
        unaccent = False
    for ours, theirs in CONFIGS.values():
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {ours}")
        schema_editor.execute(f"CREATE TEXT SEARCH CONFIGURATION {ours} (COPY = {theirs})")
        if unaccent:
            schema_editor.execute(
                f"ALTER TEXT SEARCH CONFIGURATION {ours} ALTER MAPPING FOR hword, hword_part, word"
                f" WITH unaccent, {theirs}_stem"
            )
    make_document(schema_editor, {language: ours for language, (ours, _theirs) in CONFIGS.items()})


def stem_as_before(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    make_document(schema_editor, OLD_CONFIGS)
    for ours, _theirs in CONFIGS.values():
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {ours}")


def entries_in_their_pages_language(apps, schema_editor):
    LivePage = apps.get_model("liveblogs", "LivePage")
    SearchEntry = apps.get_model("liveblogs", "SearchEntry")
    db = schema_editor.connection.alias
    for language in LivePage.objects.using(db).values_list("language", flat=True).distinct():
        SearchEntry.objects.using(db).filter(live_page__language=language).exclude(
            language=language.split("-")[0].lower()
        ).update(language=language.split("-")[0].lower())


class Migration(migrations.Migration):

    dependencies = [
        ("liveblogs", "0016_scheduled_updates"),
    ]

    operations = [
        migrations.RunPython(fold_accents, stem_as_before),
        migrations.RunPython(entries_in_their_pages_language, migrations.RunPython.noop),
    ]
