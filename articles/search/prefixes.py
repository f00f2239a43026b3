"""Prefix searches (``امريك*``) bound to the index's words, within a budget.

Whoosh expands a prefix into every word of the index that starts with it and
searches them all: a short prefix stood for tens of thousands of words and
took seconds, and a query of sixty of them tens of seconds. Here a prefix
stands for at most ``MAX_PREFIX_TERMS`` words per field, the most frequent
ones (those a reader most likely meant), and the page says when a prefix was
narrowed. The words are then scored like typed words (ranking.py) and
excluded like them (backend.py), from their posting lists.
"""

import heapq
from dataclasses import replace

from articles.search.analysis import STEM_SUFFIX
from articles.search.query import ParsedQuery
from articles.text import strip_prefix

# Words one prefix stands for in each field (surface and stem), most frequent first.
MAX_PREFIX_TERMS = 40


def expand_prefix(stats, fieldname, prefix, limit=MAX_PREFIX_TERMS):
    """(the ``limit`` most frequent words of ``fieldname`` starting with ``prefix``, whether there were more).

    Remembered per searcher, like other ranking statistics.
    """
    key = ("prefix", fieldname, prefix, limit)
    cache = stats._cache
    if key not in cache and hasattr(stats, "most_frequent_with_prefix"):  # the cluster ranks its own terms
        cache[key] = stats.most_frequent_with_prefix(fieldname, prefix, limit)
    if key not in cache:
        reader = stats.searcher.reader()
        words = ((info.doc_frequency(), text) for text, info in reader.iter_prefix(fieldname, prefix))
        top, count = [], 0
        for entry in words:
            count += 1
            if len(top) < limit:
                heapq.heappush(top, entry)
            elif entry > top[0]:
                heapq.heapreplace(top, entry)
        cache[key] = ([text for _, text in sorted(top, reverse=True)], count > limit)
    return cache[key]


def bind_prefixes(stats, fieldname, parsed):
    """``parsed`` with each prefix clause bound to the words it stands for, and the prefixes that were narrowed."""
    narrowed = []

    def bind(clause):
        if clause.kind != "prefix":
            return clause
        word = clause.words[0]
        surface, more = expand_prefix(stats, fieldname, word)
        stems, more_stems = expand_prefix(stats, fieldname + STEM_SUFFIX, strip_prefix(word))
        if (more or more_stems) and clause.typed not in narrowed:
            narrowed.append(clause.typed)
        terms = tuple((fieldname, text) for text in surface) + tuple((fieldname + STEM_SUFFIX, text) for text in stems)
        return replace(clause, terms=terms or ((fieldname, word),))

    if not any(c.kind == "prefix" for c in parsed.positive_clauses() + parsed.excluded):
        return parsed, narrowed
    bound = ParsedQuery(
        text=parsed.text,
        groups=[tuple(bind(clause) for clause in group) for group in parsed.groups],
        excluded=[bind(clause) for clause in parsed.excluded],
        problems=list(parsed.problems),
    )
    return bound, narrowed
