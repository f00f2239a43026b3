"""Word proximity: query words that stand together in an article count for more.

The sequential dependence model (Metzler and Croft, A Markov random field
model for term dependencies, SIGIR 2005) scores, beside each query word,
each pair of adjacent query words twice: as an ordered window (the two words
in the query's order, next to each other) and as an unordered window (both
within a few words of each other). Here each window count is scored like a
term, with BM25's saturation and the article's length normalisation, and
added to the bag-of-words score with a small weight, as BM25 proximity
models do (Büttcher, Clarke and Lushman, Term proximity scoring for ad-hoc
retrieval, SIGIR 2006).

Positions are read only for the first ``DEPTH`` articles of the
bag-of-words ranking (from the stem field, where stop words left gaps at
their surface positions), so the cost does not grow with the archive.
"""

import numpy as np
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

from articles.search.analysis import STEM_SUFFIX
from articles.text import is_stopword, stem_readings

# How many of the first bag-of-words results are re-scored.
DEPTH = 100
# Ordered window: the second word at most this many positions after the
# first (2 lets one stop word, which the stem field leaves out, stand between).
ORDERED_GAP = 2
# Unordered window of the model: both words within this many positions.
UNORDERED_WINDOW = 8
# Weight of each window against a query word's own match (Metzler and Croft's
# 0.85 / 0.1 / 0.05 mixture, as a share of a word's score).
ORDERED_WEIGHT = 0.1
UNORDERED_WEIGHT = 0.05


def sequence_entry(stats, fieldname, group):
    """(stem terms, idf) of a group that is one content word, for proximity; None otherwise."""
    if len(group) != 1 or group[0].kind != "word" or is_stopword(group[0].words[0]):
        return None
    stem_field = fieldname + STEM_SUFFIX
    readings = tuple(r for r in stem_readings(group[0].words[0]) if stats.searcher.doc_frequency(stem_field, r))
    if not readings:
        return None
    return readings, stats.searcher.idf(stem_field, readings[0])


def term_positions(searcher, fieldname, texts, docnums):
    """{docnum: sorted positions of any of ``texts``} in ``fieldname``, for the ascending ``docnums``."""
    found = {}
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        end = offset + reader.doc_count_all()
        local = [d - offset for d in docnums if offset <= d < end]
        if not local:
            continue
        for text in texts:
            try:
                matcher = reader.postings(fieldname, text)
            except TermNotFound:
                continue
            if isinstance(matcher, FilterMatcher):
                matcher = matcher.child  # deleted documents are not among ``docnums``
            for docnum in local:
                if not matcher.is_active():
                    break
                matcher.skip_to(docnum)
                if matcher.is_active() and matcher.id() == docnum:
                    found.setdefault(docnum + offset, []).extend(matcher.value_as("positions"))
    return {docnum: np.unique(np.array(positions, dtype=np.int64)) for docnum, positions in found.items()}


def window_counts(first, second):
    """(ordered, unordered) window matches of two words given their sorted positions.

    Ordered: occurrences of ``first`` followed within ``ORDERED_GAP`` by ``second``;
    unordered: occurrences of ``first`` with ``second`` fewer than
    ``UNORDERED_WINDOW`` positions away on either side.
    """
    after = np.searchsorted(second, first, side="right")
    has_after = after < len(second)
    gap_after = np.where(has_after, second[np.minimum(after, len(second) - 1)] - first, 1 << 30)
    before = after - 1
    gap_before = np.where(before >= 0, first - second[np.maximum(before, 0)], 1 << 30)
    ordered = int(np.count_nonzero(gap_after <= ORDERED_GAP))
    unordered = int(np.count_nonzero(np.minimum(gap_after, gap_before) < UNORDERED_WINDOW))
    return ordered, unordered


def proximity_scores(stats, fieldname, sequence, docnums, k1):
    """The window bonus of each of ``docnums`` (ascending) for adjacent words of ``sequence``.

    ``sequence`` is the query's words in order, each (stem-field terms, idf)
    or None where something that is not a single word breaks the chain.
    """
    bonus = np.zeros(len(docnums))
    pairs = [(a, b) for a, b in zip(sequence, sequence[1:]) if a is not None and b is not None]
    if not pairs or not len(docnums):
        return bonus
    docnums = [int(d) for d in docnums]
    searcher = stats.searcher
    positions = {}
    for entry in {entry for pair in pairs for entry in pair}:
        positions[entry] = term_positions(searcher, fieldname, entry[0], docnums)
    norms = stats.norms(fieldname)[docnums]
    for a, b in pairs:
        idf = (a[1] + b[1]) / 2
        ordered = np.zeros(len(docnums))
        unordered = np.zeros(len(docnums))
        first_positions, second_positions = positions[a], positions[b]
        for i, docnum in enumerate(docnums):
            first, second = first_positions.get(docnum), second_positions.get(docnum)
            if first is not None and second is not None:
                ordered[i], unordered[i] = window_counts(first, second)
        for weight, counts in ((ORDERED_WEIGHT, ordered), (UNORDERED_WEIGHT, unordered)):
            bonus += weight * idf * (k1 + 1) * counts / (counts + norms)
    return bonus
