"""Sets of matching document numbers, read straight from the posting lists.

Counting results (and facets) needs every matching document, not only the
top ones. Whoosh gets them by stepping a matcher tree one document at a time
in Python; for a few common words over tens of thousands of articles that
takes longer than the ranked search itself. Here a term's postings are read
whole from their bytes (``read_postings``) and combined with set operations,
which run in C.
"""

import pickle
import zlib

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermsReader
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.system import _INT_SIZE, unpack_int

# How a block's data pickle starts: protocol 2 (Whoosh's) or 3 (the archive
# codec's); ids and weights are the same opcodes in both.
_BLOCK_DATA_STARTS = (b"\x80\x02", b"\x80\x03")
# A block's data pickle is (ids, weights, values) then TUPLE3 and STOP. Its
# values (positions) are a tuple of bytes, which protocol 2 writes as calls
# of _codecs.encode: a MARK and that GLOBAL open it. The bytes cannot occur
# earlier: ids and weights are opcodes of ints and floats at most 9 bytes apart.
# (Protocol 3 writes bytes as themselves, quick to unpickle whole.)
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


# Document frequencies counted per segment, by (index folder, segment, field,
# term). A segment never changes once written (deletions are kept beside it),
# so its counts hold for every later searcher that has it: after an import
# commits, a word is looked up in the new segments only. Query-word expansion
# asks for a hundred or more frequencies per search, and each is a hash-table
# read per segment.
_SEGMENT_FREQUENCIES = {}
SEGMENT_FREQUENCIES_MAX = 2_000_000


def doc_frequency(searcher, fieldname, text):
    """How many documents of ``searcher`` have ``text`` in ``fieldname`` (deleted ones included, as
    Whoosh counts), from the per-segment counts where they are known."""
    if not hasattr(searcher, "leaf_searchers"):
        return searcher.doc_frequency(fieldname, text)
    total = 0
    for leaf, _ in searcher.leaf_searchers():
        reader = leaf.reader()
        segment_id = getattr(reader, "_segid", None)
        if segment_id is None:
            total += reader.doc_frequency(fieldname, text)
            continue
        storage = reader._storage
        storage = getattr(storage, "b", storage)  # a compound segment's overlay: the index's own storage
        key = (getattr(storage, "folder", None) or id(storage), segment_id, fieldname, text)
        found = _SEGMENT_FREQUENCIES.get(key)
        if found is None:
            if len(_SEGMENT_FREQUENCIES) >= SEGMENT_FREQUENCIES_MAX:
                _SEGMENT_FREQUENCIES.clear()
            found = _SEGMENT_FREQUENCIES[key] = reader.doc_frequency(fieldname, text)
        total += found
    return total


def _block_postings(terms, terminfo):
    """(docnums, frequencies) of one W3 term, decoded from its posting blocks in one pass.

    Whoosh's matcher reads a block (128 postings) through a dozen Python
    calls, unpickles every posting's positions and decodes its ids one
    generator step at a time; a word in half of 300,000 articles has 1,200
    blocks per field. Each block is a length, a pickled info tuple (count,
    last id, max weight, compression, min and max length bytes) and a
    pickled (id deltas from the block's start, weights, values) tuple, the
    data zlib-compressed when the info says so (Whoosh's default codec; the
    archive's writes none). The info is read with ``pickle.loads``, and its
    length is that of its own pickle, as Whoosh wrote it; where that does
    not hold, None (the caller reads through the matcher).
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
    blocks = []  # (count, data offset in buffer or the data itself when compressed)
    while at < len(buffer):
        block_length = unpack_int(buffer[at:at + _INT_SIZE])[0]
        at += _INT_SIZE
        end = at + abs(block_length)
        info = pickle.loads(view[at:end])
        if not isinstance(info, tuple) or len(info) != 6:
            return None
        at += len(pickle.dumps(info, 2))
        count, compression = info[0], info[3]
        place = zlib.decompress(view[at:end]) if compression else (at, end)
        if (place[:2] if compression else buffer[at:at + 2]) not in _BLOCK_DATA_STARTS:
            return None
        blocks.append((count, place))
        at = end
        if block_length < 0:
            break
    found = _read_in_place(buffer, blocks)
    if found is None:
        found = _unpickled_blocks(buffer, blocks)
    deltas, weights, counts = found
    # Each block's first delta is its first id: add up within blocks only.
    ids = np.cumsum(deltas)
    starts = np.cumsum(counts) - counts
    ids -= np.repeat(np.where(starts > 0, ids[starts - 1], 0), counts)
    return ids.astype(np.int32), weights


# Pickle opcodes of a block's data (protocols 2 and 3).
_MARK, _TUPLE, _BINPUT, _LONG_BINPUT, _NONE = 0x28, 0x74, 0x71, 0x72, 0x4E
_BININT1, _BININT2, _BININT, _BINFLOAT = 0x4B, 0x4D, 0x4A, 0x47
_FLOAT_BYTES = np.arange(1, 9)


def _read_in_place(buffer, blocks):
    """(id deltas, weights, counts) of blocks read as arrays from the pickles' bytes where they are
    of the usual shape (``_block_layout``), through ``pickle.loads`` where not; None when the ids
    of a usual block turn out not to be small deltas.

    Each block is located in Python (a dozen byte reads); the ids and weights
    of all of them are gathered and checked at once.
    """
    layouts = [_block_layout(buffer, count, place) for count, place in blocks]
    counts = np.array([count for count, _ in blocks])
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    deltas = np.empty(total, dtype=np.int64)
    weights = np.ones(total, dtype=np.float32)
    usual = np.array([layout is not None for layout in layouts])
    data = np.frombuffer(buffer, dtype=np.uint8)
    if usual.any():
        # Opcode byte of every id after each usual block's first.
        rest_counts = counts[usual] - 1
        ops = np.repeat([layout[1] for layout in layouts if layout], rest_counts) + 2 * _within(rest_counts)
        if not (data[ops] == _BININT1).all():
            return None
        deltas[starts[usual]] = [layout[0] for layout in layouts if layout]
        rest = np.zeros(total, dtype=bool)
        rest[np.repeat(usual, counts)] = True
        rest[starts] = False
        deltas[rest] = data[ops + 1]
        tuples = np.array([bool(layout) and layout[2] == -1 for layout in layouts])
        if tuples.any():
            tuple_counts = counts[tuples]
            ops = np.repeat([layout[3] for layout in layouts if layout and layout[2] == -1], tuple_counts) \
                + 9 * _within(tuple_counts)
            if not (data[ops] == _BINFLOAT).all():
                return None
            weights[np.repeat(tuples, counts)] = data[ops[:, None] + _FLOAT_BYTES].copy().view(">f8").ravel()
    for block, layout in enumerate(layouts):
        where = slice(starts[block], starts[block] + counts[block])
        if layout is None:
            deltas[where], weights[where], _ = _unpickled_blocks(buffer, blocks[block:block + 1])
        elif layout[2] not in (None, -1):
            weights[where] = layout[2]
    return deltas, weights, counts


def _within(counts):
    """0, 1, ... counts[0] - 1, 0, 1, ... counts[1] - 1, ...: each item's place in its block."""
    return np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)


def _block_layout(buffer, count, place):
    """(first id, offset of the second id's opcode, weights, offset of the first weight's opcode) of
    a block of the usual shape, else None. ``weights`` is None (all 1), a float (all the same) or
    -1 (a tuple of floats).

    The usual block of a word: PROTO, MARK, an id of any size, the other ids
    as deltas under 256 (BININT1, two bytes each; checked by the caller),
    TUPLE and a memo put; then weights as None, one float (BINFLOAT), or
    MARK, floats (nine bytes each) and TUPLE.
    """
    if count < 4 or not isinstance(place, tuple):  # up to 3 ids are pickled without MARK
        return None
    at, end = place
    if buffer[at + 2] != _MARK:
        return None
    op = buffer[at + 3]
    if op == _BININT1:
        first, at = buffer[at + 4], at + 5
    elif op == _BININT2:
        first, at = int.from_bytes(buffer[at + 4:at + 6], "little"), at + 6
    elif op == _BININT:
        first, at = int.from_bytes(buffer[at + 4:at + 8], "little", signed=True), at + 8
    else:
        return None
    rest_start = at
    at += 2 * (count - 1)
    if at + 12 > end or buffer[at] != _TUPLE:
        return None
    memo = buffer[at + 1]
    at += 3 if memo == _BINPUT else 6 if memo == _LONG_BINPUT else end
    op = buffer[at] if at < end else None
    if op == _NONE:
        return first, rest_start, None, None
    if op == _BINFLOAT:
        return first, rest_start, float(np.frombuffer(buffer, dtype=">f8", count=1, offset=at + 1)[0]), None
    if op == _MARK and at + 1 + 9 * count < end and buffer[at + 1 + 9 * count] == _TUPLE:
        return first, rest_start, -1, at + 1
    return None


def _unpickled_blocks(buffer, blocks):
    """(id deltas, weights, counts) of blocks through ``pickle.loads``, their values left out when it can.

    Protocol 2 (Whoosh's) pickles each position list's bytes through a
    ``_codecs.encode`` call, 90% of a block's unpickling.
    """
    deltas, weights = [], []
    for count, place in blocks:
        data = buffer[place[0]:place[1]] if isinstance(place, tuple) else place
        values = data.find(_VALUES_START)
        ids, block_weights = pickle.loads(data[:values] + _NO_VALUES if values > 0 else data)[:2]
        if block_weights is None:
            block_weights = np.ones(count, dtype=np.float32)
        elif isinstance(block_weights, float):
            block_weights = np.full(count, block_weights, dtype=np.float32)
        deltas.append(np.asarray(ids, dtype=np.int64))
        weights.append(np.asarray(block_weights, dtype=np.float32))
    return np.concatenate(deltas), np.concatenate(weights), np.array([count for count, _ in blocks])


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
