"""The haystack engine: Whoosh with Arabic analysis, fast, and honest about ranking.

What it changes from haystack's Whoosh backend, and why:
- Every text field gets the Arabic analysis (``analysis.py``) and a stem
  companion field; haystack would fall back to an English stemmer.
- Text is not stored in the index (the database is the source of truth) and
  no spelling word graph is built: both cost indexing time and disk.
- One searcher per thread is kept open and refreshed only when the index has
  changed; memory-mapping is off, since Whoosh copies mapped files whenever a
  reader opens.
- Writes wait for Whoosh's single write lock instead of failing, and batches
  commit without merging every segment.
- The archive's own searches (``service.py`` marks them ``archive_search``)
  arrive as a ``SearchPlan`` of Whoosh query objects built from haystack's
  filter tree, not as strings to re-parse; the user's words go through
  ``query.py``. Relevance ranking puts articles with all the query's words
  first in short searches, then those with some (``fallback`` says when there were none with
  all). Anything else in that tree it cannot honour raises
  ``SearchBackendError`` rather than change what the query means.
- Every other ``SearchQuerySet`` is haystack's: its query string, parsed by
  Whoosh's parser through the same Arabic analysis, searched by haystack's
  Whoosh code. haystack's own Whoosh test suite runs against this engine
  (``tests/test_haystack_suite.py``).
- Highlighting is done on the original text from the database
  (``highlight.py``); haystack's uses a hard-coded English analyzer.
"""

import ctypes
import dataclasses
import gc
import os
import pickle
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
from django.utils.encoding import force_str
from haystack.backends import BaseEngine, log_query
from haystack.backends.whoosh_backend import WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SearchBackendError, SkipDocument
from haystack.fields import FacetField
from haystack.inputs import BaseInput
from haystack.models import SearchResult
from haystack.utils import get_identifier
from whoosh import query as wq
from whoosh.fields import BOOLEAN, DATETIME, ID as WHOOSH_ID, IDLIST, KEYWORD, NGRAM, NGRAMWORDS, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import MERGE_SMALL, SegmentWriter
from whoosh.qparser import FuzzyTermPlugin, MultifieldParser

from articles.search.analysis import PK_COLUMN, STEM_SUFFIX, ArabicStemField, ArabicTextField, pk_column_field
from articles.search.docsets import query_docs
from articles.search.codec import ArchiveCodec
from articles.search.expansion import expand_query
from articles.search.prefixes import bind_prefixes
from articles.search.highlight import HighlightTerms, snippet
from articles.search.merging import bounded_merge, optimise
from articles.search.pool import GroupedSegmentWriter, add_document as add_grouped_document, use_grouped_pool
from articles.search.query import clause_query, content_groups, parse_query
from articles.search.ranking import Hits, SearcherStats, rank

# How long a writer waits for another writer (an import, an admin save) to
# finish before giving up (settings.SEARCH_WRITE_LOCK_TIMEOUT). Whoosh allows
# one writer per index.
WRITE_LOCK_TIMEOUT = 1800.0
# Per writer process; past it Whoosh sorts postings through temporary files.
# Each writer process's peak memory is about this plus the Python process
# itself: keep it well under what the machine gives one process.
WRITER_MEMORY_MB = int(os.environ.get("WHOOSH_WRITER_MEMORY_MB") or 256)
WRITER_PROCESSES = min(2, os.cpu_count() or 1)
# Whoosh's format written without zlib's set-up cost per block and per document (codec.py).
WRITER_CODEC = ArchiveCodec()
PARALLEL_WRITE_MIN_DOCUMENTS = 500

_ram_storage = threading.local()


@dataclass
class SearchPlan:
    """What ``ArabicSearchQuery.build_query`` hands the backend."""

    parsed: object = None  # query.ParsedQuery, None for "everything"
    filter: object = None  # a Whoosh query over keyword/date fields, or None
    # The plain filters on one field each (the source filter, the category
    # filter …): a field's facet counts leave its own filter out, so people
    # can see what choosing another value would add.
    field_filters: dict = field(default_factory=dict)

    def __str__(self):
        parts = [f"text:({self.parsed.text})"] if self.parsed is not None else []
        if self.filter is not None:
            parts.append(str(self.filter))
        return " AND ".join(parts) or "*"


@dataclass
class Match:
    hits: list  # (docnum, score) in page order
    matched: np.ndarray  # every match, filters applied
    query_matched: np.ndarray  # every match of the words alone
    field_masks: dict  # filter masks by field
    other_mask: object  # the filters on no single field, or None
    fallback: bool
    as_written: np.ndarray = None  # matches with a query word as written (filters applied)
    written_query: np.ndarray = None  # the same before filters
    expansions: dict = field(default_factory=dict)  # {word: expansion.WordExpansion}
    narrowed: list = field(default_factory=list)  # prefixes searched for their most frequent words only

    def without(self, name):
        """The matches with every filter but ``name``'s: a field's facet counts ignore its own filter."""
        masks = [mask for other, mask in self.field_masks.items() if other != name] + [self.other_mask]
        narrowed = _all_of(masks)
        return self.query_matched & narrowed if narrowed is not None else self.query_matched

    def written_without(self, name):
        """``without(name)`` limited to the articles with a query word as written."""
        matched = self.without(name)
        return matched & self.written_query if self.written_query is not None else matched


def _and_parts(query):
    if query is None:
        return []
    return list(query.subqueries) if isinstance(query, wq.And) else [query]


def _all_of(masks):
    """The AND of boolean masks (None entries ignored); None when there are none."""
    masks = [mask for mask in masks if mask is not None]
    if not masks:
        return None
    result = masks[0].copy()
    for mask in masks[1:]:
        result &= mask
    return result


class ExclusiveDATETIME(DATETIME):
    """Whoosh's DATETIME, whose parsed ranges keep ``{`` and ``}`` (exclusive ends).

    Whoosh 2.7.4 drops them, so haystack's ``__lt``/``__gt`` on a datetime
    would include the moment itself.
    """

    def parse_range(self, fieldname, start, end, startexcl, endexcl, boost=1.0):
        from whoosh.util.times import datetime_to_long

        if start is None and end is None:
            return wq.Every(fieldname, boost=boost)
        # An inclusive range covers the whole of a partial date (2025 is the
        # year); an exclusive end stops before its first moment, an exclusive
        # start after its last.
        if start is not None:
            moment = self._parse_datestring(start)
            start = datetime_to_long(moment.ceil() if startexcl else moment.floor())
        if end is not None:
            moment = self._parse_datestring(end)
            end = datetime_to_long(moment.floor() if endexcl else moment.ceil())
        return wq.NumericRange(fieldname, start, end, startexcl, endexcl, boost=boost)


def whoosh_schema(fields, include_spelling=False):
    """(content field name, Whoosh ``Schema``) for haystack's fields: the Whoosh index's, and the one
    every engine parses haystack's query strings with (``query_parser``)."""
    schema_fields = {
        ID: WHOOSH_ID(stored=True, unique=True),
        DJANGO_CT: WHOOSH_ID(stored=True),
        DJANGO_ID: WHOOSH_ID(stored=True),
        PK_COLUMN: pk_column_field(),
    }
    content_field_name = ""
    for field_class in fields.values():
        name = field_class.index_fieldname
        stored, boost = field_class.stored, field_class.boost
        if field_class.is_multivalued:
            if field_class.indexed:
                schema_fields[name] = KEYWORD(stored=True, commas=True, scorable=True, field_boost=boost)
            else:
                schema_fields[name] = IDLIST(stored=True, field_boost=boost)
        elif field_class.field_type in ("date", "datetime"):
            schema_fields[name] = ExclusiveDATETIME(stored=stored, sortable=True)
        elif field_class.field_type == "integer":
            schema_fields[name] = NUMERIC(stored=stored, numtype=int, sortable=True, field_boost=boost)
        elif field_class.field_type == "float":
            # Not sortable: Whoosh 2.7.4's float column defaults to NaN,
            # which makes every write fail. Sorting still works, slower.
            schema_fields[name] = NUMERIC(stored=stored, numtype=float, field_boost=boost)
        elif field_class.field_type == "boolean":
            schema_fields[name] = BOOLEAN(stored=stored)
        elif field_class.field_type == "ngram":
            schema_fields[name] = NGRAM(minsize=3, maxsize=15, stored=stored, field_boost=boost)
        elif field_class.field_type == "edge_ngram":
            schema_fields[name] = NGRAMWORDS(minsize=2, maxsize=15, at="start", stored=stored, field_boost=boost)
        elif field_class.analyzer is not None:
            # A field that names its own Whoosh analyzer gets it, as in haystack.
            schema_fields[name] = TEXT(
                stored=True, analyzer=field_class.analyzer, field_boost=boost, sortable=True
            )
        elif isinstance(field_class, FacetField) or not field_class.indexed:
            # Whole values (a source name, a category) for filters and facets.
            schema_fields[name] = WHOOSH_ID(stored=stored, sortable=True)
        else:
            # Whole documents are not sorted by; other text fields may be.
            schema_fields[name] = ArabicTextField(
                stored=stored, field_boost=boost, sortable=not field_class.document
            )
            schema_fields[name + STEM_SUFFIX] = ArabicStemField(stored=False, field_boost=boost)
        if field_class.document:
            content_field_name = name
            # haystack's INCLUDE_SPELLING: Whoosh's spelling word graph.
            schema_fields[name].spelling = include_spelling
    if len(schema_fields) <= 4:
        raise SearchBackendError("No fields were found in any search_indexes.")
    return content_field_name, Schema(**schema_fields)


def query_parser(schema, content_field_name):
    """Whoosh's parser for haystack's query strings, on every engine (the cluster translates
    what it parses). The search box's text goes through query.py instead.

    Words are looked for in their normalised form and as light stems, as the
    search box's words are (query.py).
    """
    fieldnames = [content_field_name, content_field_name + STEM_SUFFIX]
    parser = MultifieldParser([name for name in fieldnames if name in schema], schema)
    parser.add_plugins([FuzzyTermPlugin])
    return parser


class ArabicWhooshSearchBackend(WhooshSearchBackend):
    def setup(self):
        from haystack import connections

        if self.use_file_storage:
            os.makedirs(self.path, exist_ok=True)
            if not os.access(self.path, os.W_OK):
                raise IOError(f"The Whoosh index folder {self.path!r} is not writable.")
            self.storage = FileStorage(self.path, supports_mmap=False)
        else:
            if getattr(_ram_storage, "storage", None) is None:
                _ram_storage.storage = RamStorage()
            self.storage = _ram_storage.storage

        fields = connections[self.connection_alias].get_unified_index().all_searchfields()
        self.content_field_name, self.schema = self.build_schema(fields)
        self.parser = query_parser(self.schema, self.content_field_name)
        if self.storage.index_exists():
            self.index = self.storage.open_index(schema=self.schema)
        else:
            self.index = self.storage.create_index(self.schema)
        self._local = threading.local()
        self.setup_complete = True

    def build_schema(self, fields):
        return whoosh_schema(fields, self.include_spelling)

    # Writing -------------------------------------------------------------

    def _writer(self, parallel=False):
        from django.conf import settings

        timeout = float(getattr(settings, "SEARCH_WRITE_LOCK_TIMEOUT", WRITE_LOCK_TIMEOUT))
        options = {"timeout": timeout, "delay": 0.05, "limitmb": WRITER_MEMORY_MB, "codec": WRITER_CODEC}
        self._add_pk_column(options)
        if parallel and WRITER_PROCESSES > 1:
            # Large writes are analysed and written by one process per core,
            # each making its own segment.
            return OrphanSafeMpWriter(self.index, procs=WRITER_PROCESSES, multisegment=True, **options)
        return GroupedSegmentWriter(self.index, **options)

    def _add_pk_column(self, options):
        """Give an index made before the pk column that column (for documents written from now on).

        Committed on its own before the real writer opens: the writer's
        processes read the index's field list as they start.
        """
        stored = self.storage.open_index()  # the field list as the index stores it
        if PK_COLUMN in stored.schema:
            return
        writer = SegmentWriter(stored, **options)
        try:
            writer.add_field(PK_COLUMN, pk_column_field())
        except Exception:
            writer.cancel()
            raise
        writer.commit(merge=False)

    def prepare_documents(self, index, objects, failures=None):
        return prepare_each(index, objects, self._document, failures)

    def _document(self, obj, prepared):
        doc = {}
        for key, value in prepared.items():
            value = self._from_python(value)
            if isinstance(self.schema[key] if key in self.schema else None, WHOOSH_ID) and not isinstance(value, str):
                value = force_str(value)  # an integer on an ID field (a pk)
            doc[key] = value
        doc[PK_COLUMN] = int(obj.pk) if str(obj.pk).isdigit() else -1
        # The stem companion indexes the same text (analysis.py caches it).
        for key in list(doc):
            if key + STEM_SUFFIX in self.schema:
                doc[key + STEM_SUFFIX] = doc[key]
        return doc

    def write_session(self, parallel=False):
        if not self.setup_complete:
            self.setup()
        return WhooshWriteSession(self, self._writer(parallel))

    def update(self, index, iterable, commit=True):
        if not self.setup_complete:
            self.setup()
        # Prepare everything before taking the lock, so other writers wait
        # only for the Whoosh work itself.
        documents = self.prepare_documents(index, iterable)
        if not documents:
            return
        with self.write_session(parallel=len(documents) >= PARALLEL_WRITE_MIN_DOCUMENTS) as session:
            session.add(documents)

    def remove(self, obj_or_string, commit=True):
        self.remove_identifiers([get_identifier(obj_or_string)])

    def remove_identifiers(self, identifiers):
        if not self.setup_complete:
            self.setup()
        writer = self._writer()
        try:
            for identifier in identifiers:
                writer.delete_by_term(ID, identifier)
        except Exception:
            writer.cancel()
            raise
        writer.commit(mergetype=bounded_merge)

    def clear(self, models=None, commit=True):
        if not self.setup_complete:
            self.setup()
        if models is None:
            self.delete_index()
            return
        from haystack.utils import get_model_ct

        writer = self._writer()
        for model in models:
            writer.delete_by_term(DJANGO_CT, get_model_ct(model))
        writer.commit()

    def delete_index(self):
        # Empty the existing storage rather than deleting the folder: other
        # processes may hold it open.
        self.storage.create_index(self.schema)
        self.index = self.storage.open_index(schema=self.schema)
        self._local = threading.local()

    def optimize(self, max_documents=None, on_stage=None):
        """Merge the index's segments (in steps of ``max_documents``); see merging.py."""
        if not self.setup_complete:
            self.setup()
        optimise(self.index, max_documents=max_documents, on_stage=on_stage, timeout=WRITE_LOCK_TIMEOUT,
                 codec=WRITER_CODEC)
        self.index = self.storage.open_index(schema=self.schema)

    # Reading -------------------------------------------------------------

    def searcher(self):
        """This thread's open searcher, reopened only if the index changed."""
        if not self.setup_complete:
            self.setup()
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            self.index = self.storage.open_index(schema=self.schema)
            searcher = self.index.searcher()
        elif not searcher.up_to_date():
            searcher = searcher.refresh()
        self._local.searcher = searcher
        return searcher

    def stats(self):
        """Ranking statistics for this thread's current searcher."""
        searcher = self.searcher()
        stats = getattr(self._local, "stats", None)
        if stats is None or stats.searcher is not searcher:
            stats = self._local.stats = SearcherStats(searcher)
        return stats

    def search(self, query_string, sort_by=None, start_offset=0, end_offset=None, highlight=False,
               facets=None, date_facets=None, result_class=None, **kwargs):
        if not isinstance(query_string, SearchPlan):
            return super().search(
                query_string, sort_by=sort_by, start_offset=start_offset, end_offset=end_offset,
                highlight=highlight, facets=facets, date_facets=date_facets, result_class=result_class, **kwargs
            )
        return self._search_plan(query_string, sort_by, start_offset, end_offset, highlight, facets, date_facets,
                                 result_class, **kwargs)

    @log_query
    def _search_plan(self, plan, sort_by, start_offset, end_offset, highlight, facets, date_facets, result_class,
                     **kwargs):
        for unsupported in ("narrow_queries", "query_facets", "within", "dwithin", "distance_point"):
            if kwargs.get(unsupported):
                raise SearchBackendError(f"The archive's search does not take {unsupported}.")
        start_offset = start_offset or 0
        end_offset = end_offset if end_offset is not None else start_offset + 20
        end_offset = max(end_offset, start_offset + 1)
        if plan.parsed is not None and plan.parsed.is_empty:
            return {"results": [], "hits": 0, "facets": {}, "fallback": False, "spelling_suggestion": None}
        stats = self.stats()
        match = self._match(stats, plan, sort_by, end_offset)
        page = match.hits[start_offset:end_offset]
        terms = (HighlightTerms.from_query(plan.parsed, match.expansions) if plan.parsed is not None
                 else HighlightTerms())
        written = match.as_written if match.as_written is not None else match.matched
        return {
            "results": self._results(stats.searcher, page, result_class, highlight, terms),
            "hits": int(match.matched.sum()),
            "facets": {
                "fields": {name: stats.value_counts(name, match.without(name)) for name in facets or ()},
                "dates": {name: stats.date_histogram(name, match.without(name)) for name in date_facets or ()},
                "queries": {},
            },
            "fallback": match.fallback,
            "narrowed": match.narrowed,
            "spelling_suggestion": None,
            "hits_as_written": int((written & match.matched).sum()),
            "facets_as_written": {name: dict(stats.value_counts(name, match.written_without(name)))
                                  for name in facets or ()},
            "expansions": match.expansions,
        }

    def all_hits(self, plan, sort_by=None, ordered=None):
        """Every match of ``plan`` in page order, as (database pk, score): for exports and pages of stories.

        With ``ordered``, a search by relevance puts only the first
        ``ordered`` in order (``Ranking.best_then_rest``). No article is
        loaded here; the caller reads them a chunk at a time.
        """
        if plan.parsed is not None and plan.parsed.is_empty:
            return []
        stats = self.stats()
        ranked = plan.parsed is not None and not sort_by
        limit = ordered if ranked and ordered is not None and ordered < stats.size else stats.size
        match = self._match(stats, plan, sort_by, limit, then_rest=limit < stats.size)
        hits = Hits.of(match.hits)
        return Hits(stats.pks_for(hits.ids), hits.scores)

    def _match(self, stats, plan, sort_by, limit, then_rest=False):
        """The ranked (or sorted) first ``limit`` hits and the masks facets need; with ``then_rest``
        (ranked searches), every other match after them, in no particular order.

        The last words search of this thread is kept: a page of stories asks
        for the first hit with the counts, then for every hit (``all_hits``),
        and the second call takes its hits from the first's scores.
        """
        sortedby, reverse = self._sort(sort_by)
        key = (str(plan), tuple(sort_by or ()))
        last = getattr(self._local, "last_match", None)
        if last is not None and last[0] is stats and last[1] == key:
            match, ranking = last[2], last[3]
        else:
            # With ``then_rest`` (ranked, never sorted) the hits are chosen below, once.
            match, ranking = self._new_match(stats, plan, sortedby, reverse, 0 if then_rest else limit)
            self._local.last_match = (stats, key, match, ranking) if ranking is not None else None
            if not then_rest:
                return match
        if sortedby:
            hits = self._sorted(stats.searcher, match.matched, limit, sortedby, reverse)
        else:
            hits = ranking.best_then_rest(limit) if then_rest else ranking.best(limit)
        return dataclasses.replace(match, hits=hits)

    def _new_match(self, stats, plan, sortedby, reverse, limit):
        field_masks = {name: stats.filter_mask(q) for name, q in plan.field_filters.items()}
        other_filters = [q for q in _and_parts(plan.filter) if q not in plan.field_filters.values()]
        other_mask = stats.filter_mask(wq.And(other_filters)) if other_filters else None
        allowed = _all_of(list(field_masks.values()) + [other_mask])
        fallback = False
        as_written = written_query = ranking = None
        expansions = {}
        narrowed = []
        if plan.parsed is None:
            query_matched = stats.live
            matched = query_matched & allowed if allowed is not None else query_matched
            hits = self._sorted(stats.searcher, matched, limit, sortedby, reverse)
        else:
            parsed, narrowed = bind_prefixes(stats, self.content_field_name, plan.parsed)
            excluded = None
            if parsed.excluded:
                docs = set()
                for clause in parsed.excluded:
                    docs |= query_docs(stats.searcher, clause_query(self.content_field_name, clause))
                excluded = stats.mask(docs)
            groups = content_groups(parsed)
            expansions = expand_query(stats, self.content_field_name, parsed)
            ranking = rank(
                stats,
                groups,
                limit=0 if sortedby else limit,
                allowed=allowed,
                fieldname=self.content_field_name,
                excluded=excluded,
                expansions=expansions,
                texts=lambda docnums: self._indexed_texts(stats.searcher, docnums),
            )
            as_written = ranking.as_written
            written_query = ranking.written_query
            query_matched, matched = ranking.query_matched, ranking.matched
            hits = self._sorted(stats.searcher, matched, limit, sortedby, reverse) if sortedby else ranking.hits
            fallback = ranking.complete == 0 and ranking.total > 0 and len(plan.parsed.groups) > 1
        return Match(hits, matched, query_matched, field_masks, other_mask, fallback, as_written, written_query,
                     expansions, narrowed), ranking

    def _sort(self, sort_by):
        if not sort_by:
            return None, False
        directions = {name.startswith("-") for name in sort_by}
        if len(directions) > 1:
            raise SearchBackendError("Whoosh requires all order_by fields to use the same sort direction")
        return [name.lstrip("-") for name in sort_by], directions.pop()

    def _sorted(self, searcher, matched, limit, sortedby, reverse):
        """(docnum, 0) of the first ``limit`` matched documents in field order (or index order)."""
        docnums = np.flatnonzero(matched)
        stats = self.stats()
        if sortedby and len(sortedby) == 1 and sortedby[0] in self.schema and isinstance(self.schema[sortedby[0]], DATETIME):
            return Hits(stats.date_order(sortedby[0], docnums, newest_first=reverse)[:limit])
        if not len(docnums):
            return []
        raw = searcher.search(wq.Every(), limit=limit, filter=set(docnums.tolist()), sortedby=sortedby, reverse=reverse)
        return [(raw.docnum(i), 0.0) for i in range(raw.scored_length())]

    def _indexed_texts(self, searcher, docnums):
        """The text each of ``docnums`` was indexed with, read from the database."""
        keys = []
        for docnum in np.asarray(docnums).tolist():
            stored = searcher.stored_fields(docnum)
            keys.append((stored.get(DJANGO_CT), stored.get(DJANGO_ID)))
        return indexed_texts(self.connection_alias, keys)

    def _results(self, searcher, page, result_class, highlight, terms):
        result_class = result_class or SearchResult
        rows = []
        for docnum, score in page:
            stored = searcher.stored_fields(docnum)
            app_label, model_name = stored[DJANGO_CT].split(".")
            extra = {k: self._to_python(v) for k, v in stored.items() if k not in (DJANGO_CT, DJANGO_ID)}
            rows.append(result_class(app_label, model_name, stored[DJANGO_ID], score or 0, **extra))
        return attach_objects(self.connection_alias, rows, highlight, terms)

    def more_like_this(self, model_instance, additional_query_string=None, start_offset=0, end_offset=None,
                       models=None, limit_to_registered_models=None, result_class=None, **kwargs):
        """Haystack's more-like-this; for articles, answered by ``related.related_articles``."""
        if model_instance._meta.label != "articles.Article" or additional_query_string not in (None, "", "*"):
            return super().more_like_this(
                model_instance, additional_query_string=additional_query_string, start_offset=start_offset,
                end_offset=end_offset, models=models, limit_to_registered_models=limit_to_registered_models,
                result_class=result_class, **kwargs
            )
        from articles.search.related import related_results

        return related_results(model_instance, start_offset, end_offset, result_class)

    def _from_python(self, value):
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime(value.year, value.month, value.day)
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        return super()._from_python(value)


def die_with_parent(parent_pid):
    """Ask Linux to kill this process when its parent dies (PR_SET_PDEATHSIG); exit if it already has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the closed lock below still frees the index
        pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


PR_SET_PDEATHSIG = 1


@contextmanager
def parent_objects_frozen():
    """Fork inside this: the parent's objects are left out of the child's garbage collection.

    The parent's objects (the story index, Django's caches: hundreds of MB
    late in an import) would otherwise be collected in the child too, which
    writes to every page they sit on and so copies it into the child.
    Measured: a child forked from a parent holding 400 MB of lists held
    323 MB of its own, 46 MB frozen.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class OrphanSafeSubWriter(SubWriterTask):
    """Whoosh's writer subprocess, made unable to outlive the import that started it.

    A forked child inherits the parent's descriptor of the index's write lock
    (an flock, held while any copy of that descriptor is open), and blocks on
    its job queue for ever once the parent is gone. So an import killed with
    ``kill -9`` left its writer children holding the lock, and every later
    writer waited ``WRITE_LOCK_TIMEOUT``. The child closes its copy of the
    lock at once (the parent's copy keeps the lock held) and dies with its parent.
    """

    def __init__(self, *args, lock_fd=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lock_fd = lock_fd
        self.parent_pid = os.getpid()

    def _process_file(self, filename, doc_count):
        """Whoosh's, with the grouped pool and its ``add_document`` for the child's writer (made by ``run``)."""
        writer = self.writer
        use_grouped_pool(writer)
        tempstorage = writer.temp_storage()
        with tempstorage.open_file(filename).raw_file() as job:
            for _ in range(doc_count):
                code, fields = pickle.load(job)
                assert code == 0  # Whoosh's job files hold add_document calls only
                add_grouped_document(writer, fields)
        tempstorage.delete_file(filename)

    def run(self):
        die_with_parent(self.parent_pid)
        if self.lock_fd is not None:
            try:
                os.close(self.lock_fd)
            except OSError:
                pass
        super().run()


class OrphanSafeMpWriter(MpWriter):
    """Whoosh's multi-process writer whose children are ``OrphanSafeSubWriter``, all with the grouped pool."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        use_grouped_pool(self)  # fed by the merges its commit makes

    def _new_task(self):
        lock = getattr(self, "writelock", None)
        task = OrphanSafeSubWriter(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment,
            lock_fd=getattr(lock, "fd", None),
        )
        self.tasks.append(task)
        with parent_objects_frozen():
            task.start()
        return task


def indexed_texts(connection_alias, keys):
    """The text each of ``keys`` ((model label "app.model", pk)) is indexed with: its search index's
    ``indexed_text``, else its document field as prepared; "" for an object that is gone."""
    from haystack import connections
    from haystack.utils.app_loading import haystack_get_model

    unified_index = connections[connection_alias].get_unified_index()
    texts = {}
    for model_ct in {ct for ct, _ in keys if ct}:
        index = unified_index.get_index(haystack_get_model(*model_ct.split(".")))
        text_of = getattr(index, "indexed_text", None) or index.fields[index.get_content_field()].prepare
        wanted = [pk for ct, pk in keys if ct == model_ct]
        for obj in index.read_queryset().filter(pk__in=wanted):
            texts[(model_ct, str(obj.pk))] = text_of(obj) or ""
    return [texts.get((ct, str(pk)), "") for ct, pk in keys]


def attach_objects(connection_alias, rows, highlight, terms):
    """Load each result's article from the database (one query per model) and, with
    ``highlight``, cut its snippet from the original text; results whose article is
    gone are dropped. Every engine's results go through here."""
    from haystack import connections

    unified_index = connections[connection_alias].get_unified_index()
    by_model = {}
    for result in rows:
        by_model.setdefault(result.model, []).append(result)
    for model, results in by_model.items():
        index = unified_index.get_index(model)
        objects = index.read_queryset().in_bulk([r.pk for r in results])
        for result in results:
            result._object = objects.get(int(result.pk)) if result.pk.isdigit() else objects.get(result.pk)
            if highlight and result._object is not None and hasattr(index, "highlight_text"):
                result.highlighted = {"text": [snippet(index.highlight_text(result._object), terms)]}
    return [r for r in rows if r._object is not None]


def prepare_each(index, objects, document, failures=None):
    """``document(obj, prepared)`` for each object haystack's ``index`` prepares (its boost
    dropped): how both engines' backends turn articles into index documents.

    An object the index skips (``SkipDocument``) is left out. With a ``failures``
    list, an object that cannot be prepared is noted there as (pk, error)
    instead of stopping the batch: one broken record fails alone.
    """
    documents = []
    for obj in objects:
        try:
            prepared = index.full_prepare(obj)
            prepared.pop("boost", None)
            documents.append(document(obj, prepared))
        except SkipDocument:
            continue
        except Exception as error:
            if failures is None:
                raise
            failures.append((obj.pk, error))
    return documents


class WriteSession:
    """An import's writes to one engine, held across many batches and finished once.

    ``add`` skips documents this session already wrote (a batch retried after
    an error); an engine's session says how to write (``_write``) and how to
    make the writes searchable when the import ends (``finish``), which runs
    even after an error: what was written is in the database already, and
    the index should hold it.
    """

    def __init__(self, backend):
        self.backend = backend
        self.written = set()

    def add(self, documents):
        documents = [doc for doc in documents if doc[ID] not in self.written]
        if documents:
            self._write(documents)
        self.written.update(doc[ID] for doc in documents)

    def write(self, index, objects, failures=None):
        self.add(self.backend.prepare_documents(index, objects, failures=failures))

    def _write(self, documents):
        raise NotImplementedError

    def finish(self):
        raise NotImplementedError

    def __len__(self):
        return len(self.written)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.finish()


def stale_documents(searcher, documents):
    """Document numbers of the live indexed copies of ``documents`` (prepared, with ID and PK_COLUMN).

    Looking each ID up costs a term lookup per segment, in Python: 30 µs a
    segment, so at 300,000 articles in 10 segments about 300 µs an article,
    growing as an import adds segments. A segment with the pk column is
    instead searched for the whole batch's pks at once, in numpy; a
    segment without it (written before the column existed), or a document
    without a numeric pk, is looked up by ID.
    """
    from whoosh.reading import TermNotFound

    from articles.search.codec import fixed_column
    from articles.search.ranking import _leaf_readers

    with_pk = [doc for doc in documents if doc.get(PK_COLUMN, -1) >= 0]
    pks = np.array([doc[PK_COLUMN] for doc in with_pk], dtype=np.int64)
    without_pk = [doc[ID] for doc in documents if doc.get(PK_COLUMN, -1) < 0]
    every_id = [doc[ID] for doc in documents]
    wanted_ids = set(every_id)
    stale = []
    for reader, offset in _leaf_readers(searcher):
        looked_up = without_pk
        if with_pk and reader.has_column(PK_COLUMN):
            column = fixed_column(reader.column_reader(PK_COLUMN, translate=False), reader.doc_count_all())
            for docnum in np.flatnonzero(np.isin(column, pks)).tolist():
                # Another model's document may share the pk: its ID tells.
                if not reader.is_deleted(docnum) and reader.stored_fields(docnum).get(ID) in wanted_ids:
                    stale.append(offset + docnum)
        elif with_pk:
            looked_up = every_id
        for identifier in looked_up:
            if (ID, identifier) in reader:
                try:
                    stale.append(offset + reader.first_id(ID, identifier))
                except TermNotFound:  # every copy in this segment deleted
                    pass
    return stale


class WhooshWriteSession(WriteSession):
    """One Whoosh writer held across many batches, committed once.

    Every commit writes a segment with a posting block per distinct word and
    every search visits every segment, so a bulk import writes through one
    session: few, large segments index and search several times faster than
    many small ones. Holds the index's write lock until it ends; other
    writers wait for it (``WRITE_LOCK_TIMEOUT``).
    """

    def __init__(self, backend, writer):
        super().__init__(backend)
        self.writer = writer

    def _write(self, documents):
        # Whoosh's update_document opens a searcher per document; find the
        # stale copies with one searcher for the whole batch instead.
        with self.writer.searcher() as searcher:
            for stale in stale_documents(searcher, documents):
                self.writer.delete_document(stale)
        for doc in documents:
            self.writer.add_document(**doc)
            self.written.add(doc[ID])  # as it goes: a retry after a failure adds only the rest

    def finish(self):
        try:
            self.writer.commit(mergetype=bounded_merge)
        except Exception:
            self.writer.cancel()
            raise


class ArabicQuery(BaseInput):
    """The text of the search box, kept whole for ``query.parse_query``."""

    input_type_name = "arabic"
    post_process = False

    def prepare(self, query_obj):
        return self.query_string


class ArabicSearchQuery(WhooshSearchQuery):
    """haystack's Whoosh query; the archive's own searches become a ``SearchPlan`` of Whoosh objects.

    ``service.py`` sets ``archive_search`` on the queries of the search page,
    the exports and the search command: those are ranked by ``ranking.py``.
    """

    fallback = False
    archive_search = False
    hits_as_written = 0
    facets_as_written = {}
    expansions = {}
    narrowed = ()

    def run(self, spelling_query=None, **kwargs):
        # Haystack keeps only results, hits, facets and spelling: keep the
        # fallback flag too, for the page to explain itself.
        final_query = self.build_query()
        search_kwargs = self.build_params(spelling_query=spelling_query)
        search_kwargs.update(kwargs)
        results = self.backend.search(final_query, **search_kwargs)
        self._results = results.get("results", [])
        self._hit_count = results.get("hits", 0)
        self._facet_counts = self.post_process_facets(results)
        self._spelling_suggestion = results.get("spelling_suggestion")
        self.fallback = results.get("fallback", False)
        self.hits_as_written = results.get("hits_as_written", self._hit_count)
        self.facets_as_written = results.get("facets_as_written", {})
        self.expansions = results.get("expansions", {})
        self.narrowed = results.get("narrowed", [])

    def _clone(self, klass=None, using=None):
        clone = super()._clone(klass=klass, using=using)
        clone.fallback = self.fallback
        clone.archive_search = self.archive_search
        clone.hits_as_written = self.hits_as_written
        clone.facets_as_written = self.facets_as_written
        clone.expansions = self.expansions
        clone.narrowed = self.narrowed
        return clone

    def build_query(self):
        if not (self.archive_search or _has_arabic_query(self.query_filter)):
            return super().build_query()
        return self._build_plan()

    def _build_plan(self):
        if self.boost:
            raise SearchBackendError("The archive's search does not take boost().")
        user_texts, by_field, others = [], {}, []
        root = self.query_filter
        children = root.children if root.connector == "AND" and not root.negated else [root]
        for child in children:
            if hasattr(child, "children"):
                part = self._node_query(child, user_texts)
            else:
                part = self._expression_query(*child, user_texts)
            if part is None:
                continue
            field_name = self._single_field(child)
            if field_name:
                by_field.setdefault(field_name, []).append(part)
            else:
                others.append(part)
        field_filters = {name: parts[0] if len(parts) == 1 else wq.And(parts) for name, parts in by_field.items()}
        parts = list(field_filters.values()) + others
        whoosh_filter = None if not parts else parts[0] if len(parts) == 1 else wq.And(parts)
        parsed = parse_query(" ".join(user_texts)) if user_texts else None
        return SearchPlan(parsed=parsed, filter=whoosh_filter, field_filters=field_filters)

    @staticmethod
    def _single_field(child):
        """The index field a plain filter is on (None for content, negations and combinations)."""
        node = child
        while hasattr(node, "children") and len(node.children) == 1 and not node.negated:
            node = node.children[0]
        if hasattr(node, "children"):
            return None
        name, _ = node_split(node[0])
        return None if name == "content" else name

    def _range_kind(self, fieldname):
        """"date", "number" or "text": how a range on ``fieldname`` compares.

        Whoosh's schema says it; an engine without one (OpenSearch) goes by the
        haystack field's type, from which Whoosh's schema is built too.
        """
        from haystack import connections

        schema = getattr(self.backend, "schema", None)
        if schema is not None and fieldname in schema:
            kind = schema[fieldname]
            return "date" if isinstance(kind, DATETIME) else "number" if isinstance(kind, NUMERIC) else "text"
        field = connections[self._using].get_unified_index().all_searchfields().get(fieldname)
        field_type = getattr(field, "field_type", None)
        return "date" if field_type in ("date", "datetime") else "number" if field_type in ("integer", "float") else "text"

    def _node_query(self, node, user_texts):
        if node.negated or node.connector == "OR":
            # The search box's words are ranked as one query (query.py has its
            # own -word and OR): they cannot sit under a NOT or an OR.
            user_texts = _NoContent()
        parts = []
        for child in node.children:
            if hasattr(child, "children"):
                part = self._node_query(child, user_texts)
            else:
                expression, value = child
                part = self._expression_query(expression, value, user_texts)
            if part is not None:
                parts.append(part)
        if not parts:
            return None
        combined = parts[0] if len(parts) == 1 else (wq.Or(parts) if node.connector == "OR" else wq.And(parts))
        return wq.Not(combined) if node.negated else combined

    def _expression_query(self, expression, value, user_texts):
        from haystack import connections

        name, filter_type = node_split(expression)
        if name == "content":
            user_texts.append(force_str(getattr(value, "query_string", value)))
            return None
        fieldname = connections[self._using].get_unified_index().get_index_fieldname(name)
        backend = self.backend
        if filter_type in ("exact", "content"):
            return wq.Term(fieldname, backend._from_python(value))
        if filter_type == "in":
            return wq.Or([wq.Term(fieldname, backend._from_python(v)) for v in value])
        if filter_type in ("gt", "gte", "lt", "lte", "range"):
            low = high = None
            if filter_type == "range":
                low, high = value
            elif filter_type in ("gt", "gte"):
                low = value
            else:
                high = value
            low = backend._from_python(low) if low is not None else None
            high = backend._from_python(high) if high is not None else None
            kind = self._range_kind(fieldname)
            if kind == "date":
                return wq.DateRange(fieldname, low, high, startexcl=filter_type == "gt", endexcl=filter_type == "lt")
            if kind == "number":
                return wq.NumericRange(fieldname, low, high, startexcl=filter_type == "gt", endexcl=filter_type == "lt")
            return wq.TermRange(fieldname, low, high, startexcl=filter_type == "gt", endexcl=filter_type == "lt")
        raise SearchBackendError(f"Filter {filter_type!r} is not supported on {name!r}.")


def _has_arabic_query(node):
    """Whether the search box's text (an ``ArabicQuery``) is anywhere in a filter tree."""
    for child in node.children:
        if hasattr(child, "children"):
            if _has_arabic_query(child):
                return True
        elif isinstance(child[1], ArabicQuery):
            return True
    return False


class _NoContent(list):
    def append(self, text):
        raise SearchBackendError("The archive's search takes its words at the top level, not under ~ or |.")


def node_split(expression):
    from haystack.constants import FILTER_SEPARATOR, VALID_FILTERS

    parts = expression.split(FILTER_SEPARATOR)
    if len(parts) > 1 and parts[-1] in VALID_FILTERS:
        return FILTER_SEPARATOR.join(parts[:-1]), parts[-1]
    return expression, "content"


class ArabicWhooshEngine(BaseEngine):
    backend = ArabicWhooshSearchBackend
    query = ArabicSearchQuery
