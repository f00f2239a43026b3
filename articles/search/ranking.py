"""Ranking a parsed query: BM25 over the surface and stem fields, all words first in short searches.

Whoosh's matcher trees step through documents one at a time in Python and,
for a query of many words, skip almost nothing: a ten-word headline took a
quarter of a second to rank over 30,000 articles. Here each query word's
postings are read a block at a time and scored in one tight loop, which also
yields the exact number of matches and which words each article matched,
for "all words first" and for the count the page shows.

The score is BM25, k1 1.2, b 0.75, with Lucene's idf, log(1 + (N - df +
0.5) / (df + 0.5)): a word in most articles adds almost nothing, where
Whoosh's idf, log(N / (df + 1)) + 1, gave it at least 1. Each word scores its
light stem plus ``SURFACE_WEIGHT`` times its exact normalised form, so an
exact match outranks a stem match. A word's stem readings (``stem_readings``:
وظيفة may be ظيفه or وظيفه in the index) are one term, their counts summed,
as Lucene scores synonyms (the cluster runs Lucene's SynonymQuery): an
article with both is not counted twice for one word, and the term's document
frequency is the largest of theirs. On bench/retrieval.py the two together
raised MRR@10 on the tuning halves (xquad_plus_news +0.4 points, xquad_ar +0.2) and on the held-out ones.
Phrases and prefixes are scored by Whoosh (they need positions or term
expansion).
"""

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import numpy as np

from articles.search.analysis import PK_COLUMN, STEM_SUFFIX
from articles.search.codec import fixed_column
from articles.search.docsets import read_postings
from articles.search.expansion import StemMatch
from articles.search.query import clause_query
from articles.search.rescoring import RESCORE_DEPTH, rescore_hits, search_words
from articles.text import is_stopword, stem_readings

K1 = 1.2
B = 0.75
# Chosen on bench/retrieval.py: the exact form adds half a stem match.
SURFACE_WEIGHT = 0.5
# A match through a related form, another spelling or a near word
# (expansion.py) counts this much of a match of the word as typed.
RELATED_WEIGHT = 0.5
SPELLING_WEIGHT = 0.8
# Each group is a bit in a per-document mask; more groups than this share the last bit.
MAX_GROUPS = 62
# Articles with every word come first for searches of up to this many words
# (groups): two keywords are mostly one name or one thing (عين الصقر، وزارة
# الخارجية), wanted together. A longer search, a question or a headline, is
# ranked by its BM25 score alone, as Lucene ranks it: its words are many ways
# of describing what is wanted, and the article that answers seldom has all of
# them, while a long article elsewhere often does. Chosen on bench/retrieval.py's
# tuning halves (MRR@10 tune / held-out): all words first in every search gave
# xquad_plus_news 0.826 / 0.846, snn_title2body 0.650 / 0.651, xquad_ar
# 0.926 / 0.931; up to two words 0.842 / 0.859, 0.656 / 0.658, 0.925 / 0.928.
# Up to three or four words lose on xquad_plus_news's tuning half (0.840,
# 0.831); no tier at all ties on the xquad sets and is 0.002 higher on
# snn_title2body's, but would break the two-word promise the page makes.
ALL_WORDS_FIRST_UP_TO = 2


def all_words_first(group_count):
    """Whether articles with all of a search's ``group_count`` words (groups) rank before the others."""
    return group_count <= ALL_WORDS_FIRST_UP_TO


# Decoded posting lists kept per searcher (index version), most recently used
# first, up to this many postings in all (about 12 bytes each): the words
# people search for repeat, and decoding Whoosh's pickled blocks is most of
# a query's time.
POSTINGS_CACHE = 8_000_000


def _pk_column(searcher, size):
    """Each document's database pk from the pk column, -1 where a segment written before it has none."""
    pks = np.full(size, -1, dtype=np.int64)
    for reader, offset in _leaf_readers(searcher):
        if reader.has_column(PK_COLUMN):
            count = reader.doc_count_all()
            pks[offset:offset + count] = fixed_column(reader.column_reader(PK_COLUMN, translate=False), count)
    return pks


def _leaf_readers(searcher):
    """(SegmentReader, first docnum) of each segment of a searcher."""
    return [(leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers()]


def field_lengths(searcher, fieldname):
    """Every document's length in ``fieldname`` (Whoosh's one-byte approximation), as floats."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3PerDocReader, _lenfield
    from whoosh.util.numeric import byte_to_length

    table = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
    lengths = np.zeros(searcher.doc_count_all(), dtype=np.float64)
    for reader, offset in _leaf_readers(searcher):
        perdoc = getattr(reader, "_perdoc", None)
        count = reader.doc_count_all()
        if not isinstance(perdoc, W3PerDocReader):  # not a Whoosh 3 segment: the slow way
            lengths[offset:offset + count] = [reader.doc_field_length(d, fieldname, 0) for d in range(count)]
            continue
        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is not None:
            lengths[offset:offset + count] = table[fixed_column(column, count)]
    return lengths


_DAY_MICROSECONDS = 86_400 * 10**6


def date_days(searcher, fieldname):
    """Day number (date.toordinal) of every document's date in ``fieldname``; 0 where there is none."""
    days = np.zeros(searcher.doc_count_all(), dtype=np.int64)
    for reader, offset in _leaf_readers(searcher):
        count = reader.doc_count_all()
        if not reader.has_column(fieldname):
            continue  # a segment where no document has a date
        column = reader.column_reader(fieldname, translate=False)
        if not hasattr(column, "_dbfile"):  # not a plain numeric column: the slow way
            translated = reader.column_reader(fieldname, translate=True)
            for docnum in range(count):
                try:
                    days[offset + docnum] = translated[docnum].toordinal()
                except (OverflowError, ValueError, AttributeError, IndexError):
                    pass
            continue
        # Whoosh keeps a datetime as microseconds since datetime.min (day 1).
        raw = fixed_column(column, count).astype(np.float64)
        ordinals = np.floor(raw / _DAY_MICROSECONDS) + 1
        valid = (ordinals >= 1) & (ordinals <= date.max.toordinal())
        days[offset:offset + count] = np.where(valid, ordinals, 0).astype(np.int64)
    return days


# date.toordinal() of 1970-01-01, numpy's day zero.
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def month_boundaries(first, last):
    """Day numbers (date.toordinal) of the first of each month from ``first``'s to the one after ``last``'s."""
    start = np.datetime64(date.fromordinal(first), "M")
    end = np.datetime64(date.fromordinal(last), "M") + 1
    return np.arange(start, end + 1).astype("datetime64[D]").astype(np.int64) + _EPOCH_ORDINAL


def date_buckets(days, boundaries):
    """[(first day, last day, count)] of day numbers in the buckets [boundaries[i], boundaries[i + 1]).

    ``boundaries`` are ascending day numbers (date.toordinal); days outside them are not counted.
    Any bucket sizes work (days, weeks, months, years), so callers choose them to fit the span.
    """
    boundaries = np.asarray(boundaries, dtype=np.int64)
    slots = np.searchsorted(boundaries, days, side="right") - 1
    inside = (slots >= 0) & (slots < len(boundaries) - 1)
    counts = np.bincount(slots[inside], minlength=len(boundaries) - 1)
    return [
        (date.fromordinal(int(start)), date.fromordinal(int(end) - 1), int(n))
        for start, end, n in zip(boundaries[:-1], boundaries[1:], counts)
    ]


class SearcherStats:
    """What ranking needs of a searcher, computed once per searcher (index version)."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.size = searcher.doc_count_all()
        self._cache = {}
        self._postings = OrderedDict()
        self._postings_size = 0
        self.memo = {}  # query-word expansions (expansion.py), valid for this index version
        live = np.ones(self.size, dtype=bool)
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            if reader.has_deletions():
                deleted = [docnum + offset for docnum in range(reader.doc_count_all()) if reader.is_deleted(docnum)]
                live[deleted] = False
        self.live = live

    def norms(self, fieldname):
        """Per-document BM25 length normalisation of a field."""
        if fieldname not in self._cache:
            searcher = self.searcher
            avg = searcher.avg_field_length(fieldname) or 1.0
            self._cache[fieldname] = K1 * ((1 - B) + B * field_lengths(searcher, fieldname) / avg)
        return self._cache[fieldname]

    def _codes(self, fieldname):
        """(code per document, values): a keyword column as integers, -1 where empty."""
        key = ("codes", fieldname)
        if key not in self._cache:
            from whoosh.fields import ID as WHOOSH_ID

            reader = self.searcher.reader()
            values = []
            codes = np.full(self.size, -1, dtype=np.int64)
            field = self.searcher.schema[fieldname] if fieldname in self.searcher.schema else None
            if isinstance(field, WHOOSH_ID) and field.indexed:
                # One whole value per document: its documents are the value's
                # postings (a few block reads per value, not a read per document).
                for btext in reader.lexicon(fieldname):
                    docnums = [ids for ids, _, _ in read_postings(self.searcher, fieldname, btext)]
                    if docnums:
                        codes[np.concatenate(docnums)] = len(values)
                        values.append(btext.decode("utf-8"))
            else:
                self._codes_from_column(reader, fieldname, codes, values)
            self._cache[key] = (codes, values)
        return self._cache[key]

    def _codes_from_column(self, reader, fieldname, codes, values):
        index = {}
        # Whoosh writes no column when no document has a value.
        column = reader.column_reader(fieldname) if reader.has_column(fieldname) else None
        for docnum in range(self.size if column is not None else 0):
            try:
                value = column[docnum]
            except IndexError:
                continue  # a segment where no document has this field
            if value in (None, b"", ""):
                continue
            code = index.get(value)
            if code is None:
                code = index[value] = len(values)
                values.append(value.decode("utf-8") if isinstance(value, bytes) else value)
            codes[docnum] = code

    def value_counts(self, fieldname, matched):
        """[(value, count)] of a keyword field over the matched documents, most first."""
        codes, values = self._codes(fieldname)
        picked = codes[matched & (codes >= 0)]
        counts = np.bincount(picked, minlength=len(values))
        return sorted(((values[i], int(n)) for i, n in enumerate(counts) if n), key=lambda item: (-item[1], item[0]))

    def _days(self, fieldname):
        """Day number (date.toordinal) per document; 0 where there is no date."""
        key = ("days", fieldname)
        if key not in self._cache:
            self._cache[key] = date_days(self.searcher, fieldname)
        return self._cache[key]

    def date_histogram(self, fieldname, matched):
        """Counts of the matched documents by day, for the days that have any.

        Returns ("day", [(day, day, count)]) in date order; the search service
        groups them into bars of a size that suits the span.
        """
        days = self._days(fieldname)[matched]
        return day_histogram(days[days > 0])

    def postings(self, fieldname, text):
        """``term_postings``, remembered for this searcher."""
        key = (fieldname, text)
        found = self._postings.get(key)
        if found is not None:
            self._postings.move_to_end(key)
            return found
        found = term_postings(self.searcher, fieldname, text)
        self._postings[key] = found
        self._postings_size += len(found[0])
        while self._postings_size > POSTINGS_CACHE and len(self._postings) > 1:
            _, (ids, _) = self._postings.popitem(last=False)
            self._postings_size -= len(ids)
        return found

    def vocabulary(self, fieldname):
        """Every term of a field, one per line, as one string (for substring search)."""
        key = ("vocabulary", fieldname)
        if key not in self._cache:
            terms = self.searcher.reader().lexicon(fieldname)
            self._cache[key] = "\n" + "\n".join(t.decode("utf-8") if isinstance(t, bytes) else t for t in terms) + "\n"
        return self._cache[key]

    def pks(self):
        """The database pk of every document, by docnum (0 for deleted ones)."""
        pks = np.zeros(self.size, dtype=np.int64)
        live = np.flatnonzero(self.live)
        pks[live] = self.pks_for(live)
        return pks

    def pks_for(self, docnums):
        """The database pks of ``docnums`` (live documents), each read once per index version.

        Only the documents asked for are read: an export of a word query
        reads its matches' stored fields, not the whole archive's.
        """
        from haystack.constants import DJANGO_ID

        if "pks" not in self._cache:
            self._cache["pks"] = _pk_column(self.searcher, self.size)
        pks = self._cache["pks"]
        docnums = np.asarray(docnums, dtype=np.int64)
        missing = docnums[pks[docnums] < 0]
        if len(missing):
            reader = self.searcher.reader()
            pks[missing] = [int(reader.stored_fields(docnum)[DJANGO_ID]) for docnum in missing.tolist()]
        return pks[docnums]

    def filter_mask(self, query):
        """Boolean mask of the documents a filter query matches.

        Date ranges and keyword terms are answered from the cached columns (a
        Whoosh date range expands into many terms and takes tens of
        milliseconds); anything else goes through ``docsets.query_docs``.
        """
        from whoosh import query as wq

        from articles.search.docsets import query_docs

        if isinstance(query, wq.DateRange):
            days = self._days(query.fieldname)
            mask = days > 0
            if query.startdate is not None:
                start = query.startdate.toordinal()
                mask &= days > start if query.startexcl else days >= start
            if query.enddate is not None:
                end = query.enddate.toordinal()
                mask &= days < end if query.endexcl else days <= end
            return mask & self.live
        if isinstance(query, wq.Term) and self._is_keyword(query.fieldname):
            codes, values = self._codes(query.fieldname)
            text = query.text.decode("utf-8") if isinstance(query.text, bytes) else query.text
            return (codes == values.index(text)) & self.live if text in values else np.zeros(self.size, dtype=bool)
        if isinstance(query, wq.Or):
            masks = [self.filter_mask(sub) for sub in query.subqueries]
            return np.logical_or.reduce(masks) if masks else np.zeros(self.size, dtype=bool)
        if isinstance(query, wq.And):
            return np.logical_and.reduce([self.filter_mask(sub) for sub in query.subqueries])
        if isinstance(query, wq.Not):
            return ~self.filter_mask(query.query) & self.live
        return self.mask(query_docs(self.searcher, query))

    def _is_keyword(self, fieldname):
        from whoosh.fields import ID

        field = self.searcher.schema[fieldname] if fieldname in self.searcher.schema else None
        return isinstance(field, ID) and field.column_type is not None

    def date_order(self, fieldname, docnums, newest_first):
        """``docnums`` by date (undated last either way), then by docnum for ties."""
        days = self._days(fieldname)[docnums]
        undated = days == 0
        key = -days if newest_first else days
        return docnums[np.lexsort((docnums, key, undated))]

    def mask(self, docnums):
        mask = np.zeros(self.size, dtype=bool)
        if docnums:
            mask[np.fromiter(docnums, dtype=np.int64, count=len(docnums))] = True
        return mask


def day_histogram(days):
    """("day", [(day, day, count)]) for the days (date.toordinal) that have any, in date order.

    Every engine's histogram is counted here; ``search.histogram`` then folds
    the days into bars of a size that suits the span.
    """
    if not len(days):
        return ("day", [])
    found, counts = np.unique(days, return_counts=True)
    return ("day", [(date.fromordinal(int(d)),) * 2 + (int(n),) for d, n in zip(found, counts)])


def term_postings(searcher, fieldname, text):
    """(global docnums, term frequencies) of one term as arrays.

    Deleted documents are included; ranking drops them with ``SearcherStats.live``.
    """
    parts = list(read_postings(searcher, fieldname, text))
    if not parts:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
    return np.concatenate([ids for ids, _, _ in parts]), np.concatenate([freqs for _, freqs, _ in parts])


class Hits:
    """(id, score) pairs in page order, kept as two arrays.

    Reads like a list of tuples (``len``, indexing, slices, iteration); the
    arrays serve whoever takes every hit at once (a story-collapsed page, an
    export), which a Python tuple per match would slow down at 100,000 matches.
    """

    def __init__(self, ids, scores=None):
        self.ids = np.asarray(ids, dtype=np.int64)
        self.scores = np.zeros(len(self.ids)) if scores is None else np.asarray(scores, dtype=np.float64)

    @classmethod
    def of(cls, pairs):
        """``pairs`` of (id, score) as ``Hits`` (``Hits`` as they are)."""
        if isinstance(pairs, cls):
            return pairs
        pairs = list(pairs)
        return cls([pair[0] for pair in pairs], [pair[1] for pair in pairs])

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(zip(self.ids[index].tolist(), self.scores[index].tolist()))
        return int(self.ids[index]), float(self.scores[index])

    def __iter__(self):
        return zip(self.ids.tolist(), self.scores.tolist())

    def __eq__(self, other):
        return list(self) == list(other)

    def __repr__(self):
        return f"Hits({list(self)!r})"


@dataclass
class Ranking:
    hits: Hits  # (docnum, score), best first, at most ``limit``
    matched: np.ndarray  # boolean mask over docnums: every match
    complete: int  # how many matched every group
    query_matched: np.ndarray = None  # the matches before ``allowed`` (for facet counts)
    # The matches with some query word as written (with its clitics and
    # plurals): the rest matched only through related forms or spellings.
    as_written: np.ndarray = None
    written_query: np.ndarray = None  # the same before ``allowed``
    scores: np.ndarray = None  # every document's score
    first: np.ndarray = None  # the matches ranked before the others (all words, in a short search)
    # A long search's words and ``texts(docnums)``, to re-score its first hits by (rescoring.py).
    rescore: tuple = None
    _rescored: Hits = None

    @property
    def total(self):
        return int(self.matched.sum())

    def best(self, limit):
        """The first ``limit`` hits in page order: by score, the first ``RESCORE_DEPTH`` of a long
        search by their re-scored score (rescoring.py)."""
        if self.rescore is None or limit <= 0:
            return self._by_score(limit)
        head = self._rescored_head()
        if limit <= len(head):
            return Hits(head.ids[:limit], head.scores[:limit])
        rest = self._by_score(limit)  # its first hits are the head's, in BM25's order
        return Hits(np.concatenate([head.ids, rest.ids[len(head):]]),
                    np.concatenate([head.scores, rest.scores[len(head):]]))

    def _rescored_head(self):
        if self._rescored is None:
            words, texts = self.rescore
            self._rescored = Hits.of(rescore_hits(words, self._by_score(RESCORE_DEPTH), texts))
        return self._rescored

    def _by_score(self, limit):
        """The first ``limit`` hits: ``first`` by score, then the other matches by score."""
        hits = _best(np.flatnonzero(self.first), self.scores, limit)
        if len(hits) < limit:
            partial = np.flatnonzero(self.matched & ~self.first)
            hits = np.concatenate([hits, _best(partial, self.scores, limit - len(hits))])
        return Hits(hits, self.scores[hits])

    def best_then_rest(self, ordered):
        """Every match: the first ``ordered`` in page order, then the others in no particular order.

        Putting 150,000 matches in order takes 20 ms; a page of stories needs
        the order of its first few hundred only (collapse.places).
        """
        best = self.best(ordered)
        rest = self.matched.copy()
        rest[best.ids] = False
        rest = np.flatnonzero(rest)
        return Hits(np.concatenate([best.ids, rest]), np.concatenate([best.scores, self.scores[rest]]))


def _word_terms(fieldname, word, expansion=None):
    if is_stopword(word):
        # Stop words are only in the surface field.
        return [(fieldname, word, 1.0)]
    readings = stem_readings(word)
    if expansion is not None and (expansion.own_forms or expansion.unlike_forms):
        match = StemMatch(fieldname, readings, tuple(expansion.own_forms), tuple(expansion.unlike_forms))
        return [(fieldname, word, SURFACE_WEIGHT), (fieldname + STEM_SUFFIX, match, 1.0)]
    if len(readings) > 1:
        return [(fieldname, word, SURFACE_WEIGHT), (fieldname + STEM_SUFFIX, StemMatch(fieldname, readings), 1.0)]
    return [(fieldname, word, SURFACE_WEIGHT), (fieldname + STEM_SUFFIX, readings[0], 1.0)]


def _idf(stats, found):
    """Lucene's idf, log(1 + (N - df + 0.5) / (df + 0.5)), of a term found in ``found`` articles
    (deleted ones included)."""
    return math.log(1 + (stats.size - found + 0.5) / (found + 0.5))


def _expansion_terms(fieldname, expansion):
    if expansion is None:
        return []
    stem_field = fieldname + STEM_SUFFIX
    terms = [(stem_field, related, RELATED_WEIGHT) for related in expansion.related]
    for spelling in expansion.spellings:
        terms += [(field, text, weight * SPELLING_WEIGHT) for field, text, weight in _word_terms(fieldname, spelling)]
    terms += [(stem_field, near, RELATED_WEIGHT) for near in expansion.near]
    return terms


def _clause_terms(fieldname, clause):
    """(field, term, weight) of a word, or of the words a bound prefix stands for (prefixes.py)."""
    if clause.kind == "word":
        return _word_terms(fieldname, clause.words[0])
    return [(field, text, SURFACE_WEIGHT if field == fieldname else 1.0) for field, text in clause.terms]


def _best(candidates, scores, limit):
    """The ``limit`` best of ``candidates`` (ascending docnums), by score then docnum.

    Ties at the cut are settled by docnum too, so the first 20 are always
    the first 20 of the first 40 (a second page never repeats or skips one).
    """
    if limit <= 0 or not len(candidates):
        return np.empty(0, dtype=np.int64)
    if len(candidates) > limit:
        values = scores[candidates]
        cut = np.partition(values, len(values) - limit)[len(values) - limit]  # the limit-th best score
        candidates = candidates[values >= cut]
    return candidates[np.lexsort((candidates, -scores[candidates]))][:limit]


def rank(stats, groups, limit, allowed=None, fieldname="text", excluded=None, expansions=None, texts=None):
    """Score every article matching any of ``groups`` (tuples of clauses); the best ``limit`` first.

    For a search of up to ``ALL_WORDS_FIRST_UP_TO`` groups, articles matching
    every group come before all others. ``allowed`` and
    ``excluded`` are boolean masks (filters, -exclusions) or None.
    ``expansions`` ({word: expansion.WordExpansion}) add related forms and
    spellings of single words, weighed lower. ``texts(docnums)`` gives the
    indexed texts of documents: a longer search's first hits are re-scored
    by the letters their words share with it (rescoring.py).
    """
    expansions = expansions or {}
    searcher = stats.searcher
    groups = list(groups[:MAX_GROUPS - 1]) + ([sum(groups[MAX_GROUPS - 1:], ())] if len(groups) >= MAX_GROUPS else [])
    scores = np.zeros(stats.size)
    masks = np.zeros(stats.size, dtype=np.int64)
    written = np.zeros(stats.size, dtype=bool)
    for index, group in enumerate(groups):
        bit = 1 << index
        for clause in group:
            if clause.kind == "word" or clause.terms:
                if clause.kind == "word":
                    word = clause.words[0]
                    own = _word_terms(fieldname, word, expansions.get(word))
                    terms = own + _expansion_terms(fieldname, expansions.get(word))
                else:  # a prefix bound to its most frequent words (prefixes.py): all count as written
                    own = terms = _clause_terms(fieldname, clause)
                for number, (field, text, weight) in enumerate(terms):
                    if isinstance(text, StemMatch):
                        ids, freqs = text.postings(stats)
                        found = text.frequency(stats) if len(ids) else 0
                    else:
                        ids, freqs = stats.postings(field, text)
                        found = len(ids)
                    if len(ids):
                        scale = _idf(stats, found) * weight * (K1 + 1)
                        scores[ids] += scale * freqs / (freqs + stats.norms(field)[ids])
                        masks[ids] |= bit
                        if number < len(own):
                            written[ids] = True
            else:
                results = searcher.search(clause_query(fieldname, clause), limit=None)
                if results.top_n:
                    found = np.array([docnum for _, docnum in results.top_n], dtype=np.int64)
                    scores[found] += np.array([score for score, _ in results.top_n])
                    masks[found] |= bit
                    written[found] = True

    query_matched = (masks != 0) & stats.live
    if excluded is not None:
        query_matched &= ~excluded
    matched = query_matched & allowed if allowed is not None else query_matched
    complete = matched & (masks == (1 << len(groups)) - 1)
    ranking = Ranking(
        hits=None, matched=matched, complete=int(complete.sum()), query_matched=query_matched,
        as_written=written & matched, written_query=written & query_matched, scores=scores,
        first=complete if all_words_first(len(groups)) else matched,
    )
    if texts is not None and not all_words_first(len(groups)):
        ranking.rescore = (search_words(groups), texts)
    ranking.hits = ranking.best(limit)
    return ranking
