"""What the archive's query code reads of an index, answered by the OpenSearch cluster.

``expansion.py`` (other spellings, related forms, near words), ``prefixes.py``
(a prefix bound to its most frequent words) and ``suggestions.py`` read term
statistics of the index. On Whoosh they come from the searcher
(``ranking.SearcherStats``); here from the cluster, through the same
questions, so both engines expand and bound a query the same way:

- how many articles have a term (a count request) or each of many terms (one
  request with a filter aggregation per term: every term a query word may ask),
- how many have two words together, each given as one or more terms (one
  request with three filters),
- the most frequent terms of a field that start with, or contain, some
  letters: a terms aggregation over the field's terms (``fielddata`` on the
  text fields, loaded when first asked), restricted by a regular expression.

Statistics are kept per index for ``STATS_SECONDS`` at most, and dropped
whenever this process writes to the index: another process's import shows
in expansions within that time (an expansion found stale only searches a
word that has no match).
"""

import threading
import time

from haystack.constants import DJANGO_ID

from articles.search.opensearch_generic import READ_PREFERENCE, SCORE_TIEBREAK

STATS_SECONDS = 30.0
# Terms each shard considers before the most frequent are picked: enough for
# the counts of the top terms of a prefix to be exact on an archive's vocabulary.
SHARD_TERMS = 20_000
# Terms counted in one request, a filter each (a query word asks for a few dozen,
# a name's other spellings a few hundred at most).
FREQUENCY_BATCH = 1_000
# Terms containing a word's core looked at before the longer ones are left out.
NEAR_CANDIDATES = 1_000

_cache = {}
_lock = threading.Lock()


def forget(index_name):
    """Drop the statistics of an index this process has just written to."""
    with _lock:
        _cache.pop(index_name, None)


def cluster_stats(backend):
    """The ``ClusterStats`` of the backend's index, shared by this process's threads."""
    with _lock:
        stats = _cache.get(backend.index_name)
        if stats is None or time.monotonic() - stats.created > STATS_SECONDS:
            stats = _cache[backend.index_name] = ClusterStats(backend)
    return stats


def _regex_literal(text):
    """``text`` as a literal in Lucene's regular expression syntax."""
    return "".join(char if char.isalnum() else "\\" + char for char in text)


class TermStatistics:
    """The counts story grouping and suggestions read of an index, as they would a Whoosh searcher."""

    def __init__(self, backend):
        self.backend = backend

    def _params(self):
        return {"preference": READ_PREFERENCE}

    def doc_count(self):
        return self.backend.conn.count(index=self.backend.index_name, params=self._params())["count"]

    def doc_frequency(self, fieldname, text):
        body = {"query": {"term": {fieldname: text}}}
        return self.backend.conn.count(index=self.backend.index_name, body=body, params=self._params())["count"]

    def first_with(self, fieldname, text):
        """The database pk of an article whose ``fieldname`` has ``text``, or None."""
        body = {"query": {"term": {fieldname: text}}, "size": 1, "_source": [DJANGO_ID], "sort": [SCORE_TIEBREAK]}
        hits = self.backend._search(body, scored=False)["hits"]["hits"]
        return int(hits[0]["_source"][DJANGO_ID]) if hits else None


class ClusterStats:
    """``ranking.SearcherStats``'s face for expansion.py and prefixes.py, on the cluster."""

    def __init__(self, backend):
        self.backend = backend
        self.searcher = TermStatistics(backend)
        self.size = self.searcher.doc_count()
        self.memo = {}  # expansion.py's
        self._cache = {}  # prefixes.py's
        self.created = time.monotonic()

    def _search(self, body):
        return self.backend._search(body, scored=False)

    def co_occurrence(self, a, b):
        """(articles with ``a``, with ``b``, with both), each a word given as (field, [terms]):
        an article has it when it has any of the terms."""
        return self.co_occurrences([(a, b)])[0]

    def co_occurrences(self, pairs):
        """``co_occurrence`` of many pairs of words, in one request."""
        filters, words = [], []
        for (field_a, terms_a), (field_b, terms_b) in pairs:
            has_a, has_b = {"terms": {field_a: list(terms_a)}}, {"terms": {field_b: list(terms_b)}}
            filters += [has_a, has_b, {"bool": {"filter": [has_a, has_b]}}]
            words += [has_a, has_b]
        raw = self._search({
            "size": 0, "track_total_hits": False,
            "query": {"bool": {"should": words, "minimum_should_match": 1}},
            "aggs": {"counts": {"filters": {"filters": filters}}},
        })
        counts = [bucket["doc_count"] for bucket in raw["aggregations"]["counts"]["buckets"]]
        return [tuple(counts[i:i + 3]) for i in range(0, len(counts), 3)]

    def doc_frequencies(self, pairs):
        """{(field, term): articles with it} for many terms, one request per ``FREQUENCY_BATCH``:
        a filter per term, counted over the articles having any of them."""
        found = {}
        for start in range(0, len(pairs), FREQUENCY_BATCH):
            batch = pairs[start:start + FREQUENCY_BATCH]
            by_field = {}
            for field, term in batch:
                by_field.setdefault(field, []).append(term)
            raw = self._search({
                "size": 0, "track_total_hits": False,
                "query": {"bool": {"should": [{"terms": {field: terms}} for field, terms in by_field.items()],
                                   "minimum_should_match": 1}},
                "aggs": {"counts": {"filters": {"filters": [{"term": {field: term}} for field, term in batch]}}},
            })
            buckets = raw["aggregations"]["counts"]["buckets"]
            found.update((pair, bucket["doc_count"]) for pair, bucket in zip(batch, buckets))
        return found

    def _top_terms(self, fieldname, query, include, size):
        raw = self._search({
            "size": 0, "track_total_hits": False, "query": query,
            "aggs": {"terms": {"terms": {
                "field": fieldname, "include": include, "size": size, "shard_size": max(SHARD_TERMS, size),
                # As Whoosh's heap of (frequency, word): most frequent first, ties by the word, descending.
                "order": [{"_count": "desc"}, {"_key": "desc"}],
            }}},
        })
        return [(bucket["doc_count"], bucket["key"]) for bucket in raw["aggregations"]["terms"]["buckets"]]

    def most_frequent_with_prefix(self, fieldname, prefix, limit):
        """(the ``limit`` most frequent terms of ``fieldname`` starting with ``prefix``, whether there were more)."""
        found = self._top_terms(fieldname, {"prefix": {fieldname: prefix}}, _regex_literal(prefix) + ".*", limit + 1)
        return [term for _, term in found[:limit]], len(found) > limit

    def terms_containing(self, fieldname, core, extra_letters, limit):
        """[(articles, term)] of the ``limit`` most frequent terms of ``fieldname`` that contain
        ``core`` and are at most ``extra_letters`` longer."""
        include = f".{{0,{extra_letters}}}{_regex_literal(core)}.{{0,{extra_letters}}}"
        found = self._top_terms(fieldname, {"wildcard": {fieldname: f"*{core}*"}}, include, NEAR_CANDIDATES)
        return [(count, term) for count, term in found if len(term) <= len(core) + extra_letters][:limit]
