"""What readers can find: one search entry per page and per published update, indexed by the
database as it is written (see liveblogs/search.py).

PostgreSQL: ``document``, a stored generated tsvector (title weighted A, text B) in the entry's
language configuration, and a GIN index on it. The mapping of languages to configurations is
written out here as search.CONFIGS had it; a new language needs a migration that redefines the
column.

SQLite: an FTS5 table over the entries (external content: it keeps the index, not a second copy
of the words) and the three triggers the FTS5 documentation gives to keep it in step. SQLite
built without FTS5 refuses the table ("no such module: fts5"): the migration then goes on
without it, and the search matches words with LIKE (search.has_fts5 looks for the table).

Existing pages and published updates get their entries here.
"""

from html import unescape

import django.db.models.deletion
from django.conf import settings
from django.db import OperationalError, migrations, models, transaction
from django.utils.html import strip_tags

CONFIGS = {"en": "english", "fr": "french"}


def postgresql_document():
    def weighted(configuration):
        return (
            f"setweight(to_tsvector('{configuration}'::regconfig, title), 'A')"
            f" || setweight(to_tsvector('{configuration}'::regconfig, text), 'B')"
        )

    whens = " ".join(
        f"WHEN '{language}' THEN {weighted(configuration)}" for language, configuration in CONFIGS.items()
    )
    return f"CASE language {whens} ELSE {weighted('simple')} END"


FTS5 = [
    "CREATE VIRTUAL TABLE liveblogs_searchentry_fts USING fts5(title, text,"
    " content='liveblogs_searchentry', content_rowid='id',"
    " tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER liveblogs_searchentry_ai AFTER INSERT ON liveblogs_searchentry BEGIN"
    " INSERT INTO liveblogs_searchentry_fts(rowid, title, text) VALUES (new.id, new.title, new.text);"
    " END",
    "CREATE TRIGGER liveblogs_searchentry_ad AFTER DELETE ON liveblogs_searchentry BEGIN"
    " INSERT INTO liveblogs_searchentry_fts(liveblogs_searchentry_fts, rowid, title, text)"
    " VALUES ('delete', old.id, old.title, old.text);"
    " END",
    "CREATE TRIGGER liveblogs_searchentry_au AFTER UPDATE ON liveblogs_searchentry BEGIN"
    " INSERT INTO liveblogs_searchentry_fts(liveblogs_searchentry_fts, rowid, title, text)"
    " VALUES ('delete', old.id, old.title, old.text);"
    " INSERT INTO liveblogs_searchentry_fts(rowid, title, text) VALUES (new.id, new.title, new.text);"
    " END",
]


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE liveblogs_searchentry ADD COLUMN document tsvector"
            f" GENERATED ALWAYS AS ({postgresql_document()}) STORED"
        )
        schema_editor.execute(
            "CREATE INDEX liveblogs_searchentry_document ON liveblogs_searchentry USING GIN (document)"
        )
    elif connection.vendor == "sqlite":
        try:
            with transaction.atomic(using=connection.alias):
                for statement in FTS5:
                    schema_editor.execute(statement)
        except OperationalError as error:
            if "fts5" not in str(error):
                raise


def drop_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE liveblogs_searchentry DROP COLUMN document")
    elif connection.vendor == "sqlite":
        for trigger in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS liveblogs_searchentry_{trigger}")
        schema_editor.execute("DROP TABLE IF EXISTS liveblogs_searchentry_fts")


def text(*parts):
    return "\n".join(unescape(strip_tags(part)) for part in parts if part).replace(
        "\ue000", ""
    ).replace("\ue001", "")


def fill(apps, schema_editor):
    """Entries for what readers can already find, as search.index_pages and index_updates write
    them."""
    LivePage = apps.get_model("liveblogs", "LivePage")
    Update = apps.get_model("liveblogs", "Update")
    SearchEntry = apps.get_model("liveblogs", "SearchEntry")
    db = schema_editor.connection.alias
    language = settings.LANGUAGE_CODE.split("-")[0].lower()
    pages = LivePage.objects.using(db).select_related("series", "lead_photo").prefetch_related("key_points")
    for page in pages.iterator(chunk_size=500):
        lead = page.lead_photo
        SearchEntry.objects.using(db).create(
            live_page=page, title=text(page.title), published_at=page.coverage_start,
            language=language,
            text=text(
                page.standfirst, *(p.text for p in page.key_points.all()),
                page.series.name if page.series else "",
                lead.caption if lead else "", lead.credit if lead else "",
            ),
        )
    updates = Update.objects.using(db).filter(status="published").prefetch_related(
        "bylines__reporter", "update_photos__photo"
    )
    batch = []
    for update in updates.iterator(chunk_size=500):
        photos = [row.photo for row in update.update_photos.all()]
        batch.append(SearchEntry(
            live_page_id=update.live_page_id, update=update, title=text(update.headline),
            published_at=update.published_at, language=language,
            text=text(
                update.body, *(part for photo in photos for part in (photo.caption, photo.credit)),
                *(byline.reporter.name for byline in update.bylines.all()),
            ),
        ))
        if len(batch) == 500:
            SearchEntry.objects.using(db).bulk_create(batch)
            batch = []
    SearchEntry.objects.using(db).bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('liveblogs', '0013_embeds_and_video_metadata'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.TextField()),
                ('text', models.TextField()),
                ('published_at', models.DateTimeField()),
                ('language', models.CharField(max_length=12)),
                ('live_page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='liveblogs.livepage')),
                ('update', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='search_entry', to='liveblogs.update')),
            ],
            options={
                'verbose_name': 'search entry',
                'verbose_name_plural': 'search entries',
                'constraints': [models.UniqueConstraint(condition=models.Q(('update__isnull', True)), fields=('live_page',), name='search_entry_one_per_page')],
            },
        ),
        migrations.RunPython(create_index, drop_index),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
