"""The haystack engine for an OpenSearch 2.x cluster, with the same answers as the Whoosh one.

Built on django-haystack-opensearch (opensearch-py), subclassed:
- Arabic analysis stays in Python (``analysis.py``): the cluster receives the
  normalised surface words and, in ``<name>_stem``, the light stems (a ``_``
  keeps each stop word's place, dropped by the cluster's analyzer so stem
  positions match Whoosh's). The cluster only splits on whitespace.
- Scores are ranking.py's BM25 (k1 1.2, b 0.75, Lucene's idf) through a scripted
  similarity, and searches run as ``dfs_query_then_fetch``, so a score does
  not depend on which shard holds an article.
- ``ArabicSearchQuery`` builds the same ``SearchPlan`` for both engines; here
  its parsed words become bool queries (``query.py``'s clauses, all-words
  matches first, then some), its filters bool filters, facets terms
  aggregations that leave a field's own filter out, the histogram a
  date_histogram folded by ``ranking.day_histogram``.
- Query words are widened (other spellings, related forms, near words:
  ``expansion.py``) and prefixes bound to their most frequent words
  (``prefixes.py``) by the same code as on Whoosh, on the cluster's term
  statistics (``opensearch_stats.py``); the bound query is scored term for
  term with ranking.py's weights.
- Every other ``SearchQuerySet`` is parsed as on Whoosh and translated
  (``opensearch_generic.py``), so haystack's contract holds here too.
- Results are loaded from the database and highlighted there (``highlight.py``),
  as on Whoosh.
"""

import os
from datetime import date, datetime

import numpy as np
from django.utils.encoding import force_str
from django_haystack_opensearch.haystack import OpenSearchSearchBackend
from haystack.backends import BaseEngine, log_query
from haystack.backends.whoosh_backend import WhooshSearchBackend
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SearchBackendError, SkipDocument
from haystack.fields import FacetField
from haystack.utils import get_identifier
from opensearchpy.helpers import bulk

from articles.search.analysis import STEM_SUFFIX, ArabicTextField, surface_words
from articles.search.backend import ArabicSearchQuery, SearchPlan, attach_objects, query_parser, whoosh_schema
from articles.search.highlight import HighlightTerms
from articles.search.opensearch_generic import STORED, generic_more_like_this, generic_search
from articles.search.opensearch_plan import READINGS_ANALYZER, PlanQueries, _bool
from articles.search.opensearch_stats import TermStatistics, cluster_stats, forget
from articles.search.ranking import B, K1, day_histogram
from articles.text import is_stopword, stem

# Keeps a stop word's position in the stem field; the cluster drops it.
STOP_PLACEHOLDER = "_"
# BM25 as ranking.py computes it: idf = log(1 + (N - df + 0.5) / (df + 0.5)).
WHOOSH_BM25 = {
    "type": "scripted",
    "weight_script": {
        "source": ("double idf = Math.log(1.0 + (field.docCount - term.docFreq + 0.5) / (term.docFreq + 0.5));"
                   " return query.boost * idf;")
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


class ArabicOpenSearchBackend(PlanQueries, OpenSearchSearchBackend):
    def __init__(self, connection_alias, **options):
        options.setdefault("INDEX_NAME", "newsarchive")
        super().__init__(connection_alias, **options)
        self.shards = int(options.get("SHARDS", 2))
        self.replicas = int(options.get("REPLICAS", 1))
        self.stem_fields = self.token_fields = self.stored_text_fields = self.text_fields = set()

    # Index ---------------------------------------------------------------

    def index_settings(self):
        return {
            "number_of_shards": self.shards,
            "number_of_replicas": self.replicas,
            "similarity": {"whoosh_bm25": WHOOSH_BM25},
            "analysis": {
                "filter": {
                    "stop_placeholder": {"type": "stop", "stopwords": [STOP_PLACEHOLDER]},
                    "stacked_words": {"type": "pattern_capture", "preserve_original": False, "patterns": ["([^ ]+)"]},
                },
                "analyzer": {
                    "archive_words": {"type": "custom", "tokenizer": "whitespace"},
                    "archive_stems": {"type": "custom", "tokenizer": "whitespace", "filter": ["stop_placeholder"]},
                    # A query's words at one position: a word's stem readings, scored as one term (opensearch_plan.py).
                    READINGS_ANALYZER: {"type": "custom", "tokenizer": "keyword", "filter": ["stacked_words"]},
                },
            },
        }

    def build_schema(self, fields):
        """(content field name, mapping properties) for haystack's fields.

        Text fields the archive analyses (``ArabicTextField`` on Whoosh) get a
        stem companion; fields Whoosh analyses otherwise (n-grams, a field's
        own analyzer) receive the tokens of Whoosh's own analyzer. The
        content fields' terms can be aggregated (``fielddata``, loaded only
        when a prefix or a near word asks: opensearch_stats.py).
        """
        content_field_name, schema = whoosh_schema(fields)
        properties = {
            ID: {"type": "keyword"},
            DJANGO_CT: {"type": "keyword"},
            # Sorted numerically to break score ties in a stable order.
            DJANGO_ID: {"type": "keyword", "fields": {"number": {"type": "long", "ignore_malformed": True}}},
            STORED: {"type": "object", "enabled": False},
        }
        self.stem_fields, self.token_fields, self.stored_text_fields = set(), set(), set()
        for field_class in fields.values():
            name = field_class.index_fieldname
            whoosh_field = schema[name]
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
            elif isinstance(whoosh_field, ArabicTextField):
                aggregated = name == content_field_name
                properties[name] = {"type": "text", "analyzer": "archive_words", "similarity": "whoosh_bm25",
                                    "norms": True, "fielddata": aggregated}
                properties[name + STEM_SUFFIX] = {"type": "text", "analyzer": "archive_stems",
                                                  "similarity": "whoosh_bm25", "fielddata": aggregated}
                self.stem_fields.add(name)
            else:
                # Whole tokens (n-grams may hold spaces), each a term.
                properties[name] = {"type": "keyword", "similarity": "whoosh_bm25"}
                self.token_fields.add(name)
            if field_class.stored and name in self.stem_fields | self.token_fields:
                self.stored_text_fields.add(name)
        self.text_fields = self.stem_fields | self.token_fields
        self.whoosh_schema = schema
        return content_field_name, properties

    def setup(self):
        from haystack import connections

        unified_index = connections[self.connection_alias].get_unified_index()
        self.content_field_name, properties = self.build_schema(unified_index.all_searchfields())
        # haystack's query strings are parsed as on Whoosh, then translated (opensearch_generic.py).
        self.parser = query_parser(self.whoosh_schema, self.content_field_name)
        if not self.conn.indices.exists(index=self.index_name):
            self.conn.indices.create(
                index=self.index_name,
                body={"settings": {"index": self.index_settings()}, "mappings": {"properties": properties}},
                ignore=[400],  # created meanwhile by another process
            )
        else:
            # An index made by an earlier release: add what it lacks (new fields, fielddata).
            self.conn.indices.put_mapping(index=self.index_name, body={"properties": properties}, ignore=[400])
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
            doc, stored = {}, {}
            for key, value in prepared.items():
                if key in self.stem_fields:
                    words = surface_words(force_str(value or ""))
                    doc[key] = " ".join(words)
                    doc[key + STEM_SUFFIX] = " ".join(
                        STOP_PLACEHOLDER if is_stopword(word) else stem(word) for word in words
                    )
                elif key in self.token_fields:
                    doc[key] = list(self.whoosh_schema[key].process_text(force_str(value or ""), mode="index"))
                elif isinstance(value, datetime):
                    doc[key] = value.replace(tzinfo=None).isoformat()
                elif isinstance(value, date):
                    doc[key] = value.isoformat()
                else:
                    doc[key] = value
                if key in self.stored_text_fields and value is not None:
                    stored[key] = force_str(value)  # the indexed words are normalised
            if stored:
                doc[STORED] = stored
            documents.append(doc)
        return documents

    def write_documents(self, documents):
        actions = ({"_index": self.index_name, "_id": doc[ID], "_source": doc} for doc in documents)
        bulk(self.conn, actions, chunk_size=BULK_CHUNK, max_retries=3, request_timeout=120)

    def refresh(self):
        self.conn.indices.refresh(index=self.index_name)
        forget(self.index_name)  # the term statistics of the index have changed

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
        forget(self.index_name)

    def delete_index(self):
        self.conn.indices.delete(index=self.index_name, ignore=[404])
        forget(self.index_name)
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
        # As on Whoosh, so haystack's query strings read the same on both engines:
        # ArabicSearchQuery builds filters with datetimes.
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime(value.year, value.month, value.day)
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        return WhooshSearchBackend._from_python(self, value)

    # Statistics (story grouping reads them as it would a Whoosh searcher) --

    def searcher(self):
        self._ensure_setup()
        return TermStatistics(self)

    def stats(self):
        """The index's term statistics for expansion.py and prefixes.py (opensearch_stats.py)."""
        self._ensure_setup()
        return cluster_stats(self)

    # Queries ---------------------------------------------------------------

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
        self._ensure_setup()
        if not isinstance(query_string, SearchPlan):
            return generic_search(self, query_string, sort_by=sort_by, start_offset=start_offset,
                                  end_offset=end_offset, highlight=highlight, facets=facets, date_facets=date_facets,
                                  result_class=result_class, **kwargs)
        for unsupported in ("narrow_queries", "query_facets", "within", "dwithin", "distance_point"):
            if kwargs.get(unsupported):
                raise SearchBackendError(f"The archive's search does not take {unsupported}.")
        plan = query_string
        start_offset = start_offset or 0
        end_offset = end_offset if end_offset is not None else start_offset + 20
        end_offset = max(end_offset, start_offset + 1)
        empty = {"results": [], "hits": 0, "facets": {}, "fallback": False, "spelling_suggestion": None}
        if plan.parsed is not None and plan.parsed.is_empty:
            return empty
        parsed, expansions, narrowed = self._bound(plan)
        scored, complete, written, field_filters = self._parts(plan, parsed, expansions)
        ranked = plan.parsed is not None and not sort_by
        every_filter = list(field_filters.values())
        aggregations = {}
        if complete is not None:
            aggregations["complete"] = {"filter": _bool(filter=[complete] + every_filter)}
        if written is not None:
            aggregations["written"] = {"filter": _bool(filter=[written] + every_filter)}
        for name in facets or ():
            others = [q for other, q in field_filters.items() if other != name]
            aggregations[f"facet_{name}"] = {
                "filter": _bool(filter=others) or {"match_all": {}},
                "aggs": {"values": {"terms": {"field": name, "size": FACET_SIZE}}},
            }
            if written is not None:
                aggregations[f"written_{name}"] = {
                    "filter": _bool(filter=[written] + others),
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
        aggs = raw.get("aggregations", {})
        complete_count = aggs["complete"]["doc_count"] if complete is not None else total
        fallback = complete is not None and complete_count == 0 and total > 0
        terms = HighlightTerms.from_query(parsed, expansions) if parsed is not None else HighlightTerms()
        facet_counts = {name: _value_counts(aggs[f"facet_{name}"]["values"]["buckets"]) for name in facets or ()}
        return {
            "results": self._results(hits, result_class, highlight, terms),
            "hits": total,
            "facets": {
                "fields": facet_counts,
                "dates": {name: _histogram(aggs[f"dates_{name}"]["days"]["buckets"]) for name in date_facets or ()},
                "queries": {},
            },
            "fallback": fallback,
            "spelling_suggestion": None,
            "narrowed": narrowed,
            "expansions": expansions,
            "hits_as_written": aggs["written"]["doc_count"] if written is not None else total,
            "facets_as_written": {
                name: dict(_value_counts(aggs[f"written_{name}"]["values"]["buckets"]) if written is not None
                           else facet_counts[name])
                for name in facets or ()
            },
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
        parsed, expansions, _ = self._bound(plan)
        scored, complete, _, field_filters = self._parts(plan, parsed, expansions)
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
        """Haystack's more-like-this; for articles, answered by ``related.related_articles``, as on Whoosh."""
        self._ensure_setup()
        if model_instance._meta.label != "articles.Article" or additional_query_string not in (None, "", "*"):
            return generic_more_like_this(self, model_instance, additional_query_string, start_offset, end_offset,
                                          models, limit_to_registered_models, result_class)
        from articles.search.related import related_results

        return related_results(model_instance, start_offset, end_offset, result_class)


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

