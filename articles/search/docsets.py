"""Sets of matching document numbers, read straight from the posting lists.

Counting results (and facets) needs every matching document, not only the
top ones. Whoosh gets them by stepping a matcher tree one document at a time
in Python; for a few common words over tens of thousands of articles that
takes longer than the ranked search itself. Here term postings are read a
block at a time and combined with set operations, which run in C.
"""

from whoosh import query as wq
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound


def _leaf_ids(matcher):
    # Whoosh 2.7's W3LeafMatcher keeps each block's ids in ``_ids``; reading
    # them whole is the point of this module (Whoosh is pinned at 2.7.4).
    if not hasattr(matcher, "_read_ids"):
        return list(matcher.all_ids())
    ids = []
    while not matcher._atend:
        matcher._read_ids()
        ids.extend(matcher._ids)
        matcher._next_block()
    return ids


def term_docs(searcher, fieldname, text):
    docs = set()
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        try:
            matcher = reader.postings(fieldname, text)
        except TermNotFound:
            continue
        deleted = frozenset()
        if isinstance(matcher, FilterMatcher):
            deleted, matcher = matcher._ids, matcher.child
        ids = _leaf_ids(matcher)
        if offset:
            ids = [docnum + offset for docnum in ids]
        docs.update(ids)
        if deleted:
            docs.difference_update(docnum + offset for docnum in deleted)
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
