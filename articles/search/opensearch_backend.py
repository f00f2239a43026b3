"""The haystack engine for an OpenSearch 2.x cluster, with the same answers as the Whoosh one.

Built on django-haystack-opensearch (opensearch-py), subclassed:
- The index, its mapping and every write: ``opensearch_index.py`` (Arabic
  analysis stays in Python; ranking.py's BM25 with Lucene's idf as a scripted
  similarity).
- Searches run as ``dfs_query_then_fetch``, so a score does not depend on
  which shard holds an article.
- ``ArabicSearchQuery`` builds the same ``SearchPlan`` for both engines; here
  its parsed words become bool queries (``opensearch_plan.py``: query.py's
  clauses, all-words matches first in short searches), its filters bool filters,
  facets terms aggregations that leave a field's own filter out, the
  histogram a date_histogram folded by ``ranking.day_histogram``.
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

from datetime import date, datetime

import numpy as np
from django_haystack_opensearch.haystack import OpenSearchSearchBackend
from haystack.backends import BaseEngine, log_query
from haystack.backends.whoosh_backend import WhooshSearchBackend
from haystack.constants import DJANGO_CT, DJANGO_ID
from haystack.exceptions import SearchBackendError

from articles.search.analysis import STEM_SUFFIX
from articles.search.backend import ArabicSearchQuery, SearchPlan, attach_objects, indexed_texts
from articles.search.highlight import HighlightTerms
from articles.search.opensearch_generic import (
    READ_PREFERENCE, SCORE_TIEBREAK, generic_more_like_this, generic_search, sort_clause,
)
from articles.search.opensearch_index import IndexWrites
from articles.search.opensearch_plan import PlanQueries, _bool
from articles.search.opensearch_stats import TermStatistics, cluster_stats
from articles.search.query import content_groups
from articles.search.ranking import all_words_first, day_histogram
from articles.search.rescoring import RESCORE_DEPTH, rescore_hits, search_words

PAGE_SIZE_FOR_EXPORTS = 5000
FACET_SIZE = 10_000


class ArabicOpenSearchBackend(IndexWrites, PlanQueries, OpenSearchSearchBackend):
    def __init__(self, connection_alias, **options):
        options.setdefault("INDEX_NAME", "newsarchive")
        super().__init__(connection_alias, **options)
        self.shards = int(options.get("SHARDS", 2))
        self.replicas = int(options.get("REPLICAS", 1))
        self.stem_fields = self.token_fields = self.stored_text_fields = self.text_fields = set()

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

    def _search(self, body, scored):
        """One search on this process's copies of the shards; ``scored`` ones with the whole index's statistics."""
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
            "sort": sort_clause(self, sort_by),
            "from": start_offset,
            "size": end_offset - start_offset,
        }
        if every_filter:
            body["post_filter"] = _bool(filter=every_filter)
        if aggregations:
            body["aggs"] = aggregations
        rescore = ranked and _rescored(parsed) and start_offset < RESCORE_DEPTH
        if ranked and _all_words_first(parsed, complete):
            raw, hits = self._complete_first(body, complete, start_offset, end_offset)
        elif rescore:
            # The page is cut from the re-scored first hits (rescoring.py).
            body.update({"from": 0, "size": max(end_offset, RESCORE_DEPTH)})
            body["_source"] = [DJANGO_CT, DJANGO_ID]
            raw = self._search(body, ranked)
            hits = self._rescore(parsed, raw["hits"]["hits"])[start_offset:end_offset]
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

    def _rescore(self, parsed, hits):
        """``hits`` with their first ``RESCORE_DEPTH`` in their re-scored order and scores."""
        head = hits[:RESCORE_DEPTH]
        keys = [(hit["_source"][DJANGO_CT], hit["_source"][DJANGO_ID]) for hit in head]
        order = self._rescored_order(parsed, keys, [hit["_score"] or 0.0 for hit in head])
        return [dict(head[i], _score=score) for i, score in order] + hits[RESCORE_DEPTH:]

    def _rescored_order(self, parsed, keys, scores):
        """[(position, new score)] of the first hits, ((model label, pk) ``keys``, BM25 ``scores``), re-scored."""
        return rescore_hits(search_words(content_groups(parsed)), list(enumerate(scores)),
                            lambda positions: indexed_texts(self.connection_alias, [keys[i] for i in positions]))

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

    def all_hits(self, plan, sort_by=None, ordered=None):
        """Every match of ``plan`` in page order, as (database pk, score): for exports and pages of
        stories (``ordered`` is the Whoosh engine's shortcut; every hit here is in order)."""
        self._ensure_setup()
        if plan.parsed is not None and plan.parsed.is_empty:
            return []
        parsed, expansions, _ = self._bound(plan)
        scored, complete, _, field_filters = self._parts(plan, parsed, expansions)
        every_filter = list(field_filters.values())
        ranked = plan.parsed is not None and not sort_by
        queries = [scored]
        if ranked and _all_words_first(parsed, complete):
            queries = [_bool(must=[scored], filter=[complete]), _bool(must=[scored], must_not=[complete])]
        found = []
        for query in queries:
            found.extend(self._every_hit(_bool(must=[query], filter=every_filter), sort_clause(self, sort_by), ranked))
        if ranked and _rescored(parsed) and found:
            from articles.models import Article  # every hit handed out here is an article's

            head = found[:RESCORE_DEPTH]
            order = self._rescored_order(parsed, [(Article._meta.label_lower, pk) for pk, _ in head],
                                         [score for _, score in head])
            found = [(head[i][0], score) for i, score in order] + found[RESCORE_DEPTH:]
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
        raw = self._search(body, scored=False)
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


def _all_words_first(parsed, complete):
    """Whether articles with every word rank first (``ranking.all_words_first``: short searches only)."""
    return complete is not None and all_words_first(len(content_groups(parsed)))


def _rescored(parsed):
    """Whether a search's first hits are re-scored (rescoring.py): searches ranked by BM25 alone."""
    return parsed is not None and not all_words_first(len(content_groups(parsed)))


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

