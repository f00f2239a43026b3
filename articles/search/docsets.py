"""Sets of matching document numbers, read straight from the posting lists.

Counting results (and facets) needs every matching document, not only the
top ones. Whoosh gets them by stepping a matcher tree one document at a time
in Python; for a few common words over tens of thousands of articles that
takes longer than the ranked search itself. Here term postings are read a
block at a time and combined with set operations, which run in C.
"""

import numpy as np
from whoosh import query as wq
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound


def read_postings(searcher, fieldname, text):
    """Per segment holding the term: (global docnums, term frequencies, deleted global docnums).

    Whoosh 2.7's W3LeafMatcher keeps a block's ids and weights in
    ``_ids``/``_weights``; reading them a block at a time, not a document at
    a time, is the point (Whoosh is pinned at 2.7.4). The one place that
    reads postings this way: document sets here, ranking in ranking.py.
    """
    for leaf, offset in searcher.leaf_searchers():
        try:
            matcher = leaf.reader().postings(fieldname, text)
        except TermNotFound:
            continue
        deleted = frozenset()
        if isinstance(matcher, FilterMatcher):
            deleted, matcher = matcher._ids, matcher.child
        ids, freqs = [], []
        while not matcher._atend:
            matcher._read_ids()
            matcher._read_weights()
            ids.append(np.asarray(matcher._ids, dtype=np.int32))
            freqs.append(np.asarray(matcher._weights, dtype=np.float32))
            matcher._next_block()
        if ids:
            yield np.concatenate(ids) + offset, np.concatenate(freqs), {docnum + offset for docnum in deleted}


def term_docs(searcher, fieldname, text):
    docs = set()
    for ids, _, deleted in read_postings(searcher, fieldname, text):
        docs.update(ids.tolist())
        docs -= deleted
    return docs


def all_docs(searcher):
    return set(searcher.reader().all_doc_ids())


def query_docs(searcher, query):
    """Document numbers matching ``query``, deleted documents excluded."""
    if isinstance(query, wq.Term):
        return term_docs(searcher, query.fieldname, query.text)
    if isinstance(query, (wq.Or, wq.DisjunctionMax)):
        docs = set()
        for sub in query.subqueries:
            docs |= query_docs(searcher, sub)
        return docs
    if isinstance(query, wq.And):
        subs = sorted((query_docs(searcher, sub) for sub in query.subqueries), key=len)
        docs = subs[0]
        for other in subs[1:]:
            docs &= other
        return docs
    if isinstance(query, wq.AndNot):
        return query_docs(searcher, query.a) - query_docs(searcher, query.b)
    if isinstance(query, wq.Not):
        return all_docs(searcher) - query_docs(searcher, query.query)
    if isinstance(query, wq.Every):
        return all_docs(searcher)
    return set(searcher.docs_for_query(query))
