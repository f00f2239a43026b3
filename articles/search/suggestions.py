"""Did you mean": close words of the archive for rare or unknown query words.

Candidates come from the index's own vocabulary (normalised surface words,
so hamza and diacritic variants are never "misspellings"), within one edit
for short words and two for longer ones, and must be much more common than
the word typed. The suggestion is shown as the archive writes the word: the
normalised term is looked up in an article that contains it and read back
from the original text (without diacritics).
"""

from haystack import connections
from pyarabic import araby

from articles.models import Article
from articles.text import normalise_with_offsets, token_spans

# A word in at least this many articles is not corrected.
COMMON_ENOUGH = 3
# A replacement must be this many times more common than the word typed.
MORE_COMMON = 5
# The "did you mean" budget: Whoosh's edit-distance search builds an automaton
# that grows with the word's length, so a pasted 255-letter word took ten
# seconds. No Arabic word is this long; two edits only for words up to
# TWO_EDITS_UP_TO letters, and at most MAX_WORDS words of a query are looked at.
MAX_WORD_LETTERS = 20
TWO_EDITS_UP_TO = 12
MAX_WORDS = 8


def _distances(word):
    """The edit distances looked at for ``word``, within the budget above."""
    if len(word) > MAX_WORD_LETTERS:
        return ()
    return (1, 2) if 4 < len(word) <= TWO_EDITS_UP_TO else (1,)


def _best_candidate(searcher, fieldname, word, known):
    reader = searcher.reader()
    for distance in _distances(word):
        candidates = [term for term in reader.terms_within(fieldname, word, distance, prefix=1) if term != word]
        scored = [(searcher.doc_frequency(fieldname, term), term) for term in candidates]
        scored = [(frequency, term) for frequency, term in scored if frequency >= max(known * MORE_COMMON, COMMON_ENOUGH)]
        if scored:
            return max(scored)[1]
    return None


def _best_on_cluster(backend, word, known):
    """The same on OpenSearch: its term suggester finds the close words."""
    for distance in _distances(word):
        found = backend.close_terms(word, distance, max(known * MORE_COMMON, COMMON_ENOUGH))
        if found:
            return max(found)[1]
    return None


def written_form(searcher, fieldname, term):
    """``term`` (normalised) as an article of the archive writes it."""
    if hasattr(searcher, "first_with"):  # the cluster's statistics
        return _written_as(searcher.first_with(fieldname, term), term)
    from haystack.constants import DJANGO_ID

    postings = searcher.reader().postings(fieldname, term)
    stored = searcher.stored_fields(postings.id())
    return _written_as(stored[DJANGO_ID], term)


def suggest_query(parsed):
    """The query with its rare words replaced, or "" when there is nothing to suggest.

    Only plain keyword queries are corrected: phrases, OR and exclusions are
    the user being precise.
    """
    clauses = [clause for group in parsed.groups for clause in group]
    if parsed.excluded or any(len(group) > 1 for group in parsed.groups):
        return ""
    if not clauses or len(clauses) > MAX_WORDS or any(clause.kind != "word" for clause in clauses):
        return ""
    backend = connections["default"].get_backend()
    searcher = backend.searcher()  # on OpenSearch, the cluster's term statistics
    fieldname = backend.content_field_name
    words, changed = [], False
    for clause in clauses:
        word = clause.words[0]
        replacement = None
        known = searcher.doc_frequency(fieldname, word)
        if known < COMMON_ENOUGH:
            if hasattr(backend, "close_terms"):  # the cluster's term suggester
                replacement = _best_on_cluster(backend, word, known)
            else:
                replacement = _best_candidate(searcher, fieldname, word, known)
        if replacement:
            words.append(written_form(searcher, fieldname, replacement))
            changed = True
        else:
            words.append(clause.typed)
    if not changed:
        return ""
    # The words kept are spelt as the archive spells them too: الخارجيه → الخارجية.
    return " ".join(_spelt_as_written(searcher, fieldname, clause, word) for clause, word in zip(clauses, words))


def _written_as(pk, term):
    body = Article.objects.filter(pk=pk).values_list("body", flat=True).first() or ""
    normalised, offsets = normalise_with_offsets(body)
    for word, start, end in token_spans(normalised):
        if word == term:
            return araby.strip_tashkeel(body[offsets[start]:offsets[end - 1] + 1])
    return term


# Letters the normalisation folds together that a writer does not: a final
# ه typed for ة, ي for ى.
FINAL_LETTERS = {"ه": "ة", "ي": "ى", "ى": "ي"}


def _spelt_as_written(searcher, fieldname, clause, word):
    """``word`` with its final ه/ة or ي/ى as the archive writes the same word, when that is the only difference."""
    if word != clause.typed or not word or word[-1] not in FINAL_LETTERS:
        return word
    if searcher.doc_frequency(fieldname, clause.words[0]) == 0:
        return word
    written = written_form(searcher, fieldname, clause.words[0])
    bare = araby.strip_tashkeel(word)
    if written[:-1] == bare[:-1] and written[-1] == FINAL_LETTERS[bare[-1]]:
        return written
    return word
