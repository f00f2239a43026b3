"""Sets of matching document numbers, read straight from the posting lists.

Counting results (and facets) needs every matching document, not only the
top ones. Whoosh gets them by stepping a matcher tree one document at a time
in Python; for a few common words over tens of thousands of articles that
takes longer than the ranked search itself. Here term postings are read a
block at a time and combined with set operations, which run in C.
"""

import pickle
import zlib
from itertools import chain

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermsReader
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.system import _INT_SIZE, unpack_int

_PICKLE_2 = b"\x80\x02"  # how a protocol-2 pickle starts
# A block's data pickle is (ids, weights, values) then TUPLE3 and STOP. Its
# values (positions) are a tuple of bytes, which protocol 2 writes as calls
# of _codecs.encode: a MARK and that GLOBAL open it. The bytes cannot occur
# earlier: ids and weights are opcodes of ints and floats at most 9 bytes apart.
_VALUES_START = b"(c_codecs\nencode\n"
_NO_VALUES = b"N\x87."  # None as the values, TUPLE3, STOP


def read_postings(searcher, fieldname, text):
    """Per segment holding the term: (global docnums, term frequencies, deleted global docnums).

    A posting list is read whole, straight from its bytes (``_block_postings``);
    segments Whoosh's W3 codec did not write go through Whoosh's matcher a
    block at a time. The one place that reads postings: document sets here,
    ranking in ranking.py.
    """
    btext = text.encode("utf-8") if isinstance(text, str) else text
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        terms = getattr(reader, "_terms", None)
        if isinstance(terms, W3TermsReader) and fieldname in reader.schema:
            try:
                found = _block_postings(terms, terms.term_info(fieldname, btext))
            except TermNotFound:
                continue
            deleted = frozenset(reader._perdoc.deleted_docs()) if reader.has_deletions() else frozenset()
        else:
            found = None
        if found is None:
            found, deleted = _matcher_postings(reader, fieldname, text)
        if found is not None and len(found[0]):
            ids, freqs = found
            yield ids + offset, freqs, {docnum + offset for docnum in deleted}


def _block_postings(terms, terminfo):
    """(docnums, frequencies) of one W3 term, decoded from its posting blocks in one pass.

    Whoosh's matcher reads a block (128 postings) through a dozen Python
    calls and decodes its ids one generator step at a time; a word in half of
    300,000 articles has 1,200 blocks per field. Each block is a length, a
    pickled info tuple (count, last id, max weight, compression, min and max
    length bytes) and a pickled (id deltas from the block's start, weights,
    values) tuple, the data zlib-compressed when the info says so (Whoosh's
    default codec; the archive's writes none). The values are left out. The info is read with
    ``pickle.loads`` and its length is that of its own pickle, as Whoosh wrote
    it; where that does not hold, None (the caller reads through the matcher).
    """
    if terminfo.is_inlined():
        ids, weights, _ = terminfo.inlined_postings()
        return np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float32)
    position, length = terminfo.extent()
    if isinstance(length, tuple):  # Whoosh 2.7 reads it back as struct.unpack's 1-tuple
        length = length[0]
    buffer = terms._postfile.get(position, length)
    if buffer[:len(WHOOSH3_HEADER_MAGIC)] != WHOOSH3_HEADER_MAGIC:
        return None
    view = memoryview(buffer)
    at = len(WHOOSH3_HEADER_MAGIC)
    deltas, weights, counts = [], [], []
    while at < len(buffer):
        block_length = unpack_int(buffer[at:at + _INT_SIZE])[0]
        at += _INT_SIZE
        end = at + abs(block_length)
        info = pickle.loads(view[at:end])
        if not isinstance(info, tuple) or len(info) != 6:
            return None
        at += len(pickle.dumps(info, 2))
        count, compression = info[0], info[3]
        data = zlib.decompress(view[at:end]) if compression else buffer[at:end]
        if data[:2] != _PICKLE_2:
            return None
        values = data.find(_VALUES_START)
        # Ids and weights only: Python 3 pickles each position list's bytes
        # through a ``_codecs.encode`` call, 90% of the block's unpickling.
        data = pickle.loads(data[:values] + _NO_VALUES if values > 0 else data)
        deltas.append(data[0])
        block_weights = data[1]
        if block_weights is None:
            block_weights = (1.0,) * count
        elif isinstance(block_weights, float):
            block_weights = (block_weights,) * count
        weights.append(block_weights)
        counts.append(count)
        at = end
        if block_length < 0:
            break
    total = sum(counts)
    # Each block's first delta is its first id: add up within blocks only.
    ids = np.cumsum(np.fromiter(chain.from_iterable(deltas), dtype=np.int64, count=total))
    counts = np.array(counts)
    starts = np.cumsum(counts) - counts
    ids -= np.repeat(np.where(starts > 0, ids[starts - 1], 0), counts)
    return ids.astype(np.int32), np.fromiter(chain.from_iterable(weights), dtype=np.float32, count=total)


def _matcher_postings(reader, fieldname, text):
    """((docnums, frequencies), deleted docnums) through Whoosh's matcher, a block at a time."""
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return None, frozenset()
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
    if not ids:
        return None, deleted
    return (np.concatenate(ids), np.concatenate(freqs)), deleted


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
