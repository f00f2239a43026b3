"""The haystack engine for an OpenSearch 2.x cluster, with the same answers as the Whoosh one.

Built on django-haystack-opensearch (opensearch-py), subclassed:
- Arabic analysis stays in Python (``analysis.py``): the cluster receives the
  normalised surface words and, in ``<name>_stem``, the light stems (a ``_``
  keeps each stop word's place, dropped by the cluster's analyzer so stem
  positions match Whoosh's). The cluster only splits on whitespace.
- Scores are Whoosh's BM25 (k1 1.2, b 0.75, Whoosh's idf) through a scripted
  similarity, and searches run as ``dfs_query_then_fetch``, so a score does
  not depend on which shard holds an article.
- ``ArabicSearchQuery`` builds the same ``SearchPlan`` for both engines; here
  its parsed words become bool queries (``query.py``'s clauses, all-words
  matches first, then some), its filters bool filters, facets terms
  aggregations that leave a field's own filter out, the histogram a
  date_histogram folded by ``ranking.day_histogram``.
- Results are loaded from the database and highlighted there (``highlight.py``),
  as on Whoosh.
"""

import os
from datetime import date, datetime

import numpy as np
from django.utils.encoding import force_str
from django_haystack_opensearch.haystack import OpenSearchSearchBackend
from haystack.backends import BaseEngine, log_query
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SearchBackendError, SkipDocument
from haystack.fields import FacetField
from haystack.utils import get_identifier
from opensearchpy.helpers import bulk
from whoosh import query as wq

from articles.search.analysis import STEM_SUFFIX, surface_words
from articles.search.backend import ArabicSearchQuery, SearchPlan, attach_objects
from articles.search.highlight import HighlightTerms
from articles.search.query import SURFACE_BOOST, content_groups
from articles.search.ranking import B, K1, SURFACE_WEIGHT, day_histogram
from articles.text import is_stopword, stem, strip_prefix

# Keeps a stop word's position in the stem field; the cluster drops it.
STOP_PLACEHOLDER = "_"
# Whoosh's BM25F as ranking.py computes it: idf = log(N / (df + 1)) + 1.
WHOOSH_BM25 = {
    "type": "scripted",
    "weight_script": {
        "source": "double idf = Math.log(field.docCount / (term.docFreq + 1.0)) + 1.0; return query.boost * idf;"
    },
    "script": {
        "source": (
            f"double avg = field.sumTotalTermFreq / (double) Math.max(field.docCount, 1);"
            f" double norm = {K1} * ((1 - {B}) + {B} * doc.length / Math.max(avg, 1.0));"
            f" return weight * doc.freq * {K1 + 1} / (doc.freq + norm);"
        )
    },
}
BULK_CHUNK = 500
PAGE_SIZE_FOR_EXPORTS = 5000
FACET_SIZE = 10_000
SCORE_TIEBREAK = {f"{DJANGO_ID}.number": {"order": "asc"}}
# Every read of this process goes to the same copy of each shard: a primary
# and its replica refresh at different moments, so without it a page's count,
# its results and the next page could each come from a different copy, and
# a count could go back while an import runs.
READ_PREFERENCE = f"newsarchive-{os.getpid()}"


def _bool(**parts):
    return {"bool": {key: value for key, value in parts.items() if value}}


class ArabicOpenSearchBackend(OpenSearchSearchBackend):
    def __init__(self, connection_alias, **options):
        options.setdefault("INDEX_NAME", "newsarchive")
        super().__init__(connection_alias, **options)
        self.shards = int(options.get("SHARDS", 2))
        self.replicas = int(options.get("REPLICAS", 1))
        self.stem_fields = set()

    # Index ---------------------------------------------------------------

    def index_settings(self):
        return {
            "number_of_shards": self.shards,
            "number_of_replicas": self.replicas,
            "similarity": {"whoosh_bm25": WHOOSH_BM25},
            "analysis": {
                "filter": {"stop_placeholder": {"type": "stop", "stopwords": [STOP_PLACEHOLDER]}},
                "analyzer": {
                    "archive_words": {"type": "custom", "tokenizer": "whitespace"},
                    "archive_stems": {"type": "custom", "tokenizer": "whitespace", "filter": ["stop_placeholder"]},
                },
            },
        }

    def build_schema(self, fields):
        properties = {
            ID: {"type": "keyword"},
            DJANGO_CT: {"type": "keyword"},
            # Sorted numerically to break score ties in a stable order.
            DJANGO_ID: {"type": "keyword", "fields": {"number": {"type": "long", "ignore_malformed": True}}},
        }
        content_field_name = ""
        self.stem_fields = set()
        for field_class in fields.values():
            name = field_class.index_fieldname
            if field_class.field_type in ("date", "datetime"):
                properties[name] = {"type": "date"}
            elif field_class.field_type == "integer":
                properties[name] = {"type": "long"}
            elif field_class.field_type == "float":
                properties[name] = {"type": "double"}
            elif field_class.field_type == "boolean":
                properties[name] = {"type": "boolean"}
            elif field_class.is_multivalued or isinstance(field_class, FacetField) or not field_class.indexed:
                properties[name] = {"type": "keyword"}
            else:
                properties[name] = {"type": "text", "analyzer": "archive_words", "similarity": "whoosh_bm25",
                                    "norms": True}
                properties[name + STEM_SUFFIX] = {"type": "text", "analyzer": "archive_stems",
                                                  "similarity": "whoosh_bm25"}
                self.stem_fields.add(name)
            if field_class.document:
                content_field_name = name
        return content_field_name, properties

    def setup(self):
        from haystack import connections

        unified_index = connections[self.connection_alias].get_unified_index()
        self.content_field_name, properties = self.build_schema(unified_index.all_searchfields())
        if not self.conn.indices.exists(index=self.index_name):
            self.conn.indices.create(
                index=self.index_name,
                body={"settings": {"index": self.index_settings()}, "mappings": {"properties": properties}},
                ignore=[400],  # created meanwhile by another process
            )
        self.setup_complete = True

    def _ensure_setup(self):
        if not self.setup_complete:
            self.setup()

    # Writing -------------------------------------------------------------

    def prepare_documents(self, index, objects, failures=None):
        """As the Whoosh backend's: with a ``failures`` list, an object that cannot be
        prepared is noted there as (pk, error) instead of stopping the batch."""
        documents = []
        for obj in objects:
            try:
                prepared = index.full_prepare(obj)
            except SkipDocument:
                continue
            except Exception as error:
                if failures is None:
                    raise
                failures.append((obj.pk, error))
                continue
            prepared.pop("boost", None)
            doc = {}
            for key, value in prepared.items():
                if key in self.stem_fields:
                    words = surface_words(force_str(value or ""))
                    doc[key] = " ".join(words)
                    doc[key + STEM_SUFFIX] = " ".join(
                        STOP_PLACEHOLDER if is_stopword(word) else stem(word) for word in words
                    )
                elif isinstance(value, datetime):
                    doc[key] = value.replace(tzinfo=None).isoformat()
                elif isinstance(value, date):
                    doc[key] = value.isoformat()
                else:
                    doc[key] = value
            documents.append(doc)
        return documents

    def write_documents(self, documents):
        actions = ({"_index": self.index_name, "_id": doc[ID], "_source": doc} for doc in documents)
        bulk(self.conn, actions, chunk_size=BULK_CHUNK, max_retries=3, request_timeout=120)

    def refresh(self):
        self.conn.indices.refresh(index=self.index_name)

    def write_session(self, parallel=False):
        self._ensure_setup()
        return OpenSearchWriteSession(self)

    def update(self, index, iterable, commit=True):
        self._ensure_setup()
        documents = self.prepare_documents(index, iterable)
        if documents:
            self.write_documents(documents)
        if commit:
            self.refresh()

    def remove(self, obj_or_string, commit=True):
        self.remove_identifiers([get_identifier(obj_or_string)])

    def remove_identifiers(self, identifiers):
        self._ensure_setup()
        actions = ({"_op_type": "delete", "_index": self.index_name, "_id": identifier} for identifier in identifiers)
        bulk(self.conn, actions, raise_on_error=False)  # an identifier not in the index is already gone
        self.refresh()

    def clear(self, models=None, commit=True):
        if models is None:
            self.delete_index()
            return
        from haystack.utils import get_model_ct

        self._ensure_setup()
        self.conn.delete_by_query(
            index=self.index_name, body={"query": {"terms": {DJANGO_CT: [get_model_ct(m) for m in models]}}},
            refresh=True, conflicts="proceed",
        )

    def delete_index(self):
        self.conn.indices.delete(index=self.index_name, ignore=[404])
        self.setup_complete = False
        self.setup()
        self.wait_for_index()

    def wait_for_index(self, status="yellow"):
        self.conn.cluster.health(index=self.index_name, wait_for_status=status, request_timeout=70)

    def segment_count(self):
        # The cluster merges its segments itself, in the background: there is
        # nothing for optimise_index to do (1 is "merged").
        return 1

    def optimize(self, max_documents=None, on_stage=None):
        self._ensure_setup()
        self.conn.indices.forcemerge(index=self.index_name, max_num_segments=1, request_timeout=3600)

    def _from_python(self, value):
        # As on Whoosh: ArabicSearchQuery builds filters with datetimes.
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime(value.year, value.month, value.day)
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        return value

    # Statistics (story grouping reads them as it would a Whoosh searcher) --

    def searcher(self):
        self._ensure_setup()
        return TermStatistics(self)

    # Queries ---------------------------------------------------------------

    def word_clause(self, clause):
        field = self.content_field_name
        stem_field = field + STEM_SUFFIX
        if clause.kind == "phrase":
            words = list(clause.words)
            surface = {"match_phrase": {field: {"query": " ".join(words), "boost": SURFACE_BOOST}}}
            content = [word for word in words if not is_stopword(word)]
            if len(content) < 2:
                return surface
            stems = {"match_phrase": {stem_field: {"query": " ".join(stem(w) for w in content),
                                                   "slop": 1 + len(words) - len(content)}}}
            return {"dis_max": {"queries": [surface, stems]}}
        word = clause.words[0]
        if clause.kind == "prefix":
            return _bool(should=[{"prefix": {field: word}}, {"prefix": {stem_field: strip_prefix(word)}}],
                         minimum_should_match=1)
        if is_stopword(word):
            return {"term": {field: {"value": word}}}
        return _bool(should=[
            {"term": {field: {"value": word, "boost": SURFACE_WEIGHT}}},
            {"term": {stem_field: {"value": stem(word), "boost": 1.0}}},
        ], minimum_should_match=1)

    def group_query(self, group):
        clauses = [self.word_clause(clause) for clause in group]
        return clauses[0] if len(clauses) == 1 else _bool(should=clauses, minimum_should_match=1)

    def filter_query(self, query):
        """A Whoosh filter object from ``ArabicSearchQuery`` as a bool filter."""
        if isinstance(query, wq.Term):
            value = query.text
            if isinstance(value, datetime):
                value = value.date().isoformat()
            return {"term": {query.fieldname: value}}
        if isinstance(query, wq.DateRange):
            bounds = {}
            if query.startdate is not None:
                bounds["gt" if query.startexcl else "gte"] = query.startdate.date().isoformat()
            if query.enddate is not None:
                bounds["lt" if query.endexcl else "lte"] = query.enddate.date().isoformat()
            return {"range": {query.fieldname: bounds}}
        if isinstance(query, wq.Or):
            return _bool(should=[self.filter_query(sub) for sub in query.subqueries], minimum_should_match=1)
        if isinstance(query, wq.And):
            return _bool(filter=[self.filter_query(sub) for sub in query.subqueries])
        if isinstance(query, wq.Not):
            return _bool(must_not=[self.filter_query(query.query)])
        if isinstance(query, wq.Every):
            return {"match_all": {}}
        raise SearchBackendError(f"Filter {query!r} is not supported.")

    def _parts(self, plan):
        """(scored query, all-words query or None, field filters by name, other filters)."""
        field_filters = {name: self.filter_query(q) for name, q in plan.field_filters.items()}
        plain = [q for q in _and_parts(plan.filter) if q not in plan.field_filters.values()]
        others = [self.filter_query(q) for q in plain]
        if plan.parsed is None:
            return _bool(must=[{"match_all": {}}], filter=others), None, field_filters
        groups = [self.group_query(group) for group in content_groups(plan.parsed)]
        excluded = [self.word_clause(clause) for clause in plan.parsed.excluded]
        scored = _bool(should=groups, minimum_should_match=1, filter=others, must_not=excluded)
        complete = _bool(filter=groups) if len(groups) > 1 else None
        return scored, complete, field_filters

    def _sort(self, sort_by):
        if not sort_by:
            return ["_score", SCORE_TIEBREAK]
        sort = []
        for name in sort_by:
            field = name.lstrip("-")
            # Undated articles come last either way, as on Whoosh.
            sort.append({field: {"order": "desc" if name.startswith("-") else "asc", "missing": "_last"}})
        return sort + [SCORE_TIEBREAK]

    def _search(self, body, scored):
        params = {"search_type": "dfs_query_then_fetch"} if scored else {}
        return self.conn.search(index=self.index_name, body=body, params={**params, "preference": READ_PREFERENCE})

    @log_query
    def search(self, query_string, sort_by=None, start_offset=0, end_offset=None, highlight=False,
               facets=None, date_facets=None, result_class=None, **kwargs):
        if not isinstance(query_string, SearchPlan):
            raise SearchBackendError("Use ArabicSearchQuery: this backend takes query objects, not strings.")
        plan = query_string
        self._ensure_setup()
        start_offset = start_offset or 0
        end_offset = end_offset if end_offset is not None else start_offset + 20
        end_offset = max(end_offset, start_offset + 1)
        empty = {"results": [], "hits": 0, "facets": {}, "fallback": False, "spelling_suggestion": None}
        if plan.parsed is not None and plan.parsed.is_empty:
            return empty
        scored, complete, field_filters = self._parts(plan)
        ranked = plan.parsed is not None and not sort_by
        every_filter = list(field_filters.values())
        aggregations = {}
        if complete is not None:
            aggregations["complete"] = {"filter": _bool(filter=[complete] + every_filter)}
        for name in facets or ():
            others = [q for other, q in field_filters.items() if other != name]
            aggregations[f"facet_{name}"] = {
                "filter": _bool(filter=others) or {"match_all": {}},
                "aggs": {"values": {"terms": {"field": name, "size": FACET_SIZE}}},
            }
        for name in date_facets or ():
            others = [q for other, q in field_filters.items() if other != name]
            aggregations[f"dates_{name}"] = {
                "filter": _bool(filter=others) or {"match_all": {}},
                "aggs": {"days": {"date_histogram": {"field": name, "calendar_interval": "day",
                                                     "min_doc_count": 1, "format": "yyyy-MM-dd"}}},
            }
        body = {
            "query": scored,
            "track_total_hits": True,
            "_source": [DJANGO_CT, DJANGO_ID],
            "sort": self._sort(sort_by),
            "from": start_offset,
            "size": end_offset - start_offset,
        }
        if every_filter:
            body["post_filter"] = _bool(filter=every_filter)
        if aggregations:
            body["aggs"] = aggregations
        if ranked and complete is not None:
            raw, hits = self._complete_first(body, complete, start_offset, end_offset)
        else:
            raw = self._search(body, ranked)
            hits = raw["hits"]["hits"]
        total = raw["hits"]["total"]["value"]
        complete_count = raw["aggregations"]["complete"]["doc_count"] if complete is not None else total
        fallback = complete is not None and complete_count == 0 and total > 0
        terms = HighlightTerms.from_query(plan.parsed) if plan.parsed is not None else HighlightTerms()
        aggs = raw.get("aggregations", {})
        return {
            "results": self._results(hits, result_class, highlight, terms),
            "hits": total,
            "facets": {
                "fields": {name: _value_counts(aggs[f"facet_{name}"]["values"]["buckets"]) for name in facets or ()},
                "dates": {name: _histogram(aggs[f"dates_{name}"]["days"]["buckets"]) for name in date_facets or ()},
                "queries": {},
            },
            "fallback": fallback,
            "spelling_suggestion": None,
        }

    def _complete_first(self, body, complete, start, end):
        """(counts and aggregations, page) when articles with every word come first.

        One round trip: the counts, the page of articles with every word, and
        the articles with some words up to ``end``, each part ranked by score.
        """
        page = {key: value for key, value in body.items() if key not in ("aggs", "from", "size")}
        page["track_total_hits"] = False
        counts = dict(body, size=0)
        counts.pop("sort")
        with_every = dict(page, query=_bool(must=[body["query"]], filter=[complete]), size=end - start,
                          **{"from": start})
        with_some = dict(page, query=_bool(must=[body["query"]], must_not=[complete]), size=end, **{"from": 0})
        header = {"index": self.index_name, "search_type": "dfs_query_then_fetch", "preference": READ_PREFERENCE}
        # Counts and aggregations need no global statistics.
        count_header = {"index": self.index_name, "preference": READ_PREFERENCE}
        responses = self.conn.msearch(body=[count_header, counts, header, with_every, header, with_some])["responses"]
        for response in responses:
            if "error" in response:
                raise SearchBackendError(f"OpenSearch: {response['error']}")
        raw, every_hits, some_hits = responses
        complete_count = raw["aggregations"]["complete"]["doc_count"]
        hits = every_hits["hits"]["hits"] + some_hits["hits"]["hits"][max(0, start - complete_count):]
        return raw, hits[: end - start]

    def _results(self, hits, result_class, highlight, terms):
        from haystack.models import SearchResult

        result_class = result_class or SearchResult
        rows = []
        for hit in hits:
            source = hit["_source"]
            app_label, model_name = source[DJANGO_CT].split(".")
            rows.append(result_class(app_label, model_name, source[DJANGO_ID], hit.get("_score") or 0))
        return attach_objects(self.connection_alias, rows, highlight, terms)

    def all_hits(self, plan, sort_by=None):
        """Every match of ``plan`` in page order, as (database pk, score): for exports."""
        self._ensure_setup()
        if plan.parsed is not None and plan.parsed.is_empty:
            return []
        scored, complete, field_filters = self._parts(plan)
        every_filter = list(field_filters.values())
        ranked = plan.parsed is not None and not sort_by
        queries = [scored]
        if ranked and complete is not None:
            queries = [_bool(must=[scored], filter=[complete]), _bool(must=[scored], must_not=[complete])]
        found = []
        for query in queries:
            found.extend(self._every_hit(_bool(must=[query], filter=every_filter), self._sort(sort_by), ranked))
        return found

    def _every_hit(self, query, sort, scored):
        body = {"query": query, "sort": sort, "size": PAGE_SIZE_FOR_EXPORTS, "_source": [DJANGO_ID],
                "track_total_hits": False}
        while True:
            hits = self._search(body, scored)["hits"]["hits"]
            for hit in hits:
                yield int(hit["_source"][DJANGO_ID]), hit.get("_score") or 0.0
            if len(hits) < PAGE_SIZE_FOR_EXPORTS:
                return
            body["search_after"] = hits[-1]["sort"]

    # Related articles and spelling ------------------------------------------

    def related_pks(self, stems, exclude, limit):
        """Articles sharing ``stems``' most telling words, best first (see related.py)."""
        self._ensure_setup()
        body = {
            "query": _bool(
                must=[{"more_like_this": {
                    "fields": [self.content_field_name + STEM_SUFFIX],
                    "like": " ".join(stems),
                    "analyzer": "archive_words",
                    "min_term_freq": 1,
                    "min_doc_freq": 2,
                    "max_query_terms": 15,
                    "minimum_should_match": 1,
                }}],
                must_not=[{"terms": {DJANGO_ID: [str(pk) for pk in exclude]}}] if exclude else None,
            ),
            "size": limit,
            "sort": ["_score", SCORE_TIEBREAK],
            "_source": [DJANGO_ID],
        }
        return [int(hit["_source"][DJANGO_ID]) for hit in self._search(body, True)["hits"]["hits"]]

    def close_terms(self, word, max_edits, min_frequency):
        """[(articles, term)] of the content field within ``max_edits`` of ``word`` (same first
        letter) in at least ``min_frequency`` articles.

        The term suggester finds the candidates; their counts come from the whole index, since
        the suggester's are a single shard's.
        """
        self._ensure_setup()
        body = {"size": 0, "suggest": {"close": {"text": word, "term": {
            "field": self.content_field_name, "analyzer": "archive_words", "suggest_mode": "always",
            "max_edits": max_edits, "prefix_length": 1, "min_word_length": 2, "size": 10,
            "min_doc_freq": 1, "sort": "frequency", "string_distance": "levenshtein",
        }}}}
        raw = self.conn.search(index=self.index_name, body=body, params={"preference": READ_PREFERENCE})
        options = raw["suggest"]["close"][0]["options"] if raw["suggest"]["close"] else []
        statistics = TermStatistics(self)
        counted = [(statistics.doc_frequency(self.content_field_name, option["text"]), option["text"])
                   for option in options if option["text"] != word]
        return [(count, term) for count, term in counted if count >= min_frequency]

    def more_like_this(self, model_instance, additional_query_string=None, start_offset=0, end_offset=None,
                       models=None, limit_to_registered_models=None, result_class=None, **kwargs):
        """Haystack's more-like-this, answered by ``related.related_articles``."""
        from articles.search.related import related_results

        return related_results(model_instance, start_offset, end_offset, result_class)


class TermStatistics:
    """The two counts story grouping reads of an index: articles, and articles with a term."""

    def __init__(self, backend):
        self.backend = backend

    def doc_count(self):
        return self.backend.conn.count(index=self.backend.index_name, params={"preference": READ_PREFERENCE})["count"]

    def doc_frequency(self, fieldname, text):
        body = {"query": {"term": {fieldname: text}}}
        return self.backend.conn.count(index=self.backend.index_name, body=body,
                                       params={"preference": READ_PREFERENCE})["count"]

    def first_with(self, fieldname, text):
        """The database pk of an article whose ``fieldname`` has ``text``, or None."""
        body = {"query": {"term": {fieldname: text}}, "size": 1, "_source": [DJANGO_ID], "sort": [SCORE_TIEBREAK]}
        hits = self.backend.conn.search(index=self.backend.index_name, body=body,
                                        params={"preference": READ_PREFERENCE})["hits"]["hits"]
        return int(hits[0]["_source"][DJANGO_ID]) if hits else None


class OpenSearchWriteSession:
    """An import's writes: bulk requests as batches come, one refresh at the end."""

    def __init__(self, backend):
        self.backend = backend
        self.written = set()

    def add(self, documents):
        documents = [doc for doc in documents if doc[ID] not in self.written]
        if documents:
            self.backend.write_documents(documents)
        self.written.update(doc[ID] for doc in documents)

    def write(self, index, objects, failures=None):
        self.add(self.backend.prepare_documents(index, objects, failures=failures))

    def __len__(self):
        return len(self.written)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        # What was written is in the database already: make it searchable.
        self.backend.refresh()


def _and_parts(query):
    if query is None:
        return []
    return list(query.subqueries) if isinstance(query, wq.And) else [query]


def _value_counts(buckets):
    return sorted(((b["key"], b["doc_count"]) for b in buckets), key=lambda item: (-item[1], item[0]))


def _histogram(buckets):
    if not buckets:
        return ("day", [])
    ordinals = np.array([date.fromisoformat(b["key_as_string"]).toordinal() for b in buckets], dtype=np.int64)
    counts = np.array([b["doc_count"] for b in buckets], dtype=np.int64)
    return day_histogram(np.repeat(ordinals, counts))


class ArabicOpenSearchQuery(ArabicSearchQuery):
    """The same ``SearchPlan`` as on Whoosh; the backend turns it into OpenSearch queries."""


class ArabicOpenSearchEngine(BaseEngine):
    backend = ArabicOpenSearchBackend
    query = ArabicOpenSearchQuery

