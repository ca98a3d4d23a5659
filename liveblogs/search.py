"""The archive's search: what readers can find, how it is kept in step, and how it is asked.

What readers can find is one ``SearchEntry`` row per page (title; standfirst, The Latest, series,
lead photo caption and credit) and one per published update (headline; body as text, photo
captions and credits, bylines). The rows are written where versions move, so whatever changes
what readers see changes what they find: ``index_pages`` from ``LivePageQuerySet.bump_version``
(page saves, key points, series renames, lead photos) and ``index_updates`` where an update's
version is stamped (its save, ``touch`` for bylines, photos and renames, bulk edits).

The database indexes the rows as they are written (migration 0014):

- PostgreSQL: ``document``, a stored generated ``tsvector`` (headline weighted A, the rest B) in
  the entry's language configuration (the page's language: French stemming for a French page),
  accents folded where the database has ``unaccent`` (migration 0017), with a GIN index; asked
  with ``websearch_to_tsquery``, ranked with ``ts_rank``, excerpts by ``ts_headline``. It counts
  and ranks ``MAX_RANKED`` matches at most: a search that finds more says "more than" and lists
  them newest first (``Search.newest``). A generated column rather than a trigger: the document
  depends on the row's own columns only, so the database can never let it drift and there is
  no trigger function to keep.
- SQLite: an FTS5 table over ``title`` and ``text`` (accents folded, then the Porter stemmer,
  which is English only: on a French page it takes off plural endings, "élections" finds
  "election", but not French ones, "inondée" does not find "inondation"), kept by three triggers on
  the entry table; ranked with ``bm25`` (headline ×10), excerpts by ``snippet``. Where SQLite was
  built without FTS5, the migration cannot make that table and the search matches words with
  ``LIKE`` instead (``has_fts5``), bodies included.

Both take the same syntax: ``"a phrase"``, ``-word`` to leave out, ``or`` between alternatives.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, models
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from .conf import settings as app_settings
from .structured_data import plain_text

# PostgreSQL text search configuration for each language a page may be in: PostgreSQL's own,
# copied by migration 0016 with accents folded (``unaccent``) where the database has it. The
# generated column holds the same mapping: a new language needs a migration that rewrites it.
CONFIGS = {"en": "liveblogs_english", "fr": "liveblogs_french"}
FALLBACK_CONFIG = "simple"
FTS_TABLE = "liveblogs_searchentry_fts"
# Words beyond these add nothing to a reader's search but cost.
MAX_QUERY_CHARS = 200
MAX_TERMS = 10
# PostgreSQL counts and ranks this many matches at most; a search that finds more (a common word)
# says "more than" and lists them newest first (``Search.newest_first``). Ranking every match
# means reading every match's row: the GIN index finds the 10,000 entries of a word used once in
# ten among 100,000 at once, but cannot rank them, count them or give them in any order, and
# reading them all took most of 33-46 ms; reading 1,001 takes 7 (README, "Search"). Among
# thousands, ranking by how often the words occur says little; the newest is what a reader is
# most likely after.
MAX_RANKED = 1000
# The newest entries read first for a newest-first page of results: four times as many as should
# hold its matches were matches spread evenly over time (``Search.newest``).
NEWEST_MARGIN = 4
# Around the matched words in an excerpt until it is escaped: private-use characters that no
# entry holds (``entry_text`` removes them), so a ``<`` in the text can never become markup.
START, STOP = "\ue000", "\ue001"
EXCERPT_WORDS = 30


def entry_language(code):
    """An entry's language: the page's, less any region ("fr-ca" is searched as "fr")."""
    return code.split("-")[0].lower()


def page_language(page):
    """The language a page is written in, which picks its entries' stemming."""
    return entry_language(page.language)


def languages():
    """The languages entries may be in: the site's (a page's language is one of them)."""
    codes = [settings.LANGUAGE_CODE, *(code for code, _name in settings.LANGUAGES)]
    return list(dict.fromkeys(entry_language(code) for code in codes))


def config(language):
    return CONFIGS.get(language, FALLBACK_CONFIG)


def entry_text(*parts):
    """Plain text of the parts (HTML or text), one line each, with the excerpt marks removed."""
    text = "\n".join(plain_text(part) for part in parts if part)
    return text.replace(START, "").replace(STOP, "")


# Writing ----------------------------------------------------------------------------------------


def page_fields(page):
    lead = page.lead_photo
    return {
        "title": entry_text(page.title),
        "text": entry_text(
            page.standfirst,
            *(point.text for point in page.key_points.all()),
            page.series.name if page.series else "",
            lead.caption if lead else "",
            lead.credit if lead else "",
        ),
        "published_at": page.coverage_start,
        "language": page_language(page),
    }


def index_pages(page_ids):
    """Write the entries of these pages as readers now see them (unchanged ones are left)."""
    from .models import LivePage, SearchEntry

    pages = (
        LivePage.objects.filter(pk__in=page_ids)
        .select_related("series", "lead_photo")
        .prefetch_related("key_points")
    )
    entries = {
        entry.live_page_id: entry
        for entry in SearchEntry.objects.filter(live_page__in=page_ids, update=None)
    }
    for page in pages:
        fields = page_fields(page)
        entry = entries.get(page.pk)
        if entry is None:
            SearchEntry.objects.create(live_page=page, **fields)
        elif any(getattr(entry, name) != value for name, value in fields.items()):
            SearchEntry.objects.filter(pk=entry.pk).update(**fields)
            if entry.language != fields["language"]:
                # The page changed language: its updates are stemmed in the new one too.
                SearchEntry.objects.filter(live_page=page, update__isnull=False).update(
                    language=fields["language"]
                )


def update_fields(update, bylines, photos, languages):
    return {
        "live_page_id": update.live_page_id,
        "title": entry_text(update.headline),
        "text": entry_text(update.body, *photos.get(update.pk, ()), *bylines.get(update.pk, ())),
        "published_at": update.published_at,
        "language": languages[update.live_page_id],
    }


def index_updates(updates, *, new=False):
    """Write the entries of these updates (instances as saved, or a queryset): a published
    update's words as readers now see them; any other has none. ``new`` updates were just
    created: no byline or photo can name them yet (those come after, and index them again)."""
    from .models import LivePage, SearchEntry, Update

    if isinstance(updates, models.QuerySet):
        updates = updates.only("live_page_id", "headline", "body", "status", "published_at")
    updates = list(updates)
    published = [u for u in updates if u.status == Update.Status.PUBLISHED]
    gone = [u.pk for u in updates if u.status != Update.Status.PUBLISHED]
    if gone:
        SearchEntry.objects.filter(update__in=gone).delete()
    if not published:
        return
    bylines, photos = ({}, {}) if new else names_and_captions([u.pk for u in published])
    # The pages' languages: from the pages the updates hold where they hold them, else one query.
    languages = {
        u.live_page_id: page_language(u.live_page)
        for u in published
        if Update.live_page.is_cached(u)
    }
    if missing := {u.live_page_id for u in published} - set(languages):
        languages.update(
            (pk, entry_language(language))
            for pk, language in LivePage.objects.filter(pk__in=missing).values_list("pk", "language")
        )
    SearchEntry.objects.bulk_create(
        [SearchEntry(update=u, **update_fields(u, bylines, photos, languages)) for u in published],
        update_conflicts=True,
        unique_fields=["update"],
        update_fields=["live_page", "title", "text", "published_at", "language"],
    )


def names_and_captions(pks):
    """Each update's byline names, and its photos' captions and credits, by update id: one
    query. Values, not instances: nothing is cached on the caller's updates."""
    from .models import UpdateAuthor, UpdatePhoto

    rows = (
        UpdateAuthor.objects.filter(update__in=pks).order_by()
        .values_list("update", "reporter__name", Value(""), Value("byline"))
        .union(
            UpdatePhoto.objects.filter(update__in=pks).order_by().values_list(
                "update", "photo__caption", "photo__credit", Value("photo")
            ),
            all=True,
        )
    )
    bylines, photos = {}, {}
    for pk, first, second, kind in rows:
        if kind == "byline":
            bylines.setdefault(pk, []).append(first)
        else:
            photos.setdefault(pk, []).extend([first, second])
    return bylines, photos


# Asking -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    words: tuple  # one word, or the words of a phrase
    left_out: bool  # ``-word``


TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')
WORD = re.compile(r"\w+")


def parse(query):
    """The reader's query as alternatives (``or``), each a list of terms all to be found; an
    alternative that only leaves out cannot be searched, and is dropped."""
    alternatives = [[]]
    count = 0
    for left_out, phrase, word in TOKEN.findall(query[:MAX_QUERY_CHARS]):
        if not phrase and word.lower() == "or" and not left_out:
            alternatives.append([])
            continue
        words = tuple(WORD.findall(phrase or word))
        if words and count < MAX_TERMS:
            alternatives[-1].append(Term(words, bool(left_out)))
            count += 1
    return [terms for terms in alternatives if any(not t.left_out for t in terms)]


def fts5_query(alternatives):
    """FTS5's spelling of the query. Every term is quoted, so nothing the reader types is read as
    FTS5 syntax; within quotes the tokenizer still stems ("flooding" finds "floods")."""

    def quoted(term):
        return '"' + " ".join(term.words) + '"'

    spelled = []
    for terms in alternatives:
        wanted = " AND ".join(quoted(t) for t in terms if not t.left_out)
        unwanted = " OR ".join(quoted(t) for t in terms if t.left_out)
        spelled.append(f"(({wanted}) NOT ({unwanted}))" if unwanted else f"({wanted})")
    return " OR ".join(spelled)


def has_fts5(connection):
    """Whether migration 0014 could make the FTS5 table (SQLite built with FTS5); asked once per
    connection."""
    if connection.vendor != "sqlite":
        return False
    known = getattr(connection, "_liveblogs_fts5", None)
    if known is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [FTS_TABLE])
            known = connection._liveblogs_fts5 = cursor.fetchone() is not None
    return known


def backend(connection):
    if connection.vendor == "postgresql":
        return "postgresql"
    return "fts5" if has_fts5(connection) else "words"


def marked(text):
    """An excerpt as HTML: escaped first, then the matched words marked."""
    return mark_safe(escape(text).replace(START, "<mark>").replace(STOP, "</mark>"))


class Search:
    """Entries of the given pages that match the reader's query, best first, then newest:
    counted and sliced as ``Paginator`` asks, each with its ``excerpt``."""

    def __init__(self, pages, query, *, reporter=None, narrowed=True):
        """``pages``: those to search (public ones only); ``narrowed``: False when they are all
        the public pages, which lets FTS5 count alone."""
        from .models import SearchEntry, UpdateAuthor

        self.query = query[:MAX_QUERY_CHARS]
        self.alternatives = parse(self.query)
        self.pages = pages.order_by().values("pk")
        self.reporter = reporter
        self.narrowed = narrowed or reporter is not None
        self.first_page = None  # the first page's ids, once counted and ranked
        self.total = None
        entries = SearchEntry.objects.filter(live_page__in=self.pages)
        if reporter is not None:
            # The page's own entry stays (the page filter chose it); updates must be theirs.
            entries = entries.filter(
                Q(update__isnull=True)
                | Exists(UpdateAuthor.objects.filter(update=OuterRef("update"), reporter=reporter))
            )
        self.entries = entries
        self.backend = backend(connections[entries.db])

    def __bool__(self):
        return bool(self.alternatives)

    # What Paginator needs.

    def count(self):
        """How many entries match. On PostgreSQL the query that counts them also ranks them and
        keeps the first page's: finding them is most of the work, and most readers stay on page
        1. It stops at one more than ``MAX_RANKED``: past that it says "more than", and the
        first page is the newest (``newest_first``). (FTS5 cannot rank in a query with a window
        function: it counts apart, every match.)"""
        if not self.alternatives:
            return 0
        if self.backend == "words":
            return self.words_matches().count()
        if self.backend == "fts5":
            sql, params = self.matches_sql("COUNT(*)")
            return self.fetch(sql, params)[0][0]
        if self.total is None:
            sql, params = self.matches_sql("e.id, COUNT(*) OVER ()", ranked=True)
            rows = self.fetch(sql + " LIMIT %s", [*params, app_settings.ARCHIVE_PAGE_SIZE])
            self.total = rows[0][1] if rows else 0
            if self.total <= MAX_RANKED:
                self.first_page = [row[0] for row in rows]
        return self.total

    @property
    def newest_first(self):
        """Whether there are more matches than are counted and ranked (PostgreSQL only): they
        are then listed newest first, and the count is a floor ("more than 1,000")."""
        return self.backend == "postgresql" and self.count() > MAX_RANKED

    @property
    def counted(self):
        """The most matches that are counted: the number a count past it is "more than"."""
        return MAX_RANKED

    def __len__(self):
        return self.count()

    def __getitem__(self, window):
        if not isinstance(window, slice):
            # Read in slices only; a template's lookup (``search.query``) then finds the attribute.
            raise TypeError("a search is read in slices")
        if not self.alternatives:
            return []
        start, stop = window.start or 0, window.stop
        if self.backend == "words":
            ids = list(self.words_matches().values_list("pk", flat=True)[window])
        elif self.newest_first:
            ids = self.newest(start, stop)
        elif start == 0 and self.first_page is not None and stop <= len(self.first_page):
            ids = self.first_page[:stop]
        else:
            sql, params = self.matches_sql("e.id", ranked=True)
            sql += " LIMIT %s OFFSET %s"
            ids = [row[0] for row in self.fetch(sql, [*params, stop - start, start])]
        return self.with_excerpts(ids)

    # The backends.

    def fetch(self, sql, params):
        with connections[self.entries.db].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def matches_sql(self, columns, *, ranked=False):
        """SQL for the matching entries (PostgreSQL or FTS5), as (sql, params): the same entries
        as ``self.entries``, chosen by page (a few hundred ids) rather than by entry (a few
        hundred thousand), which would cost more than the search. Ranked on PostgreSQL: one
        more than ``MAX_RANKED`` of them at most, in no order (all of them when there are not
        more)."""
        pages, page_params = self.pages.query.sql_with_params()
        chosen = f"e.live_page_id IN ({pages})"
        chosen_params = [*page_params]
        if self.reporter is not None:
            chosen += (
                " AND (e.update_id IS NULL OR EXISTS (SELECT 1 FROM liveblogs_updateauthor a"
                " WHERE a.update_id = e.update_id AND a.reporter_id = %s))"
            )
            chosen_params.append(self.reporter.pk)
        if self.backend == "postgresql":
            queries, query_params = postgresql_queries(self.query)
            match, match_params = postgresql_match()
            rank, rank_params = postgresql_rank()
            where = f" FROM {queries}, liveblogs_searchentry e WHERE ({match}) AND {chosen}"
            params = [*query_params, *match_params, *chosen_params]
            if not ranked:
                return f"SELECT {columns}{where}", params
            # Ranked in a subquery (its LIMIT keeps it one), so what is sorted and counted is
            # (id, rank, time), not whole rows with their documents: half the time. The LIMIT
            # stops reading matches once there are more than are ranked.
            sql = (
                f"SELECT {columns.replace('e.id', 'm.id')} FROM (SELECT e.id, e.published_at,"
                f" {rank} AS rank{where} LIMIT {MAX_RANKED + 1}) m"
                " ORDER BY m.rank DESC, m.published_at DESC, m.id DESC"
            )
            return sql, [*rank_params, *params]
        if not self.narrowed and not ranked:
            # Counting on every public page: FTS5 alone answers, leaving out the few entries of
            # draft pages, rather than looking up every match's entry (a third of the time of a
            # common word). Ranking looks them up: equal ranks go newest first.
            sql = (
                f"SELECT {columns} FROM {FTS_TABLE}"
                f" WHERE {FTS_TABLE} MATCH %s AND rowid NOT IN (SELECT id FROM"
                " liveblogs_searchentry WHERE live_page_id IN"
                " (SELECT id FROM liveblogs_livepage WHERE status = %s))"
            )
            return sql, [fts5_query(self.alternatives), "draft"]
        sql = (
            f"SELECT {columns} FROM {FTS_TABLE} f JOIN liveblogs_searchentry e ON e.id = f.rowid"
            f" WHERE {FTS_TABLE} MATCH %s AND {chosen}"
        )
        if ranked:
            # bm25 is lower for better matches; the headline column weighs ten times the text.
            sql += f" ORDER BY bm25({FTS_TABLE}, 10.0, 1.0), e.published_at DESC, e.id DESC"
        return sql, [fts5_query(self.alternatives), *chosen_params]

    def newest(self, start, stop):
        """PostgreSQL, past ``MAX_RANKED`` matches: the ids of matches ``start`` to ``stop``,
        newest first. The GIN index cannot give matches in order, so the entries are read
        newest first through the index on their time (migration 0018), but only as far back
        as should hold ``stop`` matches were the matches spread evenly over time (more than
        ``MAX_RANKED`` among N entries: one in N / ``MAX_RANKED`` at least), with a margin: for
        a common word, a few hundred entries. Where that is not far enough (a word of an old
        story, or pages narrowed by filters), every match is read and sorted, as ranking does;
        reading newest first with no bound would walk the whole archive for an old story."""
        sql, params = self.matches_sql("e.id")
        order = " ORDER BY e.published_at DESC, e.id DESC LIMIT %s OFFSET %s"
        if stop * NEWEST_MARGIN < MAX_RANKED:  # else as far back as every entry
            # The time of the entry that far back among all entries (their number as the
            # planner last counted it); none that far back: every entry.
            since = (
                " AND e.published_at >= COALESCE((SELECT n.published_at FROM"
                " liveblogs_searchentry n ORDER BY n.published_at DESC, n.id DESC OFFSET"
                " (SELECT CEIL(GREATEST(c.reltuples, 0) * %s / %s)::bigint FROM pg_class c"
                " WHERE c.oid = 'liveblogs_searchentry'::regclass) LIMIT 1), '-infinity')"
            )
            wanted = [stop * NEWEST_MARGIN, MAX_RANKED, stop - start, start]
            rows = self.fetch(sql + since + order, [*params, *wanted])
            if len(rows) == stop - start:
                return [row[0] for row in rows]
        # Every match, sorted: in a subquery (OFFSET 0 keeps it one) so that the planner reads
        # the matches through the GIN index rather than walking the whole archive newest first.
        sql, params = self.matches_sql("e.id, e.published_at")
        sql = (
            f"SELECT m.id FROM ({sql} OFFSET 0) m"
            " ORDER BY m.published_at DESC, m.id DESC LIMIT %s OFFSET %s"
        )
        return [row[0] for row in self.fetch(sql, [*params, stop - start, start])]

    def words_matches(self):
        """Without FTS5: each word or phrase in the headline or the text, any case; more of them
        in the headline ranks higher."""
        wanted_anywhere = Q()
        in_title = []
        for terms in self.alternatives:
            all_of = Q()
            for term in terms:
                phrase = " ".join(term.words)
                found = Q(title__icontains=phrase) | Q(text__icontains=phrase)
                all_of &= ~found if term.left_out else found
                if not term.left_out:
                    in_title.append(When(title__icontains=phrase, then=Value(1)))
            wanted_anywhere |= all_of
        return (
            self.entries.filter(wanted_anywhere)
            .annotate(in_title=Case(*in_title, default=Value(0), output_field=IntegerField()))
            .order_by("-in_title", "-published_at", "-pk")
        )

    def with_excerpts(self, ids):
        """The entries, in this order, with the page each is on and its excerpt."""
        from django.db.models.expressions import RawSQL

        from .models import SearchEntry

        entries = SearchEntry.objects.filter(pk__in=ids).select_related("live_page")
        if self.backend == "postgresql":
            sql, params = postgresql_headline(self.query)
            entries = entries.annotate(marked_text=RawSQL(sql, params))
        elif self.backend == "fts5":
            entries = entries.annotate(marked_text=RawSQL(
                f"(SELECT snippet({FTS_TABLE}, 1, %s, %s, '…', {EXCERPT_WORDS}) FROM {FTS_TABLE}"
                f" WHERE {FTS_TABLE} MATCH %s AND rowid = liveblogs_searchentry.id)",
                [START, STOP, fts5_query(self.alternatives)],
            ))
        by_id = {entry.pk: entry for entry in entries}
        found = [by_id[pk] for pk in ids if pk in by_id]
        for entry in found:
            text = getattr(entry, "marked_text", None)
            if text is None:
                text = words_excerpt(entry.text, self.alternatives)
            entry.excerpt = marked(text)
            entry.matched_text = START in text
        return found


def postgresql_queries(query):
    """The reader's query parsed once per language, as FROM items (``q0.query``, …): written in
    the WHERE or the ORDER BY, ``websearch_to_tsquery`` would parse it again for every row."""
    items, params = [], []
    for n, language in enumerate(languages()):
        items.append(f"websearch_to_tsquery(%s::regconfig, %s) AS q{n}(query)")
        params += [config(language), query]
    return ", ".join(items), params


def postgresql_match():
    """The WHERE clause: in each language, that language's query. Any language's query first,
    as one condition the GIN index answers (an OR of languages alone it may not use); then
    each entry checked against its own language's."""
    clauses, params = [], []
    for n, language in enumerate(languages()):
        clauses.append(f"(e.language = %s AND e.document @@ q{n}.query)")
        params.append(language)
    any_language = " || ".join(f"q{n}.query" for n in range(len(clauses)))
    return f"e.document @@ ({any_language}) AND ({' OR '.join(clauses)})", params


def postgresql_rank():
    whens, params = [], []
    for n, language in enumerate(languages()):
        whens.append(f"WHEN %s THEN ts_rank(e.document, q{n}.query)")
        params.append(language)
    return f"(CASE e.language {' '.join(whens)} ELSE 0 END)", params


def postgresql_headline(query):
    whens, params = [], []
    # One stretch of text around the best match: fragments lose the words between matches.
    options = f"StartSel={START}, StopSel={STOP}, MaxWords={EXCERPT_WORDS}, MinWords=12"
    for language in languages():
        whens.append(
            "WHEN %s THEN ts_headline(%s::regconfig, liveblogs_searchentry.text,"
            " websearch_to_tsquery(%s::regconfig, %s), %s)"
        )
        params += [language, config(language), config(language), query, options]
    return f"(CASE liveblogs_searchentry.language {' '.join(whens)} END)", params


def words_excerpt(text, alternatives):
    """Where FTS5 is missing: the text around the first word found, the words found marked."""
    phrases = sorted(
        {" ".join(t.words) for terms in alternatives for t in terms if not t.left_out},
        key=len, reverse=True,
    )
    pattern = re.compile("|".join(re.escape(p) for p in phrases), re.IGNORECASE)
    first = pattern.search(text)
    start = 0
    if first:
        start = max(0, first.start() - 60)
        # Begin at a word.
        space = text.rfind(" ", 0, start)
        start = space + 1 if start and space != -1 else start
    window = Truncator(text[start:]).words(EXCERPT_WORDS, truncate="…")
    window = ("…" if start else "") + window
    return pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", window)
