"""Searching the archive: the functions the pages, the commands, the exports and the benchmarks call."""

from collections import namedtuple
from dataclasses import dataclass, field
from datetime import date

from django.db.models.functions import Substr
from haystack.query import SearchQuerySet

from articles.models import Article, Source, Story
from articles.search.backend import ArabicQuery
from articles.search.collapse import load_places, places, story_members
from articles.search.highlight import SNIPPET_LENGTH, HighlightTerms
from articles.search.histogram import group_days
from articles.search.query import parse_query

SORTS = {
    "relevance": None,
    "newest": "-date",
    "oldest": "date",
}


@dataclass(frozen=True)
class SearchFilters:
    sources: tuple = ()  # source names; any of them
    categories: tuple = ()  # any of them
    date_from: date = None
    date_to: date = None

    def __bool__(self):
        return bool(self.sources or self.categories or self.date_from or self.date_to)

    def as_json(self):
        return {
            "sources": list(self.sources),
            "categories": list(self.categories),
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }

    @classmethod
    def from_json(cls, data):
        return cls(
            sources=tuple(data.get("sources") or ()),
            categories=tuple(data.get("categories") or ()),
            date_from=date.fromisoformat(data["date_from"]) if data.get("date_from") else None,
            date_to=date.fromisoformat(data["date_to"]) if data.get("date_to") else None,
        )


@dataclass
class SearchOutcome:
    text: str
    results: list = field(default_factory=list)  # haystack SearchResults, .object loaded
    total: int = 0
    fallback: bool = False  # no article had every word; these have some
    problems: list = field(default_factory=list)
    offset: int = 0
    facets: dict = field(default_factory=dict)  # {"source": [(name, count)], "category": [...]}
    histogram: tuple = ("day", [])  # (day, week, month or year, [(first day, last day, count)])
    suggestion: str = ""  # "did you mean", in words as the archive writes them
    versions: dict = field(default_factory=dict)  # {story id: number of articles}
    collapsed: bool = False  # one place per story (results are StoryPlaces)
    places: int = 0  # how many places the results fill: stories and lone articles (``total`` when not collapsed)
    # How many of ``total`` have a query word as written (with its clitics and
    # plurals); the rest matched only through a related form, another
    # spelling or a near word (``expansions`` says which were searched).
    total_as_written: int = 0
    facets_as_written: dict = field(default_factory=dict)  # {"source": {name: count}, ...}
    expansions: dict = field(default_factory=dict)  # {word: expansion.WordExpansion}

    @property
    def total_related_only(self):
        return self.total - self.total_as_written

    @property
    def spellings_searched(self):
        """[(word, [other spellings])] the search added."""
        return [(e.word, e.spellings) for e in self.expansions.values() if e.spellings]

    @property
    def near_words_searched(self):
        """[(word, [near stems])] for words the archive has in no form."""
        return [(e.word, e.near) for e in self.expansions.values() if e.near]


def _search_queryset(parsed, sort, filters, browse=False):
    """The haystack query for a parsed search; None when there is nothing to search for (unless ``browse``)."""
    filters = filters or SearchFilters()
    if parsed.is_empty and not filters and not browse:
        return None
    sqs = SearchQuerySet().models(Article)
    sqs.query.archive_search = True  # ranked by ranking.py; see backend.ArabicSearchQuery
    if not parsed.is_empty:
        sqs = sqs.filter(content=ArabicQuery(parsed.text))
    elif sort == "relevance":
        sort = "newest"  # browsing by filters alone: there is no relevance
    if filters.sources:
        sqs = sqs.filter(source__in=list(filters.sources))
    if filters.categories:
        sqs = sqs.filter(category__in=list(filters.categories))
    if filters.date_from:
        sqs = sqs.filter(date__gte=filters.date_from)
    if filters.date_to:
        sqs = sqs.filter(date__lte=filters.date_to)
    if SORTS.get(sort):
        sqs = sqs.order_by(SORTS[sort])
    return sqs


FACET_FIELDS = ("source", "category")


def narrowed_note(typed):
    """What the page says of a prefix that stands for more words than are searched (expansion.py)."""
    from articles.search.prefixes import MAX_PREFIX_TERMS

    return (f"«{typed}»: كلمات كثيرة تبدأ بهذا، فبُحث بأكثرها شيوعًا ({MAX_PREFIX_TERMS}) فقط؛ "
            "أضف حرفًا أو أكثر لنتائج أدق")


def search_articles(text, offset=0, limit=20, sort="relevance", highlight=True, filters=None, facets=False,
                    collapse=False, browse=False):
    """Ranked articles for what the user typed, narrowed by ``filters``.

    With ``collapse``, a story's versions share one place (see collapse.py):
    ``offset`` and ``limit`` count places, ``places`` says how many there are,
    and ``total`` still counts articles. With ``browse``, an empty search
    lists the whole archive, newest first (the front page).

    With ``facets``, also the counts by source and category, the histogram by
    date, a spelling suggestion when results are few, and how many versions
    each result's story has. An empty query without filters returns nothing
    (the page shows its help instead).
    """
    parsed = parse_query(text)
    outcome = SearchOutcome(text=parsed.text, problems=parsed.problems, offset=offset)
    sqs = _search_queryset(parsed, sort, filters, browse)
    if sqs is None:
        return outcome
    if highlight:
        sqs = sqs.highlight()
    if facets:
        for name in FACET_FIELDS:
            sqs = sqs.facet(name)
        sqs = sqs.date_facet("date", start_date=date.min, end_date=date.max, gap_by="day")
    if collapse:
        list(sqs[0:1])  # runs the search once for the total, the fallback and the facets
        query = sqs.query
        members = story_members()
        # Only the first hits need to be in order to fill the page's places
        # (a story's versions share one); every hit when they do not.
        ordered = PLACES_ORDERED_HITS_PER_PLACE * (offset + limit) + PLACES_ORDERED_HITS_MIN
        found = places(query.backend.all_hits(query.build_query(), sort_by=query.order_by or None, ordered=ordered),
                       *members, offset=offset, limit=limit, ordered=ordered)
        if found is None:
            hits = query.backend.all_hits(query.build_query(), sort_by=query.order_by or None)
            found = places(hits, *members, offset=offset, limit=limit)
        page, outcome.places = found
        outcome.results = load_places(page, highlight_terms(parsed), highlight)
        outcome.collapsed = True
    else:
        outcome.results = list(sqs[offset:offset + limit])
    outcome.total = sqs.count()
    outcome.places = outcome.places or outcome.total
    outcome.fallback = sqs.query.fallback
    # Engines without query expansion count every match as written.
    outcome.total_as_written = min(outcome.total, getattr(sqs.query, "hits_as_written", outcome.total))
    outcome.facets_as_written = getattr(sqs.query, "facets_as_written", {})
    outcome.expansions = getattr(sqs.query, "expansions", {})
    outcome.problems = outcome.problems + [narrowed_note(typed) for typed in getattr(sqs.query, "narrowed", ())]
    if facets:
        counts = sqs.query._facet_counts or {}
        outcome.facets = {name: counts.get("fields", {}).get(name, []) for name in FACET_FIELDS}
        outcome.histogram = group_days(counts.get("dates", {}).get("date", ("day", []))[1])
        outcome.versions = story_sizes(r.object for r in outcome.results)
        # A word found only through other spellings or near words may be a typo:
        # the suggestion (for rare words only) says how the archive writes it.
        widened = any(expansion.near or expansion.spellings for expansion in outcome.expansions.values())
        if not parsed.is_empty and (outcome.total < SUGGEST_BELOW or outcome.fallback or widened):
            outcome.suggestion = suggest(parsed)
    return outcome


SUGGEST_BELOW = 5
# A page of stories puts this many hits per place in order, and this many
# more, before it needs them all (a story of many versions uses several).
PLACES_ORDERED_HITS_PER_PLACE = 10
PLACES_ORDERED_HITS_MIN = 500
# What a new server process searches for before it serves anyone.
WARM_UP_QUERY = "السعودية"


def warm_up():
    """Load the views, the fold table and the index and its statistics, so a new process's first
    search and first export are not slow.

    A server calls this as it starts (newsarchive/wsgi.py). An archive that
    cannot be searched yet (no database or index) is left for the first
    request to report.
    """
    import logging

    from django.urls import get_resolver

    from articles.text import folded_forms

    get_resolver().url_patterns
    folded_forms()  # how every character folds, which an export's snippets read (a third of a second)
    try:
        search_articles(WARM_UP_QUERY, limit=1, facets=True, collapse=True)
    except Exception:  # noqa: BLE001 - the first real request shows what is wrong
        logging.getLogger(__name__).warning("Could not warm up the search", exc_info=True)


def story_sizes(articles):
    """{story id: how many articles it has} for the stories of ``articles``."""
    from django.db.models import Count

    story_ids = {article.story_id for article in articles if article.story_id}
    if not story_ids:
        return {}
    rows = Article.objects.filter(story_id__in=story_ids).values("story_id").annotate(n=Count("pk"))
    return {row["story_id"]: row["n"] for row in rows}


def suggest(parsed):
    """The query with each unknown or rare word replaced by a close word of the archive, or ""."""
    from articles.search.suggestions import suggest_query

    return suggest_query(parsed)


# What an export row reads of an article (see exporting.article_row), built
# from plain database rows: a model instance per row would cost more than
# writing the row.
ExportArticle = namedtuple(
    "ExportArticle",
    "pk external_id title body source original_source date date_precision category author url story_id is_story_lead",
)
EXPORT_COLUMNS = ("pk", "external_id", "title", "body", "source_id", "original_source_id", "date", "date_precision",
                  "category", "author", "url", "story_id")


@dataclass
class SearchStream:
    """Every result of a search, for exports: ``total`` first, then ``rows`` in chunks."""

    total: int
    terms: HighlightTerms
    scored: bool  # ranked by relevance, so scores and ranks mean something
    rows: object  # iterator of (rank, score, ExportArticle)
    hits: list = field(default_factory=list)  # (pk, score) of every result, in page order
    reader: object = None  # an ExportReader for any slice of ``hits``


class ExportReader:
    """Reads the export rows of a slice of a search's hits, a thousand articles a query.

    Picklable (only what it reads travels): an export's worker processes
    (``exporting.py``) each read their own slices with their own connection.
    The outlets and story leads are read once per process.
    """

    def __init__(self, opening_only=False):
        # Without the text column and without query words the snippet is the
        # body's opening: read no more of it.
        self.opening_only = opening_only
        self._sources = self._leads = None

    def __getstate__(self):
        return {"opening_only": self.opening_only}

    def __setstate__(self, state):
        self.__init__(**state)

    def prime(self):
        """Read the outlets and the story leads, if not yet read."""
        if self._sources is None:
            self._sources = Source.objects.in_bulk()
            self._leads = set(Story.objects.exclude(lead=None).values_list("lead_id", flat=True))

    def rows(self, hits, start=0, chunk_size=1000):
        """(position, score, ExportArticle) for ``hits`` (the results from position ``start + 1``),
        skipping articles removed since the search."""
        self.prime()
        sources, leads = self._sources, self._leads
        columns = list(EXPORT_COLUMNS)
        rows_query = Article.objects.order_by()
        if self.opening_only:
            rows_query = rows_query.annotate(opening=Substr("body", 1, SNIPPET_LENGTH * 2))
            columns[columns.index("body")] = "opening"
        for offset in range(0, len(hits), chunk_size):
            chunk = hits[offset:offset + chunk_size]
            found = {row[0]: row for row in rows_query.filter(pk__in=[pk for pk, _ in chunk]).values_list(*columns)}
            for position, (pk, score) in enumerate(chunk, start=start + offset + 1):
                if pk not in found:
                    continue
                (_, external_id, title, body, source_id, original_id, day, precision, category, author, url,
                 story_id) = found[pk]
                yield position, score, ExportArticle(
                    pk, external_id, title, body, sources.get(source_id), sources.get(original_id), day, precision,
                    category, author, url, story_id, pk in leads,
                )


def iter_search(text, sort="relevance", filters=None, chunk_size=1000, include_text=True):
    """All results of a search in page order, the articles read a chunk at a time.

    The search runs once and keeps only (pk, score) per result; articles are
    loaded a thousand at a time while the rows are written, so memory stays
    flat however many rows an export has. Without ``include_text`` and
    without query words, an article's snippet is its opening, so only that
    much of the body is read.
    """
    parsed = parse_query(text)
    sqs = _search_queryset(parsed, sort, filters)
    if sqs is None:
        return SearchStream(0, HighlightTerms(), False, iter(()))
    query = sqs.query
    hits = query.backend.all_hits(query.build_query(), sort_by=query.order_by or None)
    reader = ExportReader(opening_only=not include_text and parsed.is_empty)
    scored = not parsed.is_empty and sort == "relevance"
    return SearchStream(len(hits), highlight_terms(parsed), scored, reader.rows(hits, chunk_size=chunk_size),
                        hits=hits, reader=reader)


def highlight_terms(parsed):
    """What to mark for a parsed query, with the related forms and spellings its search adds."""
    from haystack import connections

    from articles.search.expansion import expand_query

    backend = connections["default"].get_backend()
    if parsed.is_empty or not hasattr(backend, "stats"):
        return HighlightTerms.from_query(parsed)
    return HighlightTerms.from_query(parsed, expand_query(backend.stats(), backend.content_field_name, parsed))
