"""Marking query words in the original text, diacritics and all.

Matching happens on normalised words (the same analysis as the index), cut
from the text as the author wrote it, so الأمريكيّة is marked whole when the
query was الامريكية.
"""

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.text import WORD_RE, folded_forms, is_stopword, normalise, stem, stem_readings, strip_prefix

SNIPPET_LENGTH = 260
_MAX_MATCHES_CONSIDERED = 100
# Pieces of text judged per query and remembered (an export reads thousands of texts).
_MAX_VERDICTS = 200_000


@dataclass(frozen=True)
class HighlightTerms:
    surfaces: frozenset = frozenset()
    stems: frozenset = frozenset()
    prefixes: tuple = ()
    unlike: frozenset = frozenset()  # words that share a query word's stem but are other words
    # Kept across the texts of a page or an export: the runs of text between
    # spaces judged, and for those that hold marked words, those words.
    judged: set = field(default_factory=set, compare=False, hash=False, repr=False)
    marks: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def from_query(cls, parsed, expansions=None):
        """What to mark for a parsed query: its words and their stems, and the
        related forms and spellings the search added (``expansion.py``), so a
        mark means exactly what matched."""
        expansions = expansions or {}
        surfaces, stems, prefixes, unlike = set(), set(), [], set()
        for clause in parsed.positive_clauses():
            if clause.kind == "prefix":
                prefixes.append(clause.words[0])
                continue
            for word in clause.words:
                surfaces.add(word)
                own_forms = getattr(expansions.get(word), "own_forms", None)
                if own_forms:  # البحرين: its own forms, not its stem (البحر)
                    surfaces.update(own_forms)
                elif not is_stopword(word):
                    stems.update(stem_readings(word))
        for expansion in expansions.values():
            stems.update(expansion.related)
            stems.update(expansion.near)
            surfaces.update(expansion.spellings)
            stems.update(stem(spelling) for spelling in expansion.spellings)
            unlike.update(expansion.unlike_forms)
        return cls(frozenset(surfaces), frozenset(stems), tuple(prefixes), frozenset(unlike - surfaces))

    def __bool__(self):
        return bool(self.surfaces or self.prefixes)

    @cached_property
    def candidate_texts(self):
        """The text any match must contain: a surface word, a stem or a prefix
        (light stems only cut letters off a word's ends), less those that hold
        another (a word holding السعوديه holds سعود)."""
        texts = self.surfaces | self.stems | set(self.prefixes)
        return sorted(text for text in texts if not any(other != text and other in text for other in texts))

    @cached_property
    def candidates(self):
        """Finds a candidate text in a normalised word: a word it finds nothing in
        is no match, without stemming it."""
        texts = self.candidate_texts
        return re.compile("|".join(map(re.escape, texts)) if texts else r"(?!)")

    @cached_property
    def written_candidates(self):
        """One pattern per candidate text finding it in written text, in any form that
        normalises to it, or else the first character those forms do not follow
        (``text.FoldedForms.pattern``). One each, not one of them all: a pattern that
        opens with one character class is scanned for at C speed."""
        forms = folded_forms()
        return [re.compile(forms.pattern(text)) for text in self.candidate_texts]

    def matches(self, word):
        if word in self.surfaces:
            return True
        if word in self.unlike:
            return False
        if not is_stopword(word) and stem(word) in self.stems:
            return True
        return any(word.startswith(p) or strip_prefix(word).startswith(p) for p in self.prefixes)


# A word as written: letters and digits with the marks normalisation drops
# inside or after them (harakat, Quranic marks, tatweel, ZWNJ/ZWJ), so a
# highlight covers the word whole, diacritics and all.
_WORD_CHARACTER = r"[\w\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d]"
_WRITTEN_WORD = re.compile(_WORD_CHARACTER + "+")
_IS_WORD_CHARACTER = re.compile(_WORD_CHARACTER).match


def find_matches(text, terms, limit=None):
    """(start, end) character spans in ``text`` of the words ``terms`` match (the first ``limit``).

    The text is cut at spaces (at C speed) and each distinct piece judged
    once (``_judge``); the spans of the words marked are then found by one
    regular-expression scan, or for the first few by ``str.find``, not by a
    Python step per word. The first alone (an export's snippet) is found
    without reading every word (``_first_match``).
    """
    if not terms:
        return []
    if len(terms.judged) > _MAX_VERDICTS:
        terms.judged.clear()
        terms.marks.clear()
    if limit == 1:
        span = _first_match(text, terms)
        return [span] if span else []
    wanted = _marked_words(text, terms)
    if not wanted:
        return []
    if limit:
        return _first_spans(text, wanted, limit)
    return [match.span() for match in _written_words_pattern(tuple(sorted(wanted))).finditer(text)]


# An export's first match is looked for in chunks of text, this long first,
# then twice as long each time (text the written candidates cannot follow).
_FIRST_CHUNK_CHARACTERS = 300


def _first_match(text, terms):
    """The span of the first word in ``text`` that ``terms`` match, or None.

    An export asks this of tens of thousands of texts. Every match holds a
    candidate (see ``HighlightTerms.candidates``), so the written candidates
    are looked for in the text as it is, at C speed, and only the pieces of
    text (between spaces) they are found in are judged; reading stops at
    the first piece that holds a marked word. That word's first whole
    occurrence in the text is then in that piece: an earlier one would have
    been in an earlier piece, and found first.
    """
    judged, marks = terms.judged, terms.marks
    searches = [pattern.search for pattern in terms.written_candidates]
    hits = [search(text) for search in searches]
    while True:
        found = None
        for hit in hits:
            if hit and (found is None or hit.start() < found.start()):
                found = hit
        if found is None:
            return None
        if found.start("exotic") != -1:
            return _first_match_by_pieces(text, terms)  # a character the patterns do not follow
        start = found.start()
        while start and not text[start - 1].isspace():
            start -= 1
        piece_end = _NOT_SPACE.match(text, found.end()).end()
        piece = text[start:piece_end]
        if piece not in judged:
            _judge([piece], terms)
        words = marks.get(piece)
        if words:
            return _first_spans(text, words, 1)[0]
        hits = [search(text, piece_end) if hit and hit.start() < piece_end else hit for search, hit in zip(searches, hits)]


_NOT_SPACE = re.compile(r"\S*")


def _first_match_by_pieces(text, terms):
    """``_first_match`` for any text: read a chunk at a time, every new piece judged."""
    judged, marks = terms.judged, terms.marks
    start, size = 0, _FIRST_CHUNK_CHARACTERS
    while start < len(text):
        end = text.find(" ", start + size)  # a chunk ends at a space: no word is cut in two
        end = len(text) if end == -1 else end
        pieces = text[start:end].split()
        _judge([piece for piece in pieces if piece not in judged], terms)
        for piece in pieces:
            words = marks.get(piece)
            if words:
                return _first_spans(text, words, 1)[0]
        start, size = end, size * 2
    return None


def _marked_words(text, terms):
    """The written words of ``text`` that ``terms`` match."""
    pieces = set(text.split())
    _judge(pieces - terms.judged, terms)  # set operations: a page's texts share most of their words
    marks = terms.marks
    wanted = set()
    for piece in pieces & marks.keys():
        wanted.update(marks[piece])
    return wanted


def _judge(new_pieces, terms):
    """Note in ``terms.marks`` the words ``terms`` match in ``new_pieces`` (runs of text
    between spaces not judged before).

    A written word never holds a space, so the words of a text are those of
    its pieces. The pieces are normalised in one call, joined by line breaks
    (normalisation is character by character, so each line is one piece's
    normal form), and a piece's words are judged only when it holds some
    stem, query word or prefix (``terms.candidates``): light stems only cut
    letters off a word's ends, so a piece without one has no match.
    """
    judged, marks = terms.judged, terms.marks
    if not new_pieces:
        return
    new_pieces = list(new_pieces)
    judged.update(new_pieces)
    normalised = normalise("\n".join(new_pieces))
    candidates = terms.candidates.search
    if not candidates(normalised):
        return
    for piece, line in zip(new_pieces, normalised.split("\n")):
        if candidates(line):
            marked = tuple(written for written in _WRITTEN_WORD.findall(piece) if _matches_written(written, terms))
            if marked:
                marks[piece] = marked


def _matches_written(written, terms):
    candidates = terms.candidates.search
    return any(terms.matches(word) for word in WORD_RE.findall(normalise(written)) if candidates(word))


def _first_spans(text, wanted, limit):
    """The first ``limit`` whole-word spans in ``text`` of the written words ``wanted``."""
    spans = []
    for word in wanted:
        start, found = text.find(word), 0
        while start != -1 and found < limit:
            end = start + len(word)
            if not (start and _IS_WORD_CHARACTER(text[start - 1]) or end < len(text) and _IS_WORD_CHARACTER(text[end])):
                spans.append((start, end))
                found += 1
            start = text.find(word, end)
    spans.sort()
    return spans[:limit]


@lru_cache(maxsize=1024)
def _written_words_pattern(words):
    """Whole written words (a run of ``_WRITTEN_WORD`` characters that is one of ``words``)."""
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!{_WORD_CHARACTER})(?:{alternatives})(?!{_WORD_CHARACTER})")


def _mark(text, spans, start, end):
    out, cursor = [], start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        out.append(escape(text[cursor:span_start]))
        out.append("<mark>%s</mark>" % escape(text[span_start:span_end]))
        cursor = span_end
    out.append(escape(text[cursor:end]))
    return "".join(out)


def highlight_text(text, terms):
    """The whole text as HTML, query words in <mark>."""
    return mark_safe(_mark(text, find_matches(text, terms), 0, len(text)))



def _best_window(text, spans, length):
    """Start of the ``length``-character window holding the most distinct matches."""
    spans = spans[:_MAX_MATCHES_CONSIDERED]
    best_start, best_count = spans[0][0], 0
    for i, (anchor, _) in enumerate(spans):
        words = set()
        for start, end in spans[i:]:
            if end > anchor + length:
                break
            words.add(text[start:end])
        if len(words) > best_count:
            best_start, best_count = anchor, len(words)
    return best_start


def snippet(text, terms, length=SNIPPET_LENGTH):
    """A passage of about ``length`` characters around the best match, as HTML."""
    return mark_safe(_snippet(text, terms, length, mark=_mark))


def plain_snippet(text, terms, length=SNIPPET_LENGTH, first_match=False):
    """The same passage as plain text (for exports): no markup, nothing escaped.

    With ``first_match``, the passage opens at the first match instead of the
    window with the most matches: reading stops there, which is what keeps an
    export of tens of thousands of rows from reading every body through.
    """
    return _snippet(text, terms, length, mark=lambda text, spans, start, end: text[start:end], first_match=first_match)


def _snippet(text, terms, length, mark, first_match=False):
    spans = find_matches(text, terms, limit=1 if first_match else None)
    if spans:
        anchor = spans[0][0] if first_match else _best_window(text, spans, length)
        # Open a little before the match, at a word boundary.
        start = max(0, anchor - length // 5)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
    else:
        start = 0
    end = min(len(text), start + length)
    while end < len(text) and not text[end].isspace():
        end += 1
    body = " ".join(mark(text, spans, start, end).split())  # runs of white space as one space
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + body + suffix
