"""Arabic text handling: the one place that decides what two words "are the same".

Indexing, querying, highlighting (and later duplicate detection and spelling)
all call this module, so a query finds what the index holds whatever diacritics,
hamza forms, digits or clitics either side was written with.

Normalisation is defined character by character (``fold_char``). That keeps it
idempotent, lets ``str.translate`` do the work at C speed, and gives
``normalise_with_offsets`` an exact map back to the original text for
highlighting.
"""

import re
import unicodedata
from functools import lru_cache

from pyarabic import araby

# Letter folds applied after NFKC. Chosen by bench/retrieval.py (see README):
# hamza carriers and alef variants fold to their bare letter, as Lucene's
# ArabicNormalizer does, and ta marbuta folds to ha because news text writes
# the two interchangeably at word end (مدينة / مدينه).
LETTER_FOLDS = {
    araby.ALEF_HAMZA_ABOVE: araby.ALEF,
    araby.ALEF_HAMZA_BELOW: araby.ALEF,
    araby.ALEF_MADDA: araby.ALEF,
    araby.ALEF_WASLA: araby.ALEF,
    "ٲ": araby.ALEF, "ٳ": araby.ALEF,
    araby.ALEF_MAKSURA: araby.YEH,
    araby.YEH_HAMZA: araby.YEH,
    araby.WAW_HAMZA: araby.WAW,
    araby.TEH_MARBUTA: araby.HEH,
    # Persian and Urdu forms of yeh, heh and kaf
    "ی": araby.YEH, "ې": araby.YEH,
    "ۀ": araby.HEH, "ە": araby.HEH, "ہ": araby.HEH, "ھ": araby.HEH, "ۃ": araby.HEH,
    "ک": araby.KAF, "ڪ": araby.KAF,
}

# Format characters (category Cf: ZWNJ, ZWJ, LRM, RLM, ALM, BOM, soft hyphen,
# bidi embeddings and isolates) and nonspacing marks (Mn: pyarabic's TASHKEEL
# and SMALL_ALEF, and the Quranic annotation marks) carry no meaning for
# search. Tatweel is a letter by category, so it is named.
_DROPPED_CATEGORIES = {"Mn", "Me", "Cf"}
TATWEEL = araby.TATWEEL


def fold_char(char):
    """The normalised form of one character: '' (dropped), itself, or a replacement.

    >>> fold_char("أ"), fold_char("\u064e"), fold_char("٣"), fold_char("ﻻ")
    ('ا', '', '3', 'لا')
    """
    if char == TATWEEL:
        return ""
    out = []
    for part in unicodedata.normalize("NFKC", char):
        category = unicodedata.category(part)
        if category in _DROPPED_CATEGORIES or part == TATWEEL:
            continue
        if category == "Nd":
            out.append(str(unicodedata.digit(part)))
            continue
        part = LETTER_FOLDS.get(part, part)
        out.append(part.casefold())
    return "".join(out)


class _FoldTable(dict):
    """A ``str.translate`` table that fills itself on first sight of a character."""

    def __missing__(self, codepoint):
        folded = fold_char(chr(codepoint))
        self[codepoint] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def normalise(text):
    """Fold ``text`` for search. Idempotent: normalise(normalise(t)) == normalise(t).

    >>> normalise("الأمريكيّة")
    'الامريكيه'
    """
    return text.translate(_FOLD_TABLE)


def normalise_with_offsets(text):
    """Like ``normalise``, with ``offsets[i]`` = index in ``text`` of ``result[i]``.

    ``offsets`` has one extra entry, ``len(text)``, so an end offset can be
    looked up for a span that runs to the end.
    """
    out = []
    offsets = []
    for index, char in enumerate(text):
        folded = _FOLD_TABLE[ord(char)]
        if folded:
            out.append(folded)
            offsets.extend([index] * len(folded))
    offsets.append(len(text))
    return "".join(out), offsets


# A word is a run of letters and digits once marks are gone; so مُحَمَّد stays
# one word. The underscore that \w admits is not a word character for us.
WORD_RE = re.compile(r"[^\W_]+")


def tokenise(text):
    """Normalised words of ``text``, in order."""
    return WORD_RE.findall(normalise(text))


def token_spans(normalised_text):
    """(word, start, end) for each word of already-normalised text."""
    return [(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(normalised_text)]


# Function words, normalised, in the spirit of Lucene's Arabic stop set. They
# are indexed as surface words (so phrases keep them) but left out of the stem
# field and out of bag-of-words queries, where they match nearly every article.
STOPWORDS = frozenset(normalise(word) for word in """
في من على الى إلى عن مع ان أن إن او أو ثم بل لا لم لن ما ماذا متى اين أين كيف كم
هل قد لقد كان كانت يكون تكون كانوا هو هي هم هن انا أنا نحن انت أنت انتم أنتم هما
هذا هذه ذلك تلك هؤلاء اولئك أولئك الذي التي الذين اللذان اللتان اللواتي اللاتي
التى الذى عند عندما حتى حيث بين بعد قبل كل بعض غير سوى منذ لدى لدي خلال ضد نحو
اي أي اذا إذا لو لكن لكن ليس ليست وقد وكان وهو وهي وفي ومن وعلى وان وأن وإن
فى ولا وما كما لها له لهم لهن بها به بهم فيه فيها منه منها عليه عليها اليه إليه
عنه عنها يا ايضا أيضا فقط اما أما إما الا إلا هنا هناك ثمة تم
""".split())


# Clitic prefixes, longest first. Single letters (the conjunctions و ف and the
# prepositions ب ل ك) are stripped only from words of five letters or more.
# That also cuts some words whose first letter is their own (بيروت -> يروت,
# consistently at index and query time, so they still find each other); on
# bench/retrieval.py it beat Light10's و-only rule and no single letters.
PREFIXES = tuple(
    normalise(p) for p in ("وبال", "وكال", "فبال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال")
)
SINGLE_LETTER_PREFIXES = ("و", "ف", "ب", "ل", "ك")
# ية folds to يه, so Light10's يه/ية pair is one entry here.
SUFFIXES = tuple(normalise(s) for s in ("ها", "ان", "ات", "ون", "ين", "ية", "ه", "ي"))
MIN_STEM = 2


def strip_prefix(word):
    for prefix in PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM:
            return word[len(prefix):]
    # Only where at least four letters remain, so short words that begin
    # with these letters (وقت، فكر، بيت، كتب) keep them.
    if len(word) >= 5 and word[0] in SINGLE_LETTER_PREFIXES:
        return word[1:]
    return word


def strip_suffixes(word):
    # Light10 order: each suffix at most once, keeping at least MIN_STEM letters.
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            word = word[: -len(suffix)]
    return word


@lru_cache(maxsize=1 << 20)
def stem(word):
    """Light stem of a normalised word: clitic prefix and common suffixes off.

    Cached: news text repeats its words, and this is the indexing hot path.

    >>> stem(normalise("والقوات")) == stem(normalise("للقوات")) == stem(normalise("القوات"))
    True
    """
    if not word or word.isdigit() or word.isascii():
        return word
    return strip_suffixes(strip_prefix(word))


def is_stopword(word):
    return word in STOPWORDS
