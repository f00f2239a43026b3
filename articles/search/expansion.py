"""Query words widened by what the archive itself shows: related forms, other spellings, near words.

``articles.text`` proposes candidates; the index decides which are kept:

- Related forms (ta marbuta, nisba, ta before a pronoun; ``text.related_stems``)
  are joined when the archive uses them together: the two stems co-occur in
  more articles than chance would put them, by Xu and Croft's association
  measure (Corpus-based stemming using co-occurrence of word variants, 1998),
  computed on article postings. السعودي/السعودية and المعلم/المعلمة pass;
  الرياض/الرياضة, النصر/النصرة and الخارجية/خارج do not.
- Other spellings of a name (``text.spelling_variants``) are kept when the
  archive has them and both words are written like names: the archive rarely
  puts the article ال on them. So ترامب finds ترمب, but القلب never looks for
  الكلب and غرب never for جرب.
- Near words are the last resort for a word the archive does not have in any
  form: stems of the archive that contain its core letters (يرتبط -> مرتبطة).
- Words the light stem joins by cutting ين or ون that is not a plural ending
  (البحرين/البحر، الزيتون/الزيت، القانون/قان) are kept apart when the archive
  shows no plural twin (``text.PLURAL_TWINS``: no البحرون beside البحرين) and
  does not use the two together: the word then matches its own written
  forms, and the shorter word's stem match leaves them out.

Every expansion is reported (``WordExpansion``) so the page can say what else
was searched, and ranking weighs it below the word as typed.
"""

from dataclasses import dataclass, field

import numpy as np

from articles.search.analysis import STEM_SUFFIX
from articles.search.docsets import doc_frequency
from articles.text import (
    PLURAL_TWINS, PREFIXES, clitic_forms, is_stopword, related_stems, spelling_variants, stem, stem_readings,
    strip_suffixes, word_core,
)

# Xu and Croft's em(a, b) = (n_ab - n_a n_b / N) / (n_a + n_b) on articles.
# On SaudiNewsNet, one word's forms score 0.07-0.25 (المعلم/المعلمة 0.074,
# السعودي/السعودية 0.14) and different words 0.00-0.03 (الرياض/الرياضة 0.002,
# العمل/العملة 0.026, الخارجية/خارج 0.031); the line is drawn between.
ASSOCIATION_THRESHOLD = 0.05
# A word is written like a name when at most this share of its articles
# write it with the article ال (names: ترامب 0%; words: قلب, غرب far more).
NAME_ARTICLE_SHARE = 0.1
# An ين/ون ending is the word's own when its twin endings (PLURAL_TWINS) are
# rarer than this share of the word's articles: البحرين 1,000+ articles,
# البحرون none; المعلمين and المعلمون, المواطنين and المواطنون both common.
TWIN_SHARE = 0.02
MAX_SPELLINGS = 6
MAX_NEAR_WORDS = 6
# Near words must not be much longer than the core they contain.
NEAR_EXTRA_LETTERS = 3


@dataclass
class WordExpansion:
    word: str  # normalised query word
    related: list = field(default_factory=list)  # stems joined as forms of the word
    spellings: list = field(default_factory=list)  # surface words: other spellings
    near: list = field(default_factory=list)  # stems: last-resort near words
    # A word whose ين/ون ending is its own (البحرين): the surface words that
    # are it, matched in place of its stem (which it shares with البحر).
    own_forms: list = field(default_factory=list)
    # Surface words of other words that share this word's stem (البحرين for
    # البحر): their counts are taken out of its stem match.
    unlike_forms: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.related or self.spellings or self.near or self.own_forms or self.unlike_forms)


def _word_key(word):
    field, terms = word
    return field, tuple(terms)


def _prefetch_associations(stats, pairs):
    """Count the articles of many pairs of words at once where the index is asked over the
    network (the cluster's ``co_occurrences``: one request, not one per pair)."""
    if not hasattr(stats, "co_occurrences"):
        return
    missing = [(a, b) for a, b in pairs if ("together", _word_key(a), _word_key(b)) not in stats.memo]
    if missing:
        for (a, b), counts in zip(missing, stats.co_occurrences(missing)):
            stats.memo[("together", _word_key(a), _word_key(b))] = counts


def forms_association(stats, a, b):
    """Xu and Croft's em of two words given as (field, [terms]): an article has a word when it has any of its terms."""
    if hasattr(stats, "co_occurrences"):  # the cluster counts them itself
        key = ("together", _word_key(a), _word_key(b))
        if key not in stats.memo:
            _prefetch_associations(stats, [(a, b)])
        return _em(stats, *stats.memo[key])
    ids_a, ids_b = _forms_postings(stats, *a), _forms_postings(stats, *b)
    both = len(np.intersect1d(ids_a, ids_b, assume_unique=True)) if len(ids_a) and len(ids_b) else 0
    return _em(stats, len(ids_a), len(ids_b), both)


def _em(stats, n_a, n_b, both):
    if not n_a or not n_b:
        return 0.0
    expected = n_a * n_b / max(1, stats.size)
    return max(0.0, both - expected) / (n_a + n_b)


def _frequency(stats, field, term):
    key = ("df", field, term)
    found = stats.memo.get(key)
    if found is None:
        found = stats.memo[key] = doc_frequency(stats.searcher, field, term)
    return found


def _prefetch(stats, field, terms):
    _prefetch_pairs(stats, [(field, term) for term in terms])


def _prefetch_pairs(stats, pairs):
    """Remember the frequencies of many (field, term) at once where the index is asked over the network
    (the cluster's ``doc_frequencies``: one request, not one per term)."""
    if not hasattr(stats, "doc_frequencies"):
        return
    missing = [pair for pair in dict.fromkeys(pairs) if ("df", *pair) not in stats.memo]
    if missing:
        for (field, term), frequency in stats.doc_frequencies(missing).items():
            stats.memo[("df", field, term)] = frequency


def _ending_twins(core):
    """(the shorter word, the twin forms) when the light stem cuts ``core``'s ين/ون ending, else None."""
    for ending, twins in PLURAL_TWINS.items():
        shorter = core[: -len(ending)]
        if core.endswith(ending) and strip_suffixes(core) == shorter:
            return shorter, [form for twin in twins for form in clitic_forms(shorter + twin)]
        if core.endswith(ending):
            return None
    return None


def _counted_terms(fieldname, word):
    """Every (field, term) ``expand_word`` may count for ``word``, asked of the cluster at once:
    the word, with ال, its stems and their related forms, the forms and twin forms the own-ending
    split compares, spellings with and without ال. Spellings and near words found later are few."""
    stem_field = fieldname + STEM_SUFFIX
    readings = stem_readings(word)
    cores = _cores(word)
    surface = [word, "ال" + word]
    for core in cores + [reading + ending for reading in readings for ending in PLURAL_TWINS]:
        twins = _ending_twins(core)
        if twins is not None:
            surface += clitic_forms(core) + twins[1]
    variants = [variant for variant in spelling_variants(word) if not is_stopword(variant)]
    surface += variants + ["ال" + variant for variant in variants if not variant.startswith("ال")]
    stems = list(readings) + sorted(set().union(*(related_stems(core) for core in [*readings, *cores])))
    return [(fieldname, term) for term in surface] + [(stem_field, term) for term in stems]


def is_name_like(stats, fieldname, word):
    """True when the archive has ``word`` and seldom writes it with ال (a name, not a common noun)."""
    if word.startswith("ال"):
        return False
    own = _frequency(stats, fieldname, word)
    if not own:
        return False
    return _frequency(stats, fieldname, "ال" + word) <= NAME_ARTICLE_SHARE * own


def _forms_postings(stats, fieldname, forms):
    """Article numbers having any of ``forms`` (terms of ``fieldname``)."""
    found = [stats.postings(fieldname, form)[0] for form in forms if _frequency(stats, fieldname, form)]
    if len(found) == 1:
        return found[0]
    return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int32)


def _existing_forms(stats, fieldname, core):
    return [form for form in dict.fromkeys(clitic_forms(core)) if _frequency(stats, fieldname, form)]


def has_own_ending(stats, fieldname, core):
    """True when ``core`` ends in ين/ون that the light stem cuts but that is not a plural ending.

    The archive shows it: the twin endings are (nearly) never written, and
    the word does not go with the shorter word (Xu and Croft's association
    below ``ASSOCIATION_THRESHOLD``). Both are asked, so a small archive that
    happens to hold one case ending of a plural does not split it.
    """
    key = ("own ending", fieldname, core)
    if key in stats.memo:
        return stats.memo[key]
    verdict = False
    twins = _ending_twins(core)
    if twins is not None:
        shorter, twin_forms = twins
        _prefetch(stats, fieldname, clitic_forms(core) + twin_forms)
        forms = _existing_forms(stats, fieldname, core)
        own = sum(_frequency(stats, fieldname, form) for form in forms)
        twin = sum(_frequency(stats, fieldname, form) for form in twin_forms)
        if own and twin < TWIN_SHARE * own:
            shorter_forms = (fieldname, clitic_forms(shorter))
            verdict = forms_association(stats, (fieldname, forms), shorter_forms) < ASSOCIATION_THRESHOLD
    stats.memo[key] = verdict
    return verdict


def _cores(word):
    """The word without a multi-letter clitic prefix, and without a single-letter one too."""
    kept = word
    for prefix in PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            kept = word[len(prefix):]
            break
    return list(dict.fromkeys([kept, kept[1:] if kept == word and len(word) >= 5 else kept]))


def _stem_split(stats, fieldname, word, readings):
    """(own forms, unlike forms) of a word: see ``WordExpansion``."""
    own_forms = []
    for core in _cores(word):
        if has_own_ending(stats, fieldname, core):
            own_forms += _existing_forms(stats, fieldname, core)
    if own_forms:
        return list(dict.fromkeys(own_forms)), []
    unlike = []
    for reading in readings:
        for ending in PLURAL_TWINS:
            longer = reading + ending
            if strip_suffixes(longer) == reading and has_own_ending(stats, fieldname, longer):
                unlike += [form for form in _existing_forms(stats, fieldname, longer) if stem(form) in readings]
    return [], list(dict.fromkeys(unlike))


def _spellings(stats, fieldname, word):
    if not is_name_like(stats, fieldname, word) and _frequency(stats, fieldname, word):
        return []
    if word.startswith("ال"):
        return []
    found = []
    variants = [variant for variant in spelling_variants(word) if not is_stopword(variant)]
    _prefetch(stats, fieldname, variants + ["ال" + variant for variant in variants if not variant.startswith("ال")])
    for variant in variants:
        frequency = _frequency(stats, fieldname, variant)
        if frequency and is_name_like(stats, fieldname, variant):
            found.append((frequency, variant))
    return [variant for _, variant in sorted(found, reverse=True)[:MAX_SPELLINGS]]


def _near(stats, stem_field, word_stem):
    core = word_core(word_stem)
    if len(core) < 3:
        return []
    if hasattr(stats, "terms_containing"):  # the cluster picks them from its own terms
        return [term for _, term in stats.terms_containing(stem_field, core, NEAR_EXTRA_LETTERS, MAX_NEAR_WORDS)]
    vocabulary = stats.vocabulary(stem_field)
    found = []
    start = vocabulary.find(core)
    seen = set()
    while start != -1:
        line_start = vocabulary.rfind("\n", 0, start) + 1
        line_end = vocabulary.find("\n", start)
        term = vocabulary[line_start:line_end]
        if term not in seen and len(term) <= len(core) + NEAR_EXTRA_LETTERS:
            seen.add(term)
            found.append((_frequency(stats, stem_field, term), term))
        start = vocabulary.find(core, line_end)
    return [term for _, term in sorted(found, reverse=True)[:MAX_NEAR_WORDS]]


def expand_word(stats, fieldname, word):
    """The ``WordExpansion`` of one normalised query word (cached per searcher)."""
    key = ("expansion", fieldname, word)
    cached = stats.memo.get(key)
    if cached is not None:
        return cached
    expansion = WordExpansion(word)
    stem_field = fieldname + STEM_SUFFIX
    if _is_expanded(word):
        readings = stem_readings(word)
        own_stem = readings[0]
        expansion.own_forms, expansion.unlike_forms = _stem_split(stats, fieldname, word, readings)
        if expansion.own_forms:
            # البحرين: its related forms are its own (البحريني), not the shorter word's.
            own = sum(_frequency(stats, fieldname, form) for form in expansion.own_forms)
            candidates = set().union(*(related_stems(core) for core in _cores(word))) - set(readings)
        else:
            own = sum(_frequency(stats, stem_field, reading) for reading in readings)
            candidates = set().union(*(related_stems(reading) for reading in readings)) - set(readings)
        candidates = [candidate for candidate in sorted(candidates) if _frequency(stats, stem_field, candidate)]
        if not own:  # a word the archive lacks takes its related forms as they are
            expansion.related = candidates
        else:
            own_words = ([(fieldname, expansion.own_forms)] if expansion.own_forms
                         else [(stem_field, [reading]) for reading in readings])
            pairs = [(a, (stem_field, [candidate])) for candidate in candidates for a in own_words]
            _prefetch_associations(stats, pairs)
            expansion.related = [
                candidate for candidate in candidates
                if max(forms_association(stats, a, (stem_field, [candidate])) for a in own_words)
                >= ASSOCIATION_THRESHOLD
            ]
        expansion.spellings = _spellings(stats, fieldname, word)
        if not own and not expansion.related and not expansion.spellings:
            expansion.near = [term for term in _near(stats, stem_field, own_stem) if term != own_stem]
    stats.memo[key] = expansion
    return expansion


def _is_expanded(word):
    return not is_stopword(word) and not word.isdigit() and not word.isascii()


def expand_query(stats, fieldname, parsed):
    """{word: WordExpansion} for the single-word clauses of a parsed query."""
    words = [clause.words[0] for group in parsed.groups for clause in group if clause.kind == "word"]
    _prefetch_pairs(stats, [pair for word in words if _is_expanded(word)
                            and ("expansion", fieldname, word) not in stats.memo
                            for pair in _counted_terms(fieldname, word)])
    expansions = {}
    for group in parsed.groups:
        for clause in group:
            if clause.kind == "word":
                expansion = expand_word(stats, fieldname, clause.words[0])
                if expansion:
                    expansions[clause.words[0]] = expansion
    return expansions


@dataclass(frozen=True)
class StemMatch:
    """A word's stem match with other words' forms kept out (expansion.py: البحرين is not البحر).

    With ``own_forms``, the word's own surface words; otherwise its stems'
    postings less the counts of ``unlike_forms``.
    """

    fieldname: str
    readings: tuple
    own_forms: tuple = ()
    unlike_forms: tuple = ()

    def postings(self, stats):
        """(docnums, term frequencies), remembered for the searcher."""
        key = ("stem match", self)
        found = stats.memo.get(key)
        if found is None:
            counts = np.zeros(stats.size, dtype=np.float32)
            if self.own_forms:
                for form in self.own_forms:
                    ids, freqs = stats.postings(self.fieldname, form)
                    counts[ids] += freqs
            else:
                for reading in self.readings:
                    ids, freqs = stats.postings(self.fieldname + STEM_SUFFIX, reading)
                    counts[ids] += freqs
                for form in self.unlike_forms:
                    ids, freqs = stats.postings(self.fieldname, form)
                    counts[ids] -= freqs
            ids = np.flatnonzero(counts > 0)
            found = stats.memo[key] = (ids, counts[ids])
        return found

    def frequency(self, stats):
        """Articles counted for idf: the most any reading has, as Lucene counts a SynonymQuery's
        terms; the articles matched where own or unlike forms change the match."""
        if self.own_forms or self.unlike_forms:
            return len(self.postings(stats)[0])
        return max(len(stats.postings(self.fieldname + STEM_SUFFIX, reading)[0]) for reading in self.readings)
