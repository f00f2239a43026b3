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

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from articles.search.analysis import STEM_SUFFIX
from articles.search.docsets import read_postings
from articles.search.query import clause_query
from articles.text import is_stopword, stem

K1 = 1.2
B = 0.75
# Chosen on bench/retrieval.py: the exact form adds half a stem match.
SURFACE_WEIGHT = 0.5
# Each group is a bit in a per-document mask; more groups than this share the last bit.
MAX_GROUPS = 62


# Decoded posting lists kept per searcher (index version), most recently used
# first, up to this many postings in all (about 12 bytes each): the words
# people search for repeat, and decoding Whoosh's pickled blocks is most of
# a query's time.
POSTINGS_CACHE = 8_000_000


# The histogram never has more bars than this: a page stays small and fast
# even when the dates span centuries.
MAX_HISTOGRAM_BARS = 240


class SearcherStats:
    """What ranking needs of a searcher, computed once per searcher (index version)."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.size = searcher.doc_count_all()
        self._cache = {}
        self._postings = OrderedDict()
        self._postings_size = 0
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
            lengths = np.fromiter(
                (searcher.doc_field_length(docnum, fieldname, 0) for docnum in range(self.size)),
                dtype=np.float64, count=self.size,
            )
            self._cache[fieldname] = K1 * ((1 - B) + B * lengths / avg)
        return self._cache[fieldname]

    def _codes(self, fieldname):
        """(code per document, values): a keyword column as integers, -1 where empty."""
        key = ("codes", fieldname)
        if key not in self._cache:
            reader = self.searcher.reader()
            values, index = [], {}
            codes = np.full(self.size, -1, dtype=np.int64)
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
            self._cache[key] = (codes, values)
        return self._cache[key]

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
            reader = self.searcher.reader()
            days = np.zeros(self.size, dtype=np.int64)
            if reader.has_column(fieldname):
                column = reader.column_reader(fieldname, translate=True)
                for docnum in range(self.size):
                    try:
                        days[docnum] = column[docnum].toordinal()
                    except (OverflowError, ValueError, AttributeError, IndexError):
                        pass  # no date: an out-of-range default, or a segment without the column
            self._cache[key] = days
        return self._cache[key]

    def date_histogram(self, fieldname, matched):
        """Counts of the matched documents by day (spans up to 62 days), month, or run of years.

        Returns (granularity, [(first day, last day, count)]) over the matched
        date range: "day", "month" (up to ``MAX_HISTOGRAM_BARS`` months) or
        "year" (buckets of one or more years, never more than
        ``MAX_HISTOGRAM_BARS``), whatever dates the archive holds.
        """
        days = self._days(fieldname)[matched]
        days = days[days > 0]
        if not len(days):
            return ("day", [])
        first, last = date.fromordinal(int(days.min())), date.fromordinal(int(days.max()))
        if (last - first).days <= 62:
            counts = np.bincount(days - days.min())
            return ("day", [(date.fromordinal(int(days.min()) + i),) * 2 + (int(n),) for i, n in enumerate(counts)])
        if (last.year * 12 + last.month) - (first.year * 12 + first.month) < MAX_HISTOGRAM_BARS:
            months = np.array([date.fromordinal(int(d)).year * 12 + date.fromordinal(int(d)).month - 1 for d in days])
            counts = np.bincount(months - months.min())
            buckets = []
            for i, n in enumerate(counts):
                year, month = divmod(int(months.min()) + i, 12)
                start = date(year, month + 1, 1)
                end = date(year + 1, 1, 1) - timedelta(days=1) if month == 11 else date(year, month + 2, 1) - timedelta(days=1)
                buckets.append((start, end, int(n)))
            return ("month", buckets)
        years = np.array([date.fromordinal(int(d)).year for d in days])
        step = -(-(last.year - first.year + 1) // MAX_HISTOGRAM_BARS)  # years per bar, rounded up
        counts = np.bincount((years - first.year) // step)
        buckets = []
        for i, n in enumerate(counts):
            start_year = first.year + i * step
            end_year = min(start_year + step - 1, date.max.year)
            buckets.append((date(start_year, 1, 1), date(end_year, 12, 31), int(n)))
        return ("year", buckets)

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

    def pks(self):
        """The database pk of every document, by docnum (read once per index version)."""
        if "pks" not in self._cache:
            from haystack.constants import DJANGO_ID

            reader = self.searcher.reader()
            pks = np.zeros(self.size, dtype=np.int64)
            for docnum in range(self.size):
                if self.live[docnum]:
                    pks[docnum] = int(reader.stored_fields(docnum)[DJANGO_ID])
            self._cache["pks"] = pks
        return self._cache["pks"]

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


def term_postings(searcher, fieldname, text):
    """(global docnums, term frequencies) of one term as arrays.

    Deleted documents are included; ranking drops them with ``SearcherStats.live``.
    """
    parts = list(read_postings(searcher, fieldname, text))
    if not parts:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
    return np.concatenate([ids for ids, _, _ in parts]), np.concatenate([freqs for _, freqs, _ in parts])


@dataclass
class Ranking:
    hits: list  # (docnum, score), best first, at most ``limit``
    matched: np.ndarray  # boolean mask over docnums: every match
    complete: int  # how many matched every group
    query_matched: np.ndarray = None  # the matches before ``allowed`` (for facet counts)

    @property
    def total(self):
        return int(self.matched.sum())


def _word_terms(fieldname, word):
    if is_stopword(word):
        # Stop words are only in the surface field.
        return [(fieldname, word, 1.0)]
    return [(fieldname, word, SURFACE_WEIGHT), (fieldname + STEM_SUFFIX, stem(word), 1.0)]


def _clause_terms(fieldname, clause):
    """(field, term, weight) of a word, or of the words a bound prefix stands for (expansion.py)."""
    if clause.kind == "word":
        return _word_terms(fieldname, clause.words[0])
    return [(field, text, SURFACE_WEIGHT if field == fieldname else 1.0) for field, text in clause.terms]


def _best(candidates, scores, limit):
    """The ``limit`` best of ``candidates`` (docnums), by score then docnum."""
    if limit <= 0 or not len(candidates):
        return np.empty(0, dtype=np.int64)
    if len(candidates) > limit:
        candidates = candidates[np.argpartition(-scores[candidates], limit - 1)[:limit]]
    return candidates[np.lexsort((candidates, -scores[candidates]))]


def rank(stats, groups, limit, allowed=None, fieldname="text", excluded=None):
    """Score every article matching any of ``groups`` (tuples of clauses); the best ``limit`` first.

    Articles matching every group come before all others. ``allowed`` and
    ``excluded`` are boolean masks (filters, -exclusions) or None.
    """
    searcher = stats.searcher
    groups = list(groups[:MAX_GROUPS - 1]) + ([sum(groups[MAX_GROUPS - 1:], ())] if len(groups) >= MAX_GROUPS else [])
    scores = np.zeros(stats.size)
    masks = np.zeros(stats.size, dtype=np.int64)
    for index, group in enumerate(groups):
        bit = 1 << index
        for clause in group:
            if clause.kind == "word" or clause.terms:
                for field, text, weight in _clause_terms(fieldname, clause):
                    ids, freqs = stats.postings(field, text)
                    if len(ids):
                        scale = searcher.idf(field, text) * weight * (K1 + 1)
                        scores[ids] += scale * freqs / (freqs + stats.norms(field)[ids])
                        masks[ids] |= bit
            else:
                results = searcher.search(clause_query(fieldname, clause), limit=None)
                if results.top_n:
                    found = np.array([docnum for _, docnum in results.top_n], dtype=np.int64)
                    scores[found] += np.array([score for score, _ in results.top_n])
                    masks[found] |= bit

    query_matched = (masks != 0) & stats.live
    if excluded is not None:
        query_matched &= ~excluded
    matched = query_matched & allowed if allowed is not None else query_matched
    complete = matched & (masks == (1 << len(groups)) - 1)
    hits = _best(np.flatnonzero(complete), scores, limit)
    if len(hits) < limit:
        partial = np.flatnonzero(matched & ~complete)
        hits = np.concatenate([hits, _best(partial, scores, limit - len(hits))])
    return Ranking(
        hits=[(int(d), float(scores[d])) for d in hits], matched=matched, complete=int(complete.sum()),
        query_matched=query_matched,
    )
