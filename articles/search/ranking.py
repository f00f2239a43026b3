"""Ranking a parsed query: BM25 over the surface and stem fields, all-words first.

Whoosh's matcher trees step through documents one at a time in Python and,
for a query of many words, skip almost nothing: a ten-word headline took a
quarter of a second to rank over 30,000 articles. Here each query word's
postings are read a block at a time and scored in one tight loop, which also
yields the exact number of matches and which words each article matched,
for "all words first" and for the count the page shows.

The score is Whoosh's (and Lucene's) BM25, k1 1.2, b 0.75, with Whoosh's
idf. Each word scores its light stem plus ``SURFACE_WEIGHT`` times its exact
normalised form, so an exact match outranks a stem match; phrases and
prefixes are scored by Whoosh (they need positions or term expansion).
"""

import heapq
from dataclasses import dataclass

from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

from articles.search.analysis import STEM_SUFFIX
from articles.search.query import clause_query
from articles.text import is_stopword, stem

K1 = 1.2
B = 0.75
# Chosen on bench/retrieval.py: the exact form adds half a stem match.
SURFACE_WEIGHT = 0.5


class FieldNorms:
    """Per-document BM25 length normalisation of a field, for one searcher."""

    def __init__(self, searcher, fieldname):
        avg = searcher.avg_field_length(fieldname) or 1.0
        self.values = [
            K1 * ((1 - B) + B * searcher.doc_field_length(docnum, fieldname, 0) / avg)
            for docnum in range(searcher.doc_count_all())
        ]


class SearcherStats:
    """What ranking needs of a searcher, computed once per searcher (index version)."""

    def __init__(self, searcher):
        self.searcher = searcher
        self._norms = {}

    def norms(self, fieldname):
        if fieldname not in self._norms:
            self._norms[fieldname] = FieldNorms(self.searcher, fieldname).values
        return self._norms[fieldname]


def term_postings(searcher, fieldname, text):
    """(global docnums, term frequencies) of one term, read a block at a time."""
    ids, freqs = [], []
    for leaf, offset in searcher.leaf_searchers():
        try:
            matcher = leaf.reader().postings(fieldname, text)
        except TermNotFound:
            continue
        deleted = frozenset()
        if isinstance(matcher, FilterMatcher):
            deleted, matcher = matcher._ids, matcher.child
        # Whoosh 2.7's W3LeafMatcher keeps a block's ids and weights in
        # _ids/_weights; reading them whole is the point (Whoosh is pinned).
        while not matcher._atend:
            matcher._read_ids()
            matcher._read_weights()
            if deleted or offset:
                for docnum, weight in zip(matcher._ids, matcher._weights):
                    if docnum not in deleted:
                        ids.append(docnum + offset)
                        freqs.append(weight)
            else:
                ids.extend(matcher._ids)
                freqs.extend(matcher._weights)
            matcher._next_block()
    return ids, freqs


@dataclass
class Ranking:
    hits: list  # (docnum, score), best first, at most ``limit``
    matched: set  # every matching docnum
    complete: int  # how many matched every group


def _word_terms(fieldname, word):
    if is_stopword(word):
        # Stop words are only in the surface field.
        return [(fieldname, word, 1.0)]
    return [(fieldname, word, SURFACE_WEIGHT), (fieldname + STEM_SUFFIX, stem(word), 1.0)]


def rank(stats, parsed, limit, allowed=None, fieldname="text", excluded_docs=frozenset(), content_groups=None):
    """Score every article matching any group of ``parsed``; the best ``limit`` first.

    Articles matching every group come before all others. ``allowed``
    restricts the candidates (filters); ``excluded_docs`` removes some.
    """
    searcher = stats.searcher
    groups = content_groups if content_groups is not None else parsed.groups
    scores = {}
    masks = {}
    for index, group in enumerate(groups):
        bit = 1 << index
        for clause in group:
            if clause.kind == "word":
                for field, text, weight in _word_terms(fieldname, clause.words[0]):
                    ids, freqs = term_postings(searcher, field, text)
                    if not ids:
                        continue
                    idf = searcher.idf(field, text) * weight
                    scale = idf * (K1 + 1)
                    norms = stats.norms(field)
                    get_score, get_mask = scores.get, masks.get
                    for docnum, tf in zip(ids, freqs):
                        scores[docnum] = get_score(docnum, 0.0) + scale * tf / (tf + norms[docnum])
                        masks[docnum] = get_mask(docnum, 0) | bit
            else:
                results = searcher.search(clause_query(fieldname, clause), limit=None)
                for score, docnum in results.top_n:
                    scores[docnum] = scores.get(docnum, 0.0) + score
                    masks[docnum] = masks.get(docnum, 0) | bit

    matched = scores.keys() - excluded_docs
    if allowed is not None:
        matched &= allowed
    full = (1 << len(groups)) - 1
    complete = [docnum for docnum in matched if masks[docnum] == full]
    hits = heapq.nlargest(limit, complete, key=lambda d: (scores[d], -d))
    if len(hits) < limit:
        complete_set = set(complete)
        partial = [docnum for docnum in matched if docnum not in complete_set]
        hits += heapq.nlargest(limit - len(hits), partial, key=lambda d: (scores[d], -d))
    return Ranking(hits=[(d, scores[d]) for d in hits], matched=set(matched), complete=len(complete))
