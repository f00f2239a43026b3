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

import numpy as np
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
    if len(text) >= _TABLE_MIN_LENGTH:
        codes = _folded_codes(text, _FOLDED)
        if codes is not None:
            return codes.tobytes().decode("utf-32-le", "surrogatepass")
    return text.translate(_FOLD_TABLE)


# ``str.translate`` looks each character up in the fold table on its own (a
# dict lookup and an int object per character), and articles are thousands
# of characters: long texts are folded through tables indexed by code point
# instead, with numpy (a real body: folded 165 -> 35 µs, split into words 344 -> 104 µs).
# Entries are filled from ``fold_char`` the first time a character is seen,
# so both ways give the same text; a text with a character that folds to
# several (a ligature) or lies beyond the BMP takes the ``translate`` way.
_TABLE_MIN_LENGTH = 64
_UNSEEN, _EXPANDS, _DROPPED = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD  # never code points
_SPACE = 0x20
_FOLDED = np.full(0x10000, _UNSEEN, dtype=np.uint32)  # code point -> folded code point
_TOKEN = np.full(0x10000, _UNSEEN, dtype=np.uint32)  # the same, a space where the folded character is no word's


def _see(codes):
    for code in np.unique(codes).tolist():
        folded = fold_char(chr(code))
        if len(folded) == 1:
            _FOLDED[code] = ord(folded)
            _TOKEN[code] = ord(folded) if WORD_RE.fullmatch(folded) else _SPACE
        else:
            _FOLDED[code] = _TOKEN[code] = _EXPANDS if folded else _DROPPED


def _folded_codes(text, table):
    """``text``'s code points through ``table``, dropped characters left out; None if the table cannot fold it."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if codes.max() > 0xFFFF:
        return None
    mapped = table[codes]
    unseen = mapped == _UNSEEN
    if unseen.any():
        _see(codes[unseen])
        mapped = table[codes]
    if (mapped == _EXPANDS).any():
        return None
    return mapped[mapped != _DROPPED]


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


# Marks and format characters normalisation drops that written forms
# (``FoldedForms.pattern``) allow between letters: Arabic harakat and
# Quranic marks, tatweel, the soft hyphen and the invisible joiners, direction
# marks and embeddings. Text holding any other dropped character is read
# another way (the ``exotic`` group of ``FoldedForms.pattern``).
_COMMON_DROPPED = re.compile("[\u00ad\u0610-\u061a\u061c\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
                             "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")


class FoldedForms:
    """How normalisation folds every character of the Basic Multilingual Plane, read once
    (``folded_forms``), for finding written text by its normal form without normalising it."""

    def __init__(self):
        common_dropped, exotic, self.sources = [], [], {}
        for codepoint in range(0x10000):
            if 0xD800 <= codepoint <= 0xDFFF:
                continue
            folded = _FOLD_TABLE[codepoint]
            if not folded:
                (common_dropped if _COMMON_DROPPED.match(chr(codepoint)) else exotic).append(codepoint)
            elif len(folded) == 1:
                self.sources.setdefault(folded, []).append(codepoint)
            else:
                exotic.append(codepoint)  # a ligature (ﻻ → لا): one character, several letters
        self.gap = _character_class(common_dropped) + "*"
        # Characters the patterns do not follow: the other dropped ones, those
        # that fold to several, and everything beyond the BMP.
        self._exotic = set(exotic)
        self._exotic_class = self._with_astral(exotic)

    @staticmethod
    def _with_astral(codepoints):
        """The class of ``codepoints`` (sorted) and of every character beyond the BMP."""
        return _character_class(codepoints)[:-1] + "\U00010000-\U0010ffff]"

    def pattern(self, normalised):
        """A regular expression (text) finding the first of: a written form that normalises
        to ``normalised`` (each letter as any character that folds to it, the common marks
        between letters), or a character those forms do not follow, where the empty group
        ``exotic`` matches and what follows must be read another way.

        One class opens the pattern (the first letter's forms and the exotic characters),
        so the text is scanned for it at C speed, and once: text is known to be followed
        exactly up to the first match.
        """
        letters = [self.sources.get(char, [ord(char)]) for char in normalised]
        opening = self._with_astral(sorted(self._exotic.union(letters[0])))
        rest = "".join(self.gap + _character_class(letter) for letter in letters[1:])
        return f"{opening}(?:(?<={self._exotic_class})(?P<exotic>)|{rest})"


def _character_class(codepoints):
    """A regular-expression class of ``codepoints`` (sorted), consecutive ones as ranges."""
    parts, run = [], []
    for codepoint in codepoints:
        if run and codepoint == run[-1] + 1:
            run.append(codepoint)
            continue
        if run:
            parts.append(_class_range(run))
        run = [codepoint]
    if run:
        parts.append(_class_range(run))
    return "[" + "".join(parts) + "]"


def _class_range(run):
    first, last = re.escape(chr(run[0])), re.escape(chr(run[-1]))
    return first if len(run) == 1 else f"{first}-{last}"


@lru_cache(maxsize=1)
def folded_forms():
    return FoldedForms()


# A word is a run of letters and digits once marks are gone; so مُحَمَّد stays
# one word. The underscore that \w admits is not a word character for us.
WORD_RE = re.compile(r"[^\W_]+")


def tokenise(text):
    """Normalised words of ``text``, in order."""
    if len(text) >= _TABLE_MIN_LENGTH:
        # Folded, with every character that is no word's made a space: the words are what split() finds.
        codes = _folded_codes(text, _TOKEN)
        if codes is not None:
            return codes.tobytes().decode("utf-32-le", "surrogatepass").split()
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
# Only inflections that keep the word's meaning are cut at index time: the
# possessive ها and the sound plurals. Ta marbuta (folded to ه), the nisba
# ي/يه and the dual ان are kept, because stripping them joins different words
# (الرياض/الرياضة، النصر/النصرة، الخارجية/خارج، الأهلي/الأهلية، لبنان/لبن).
# Where the archive shows that such forms are one word (السعودي/السعودية،
# المعلم/المعلمة), ``related_stems`` offers them and ``articles.search.expansion``
# joins them at query time, on corpus statistics.
SUFFIXES = tuple(normalise(s) for s in ("ها", "ات", "ون", "ين"))
MIN_STEM = 2
# A single letter is cut as a clitic only where the stem keeps three letters,
# an Arabic root's length. Cut from a five-letter word whose last two are a
# suffix, it mostly cut the word's own letter: بحرين -> حر, كلمات -> لم,
# وحدات -> حد, كليات -> لي, while their ال forms stem to بحر, كلم, وحد, كلي.
# The clitic then stays on the rarer words that do have one (وقوات -> وقو);
# ``stem_readings`` looks for those too.
MIN_CLITIC_STEM = 3


def strip_prefix(word):
    for prefix in PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM:
            return word[len(prefix):]
    # Only where at least four letters remain, so short words that begin
    # with these letters (وقت، فكر، بيت، كتب) keep them.
    if len(word) >= 5 and word[0] in SINGLE_LETTER_PREFIXES:
        return word[1:]
    return word


def clitic_forms(core):
    """``core`` and ``core`` behind each clitic prefix: the ways one word is written in running text.

    >>> clitic_forms("بحرين")[:3]
    ['بحرين', 'وبالبحرين', 'وكالبحرين']
    """
    return [core, *(prefix + core for prefix in PREFIXES), *(letter + core for letter in SINGLE_LETTER_PREFIXES)]


# A sound masculine plural is written with either case ending (المعلمون،
# المعلمين) and a dual's oblique ين has its nominative ان (الطرفين، الطرفان).
# A word whose ين or ون is its own letters has no such twin: البحرين، القانون،
# الزيتون، حسين. ``articles.search.expansion`` keeps those apart from the
# shorter word the light stem joins them with (البحر، قان، الزيت، حس).
PLURAL_TWINS = {normalise("ين"): (normalise("ون"), normalise("ان")), normalise("ون"): (normalise("ين"),)}


def strip_suffixes(word):
    # Light10 order: each suffix at most once, keeping at least MIN_STEM letters.
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            word = word[: -len(suffix)]
    return word


@lru_cache(maxsize=1 << 20)
def stem(word):
    """Light stem of a normalised word: clitic prefix and common suffixes off.

    Cached: queries and highlighting ask for the same words again and again.

    >>> stem(normalise("والقوات")) == stem(normalise("للقوات")) == stem(normalise("القوات"))
    True
    """
    return light_stem(word)


def light_stem(word):
    """``stem`` without its cache (``known_stems`` keeps the stems of whole texts' words apart)."""
    if not word or word.isdigit() or word.isascii():
        return word
    cut = strip_prefix(word)
    stemmed = strip_suffixes(cut)
    if len(stemmed) < MIN_CLITIC_STEM and len(word) - len(cut) == 1:
        # بحرين is not ب + حرين: its stem is that of البحرين (بحر), not حر.
        return strip_suffixes(word)
    return stemmed


def stem_readings(word):
    """The stems a normalised query word may have in the index: its stem, and
    when that cut a first letter as a clitic (و ف ب ل ك), also the stem with
    that letter kept, because the index cuts it from the bare word but not
    after ال: وظيفة -> ظيفه, yet الوظيفة -> وظيفه; وزارة -> زاره, الوزارة -> وزاره;
    and the stem with one more letter cut (بوظيفتها -> وظيفت and ظيفت).
    """
    own = stem(word)
    if not word or word.isdigit() or word.isascii():
        return (own,)
    kept = word
    for prefix in PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM:
            kept = word[len(prefix):]
            break
    readings = [own, strip_suffixes(kept)]
    # بوظيفتها: the index holds وظيفتها as ظيفت (its و cut as a clitic).
    cut = strip_prefix(word)
    if cut != word and len(word) - len(cut) == 1:
        readings.append(stem(cut))
    return tuple(dict.fromkeys(readings))


def is_stopword(word):
    return word in STOPWORDS


def content_stems(body, words=None):
    """Light stems of the body's content words (``words``: the body already tokenised)."""
    known = known_stems()
    return [known.get(word) or stem_anew(word) for word in (tokenise(body) if words is None else words)
            if word not in STOPWORDS]


# Loops over a whole text's words (indexing, story signatures) read stems
# from this dict instead of ``stem``: a call through its lru_cache costs more
# than the dict lookup (a real body's stems: 168 -> 87 µs). Cleared when it
# holds this many words, so memory stays bounded; the two caches hold
# different callers' words, so neither holds the other's.
_KNOWN_STEMS = {}
KNOWN_STEMS_MAX = 1 << 20


def known_stems():
    """The dict of stems known so far (word -> ``stem(word)``); ``stem_anew`` adds to it."""
    if len(_KNOWN_STEMS) >= KNOWN_STEMS_MAX:
        _KNOWN_STEMS.clear()
    return _KNOWN_STEMS


def stem_anew(word):
    _KNOWN_STEMS[word] = stemmed = light_stem(word)
    return stemmed


# Words that make a question rather than say what it is about: left out of
# bag-of-words queries (never of the index, nor of phrases), as Lucene's
# stop set leaves out ما and متى. Forms with a clitic are listed whole.
QUESTION_WORDS = frozenset(normalise(word) for word in """
ما ماذا لماذا متى كيف اين أين هل كم اي أي من ماهو ماهي ما هو ما هي وما فما ولماذا ومتى وكيف واين وأين وهل وكم
ومن الذي التي الذين اللذين اللتين بماذا لمن عمن ممن فيم بم علام
""".split())


# أية ("which", feminine) is written آية ("a verse") too, and hamza folding
# makes them one word: it is a question word only in a search asked as a
# question (ending in ؟ or ?), so آية الكرسي still searches both words.
QUESTION_ONLY_WORDS = frozenset(normalise(word) for word in "أية وأية فأية بأية لأية".split())
QUESTION_MARKS = ("؟", "?")


def is_question_word(word, asked=False):
    """Whether ``word`` makes a question rather than names a subject; ``asked``: the search ends in a question mark."""
    return word in QUESTION_WORDS or word in STOPWORDS or (asked and word in QUESTION_ONLY_WORDS)


# Endings that make a related word from a stem: ta marbuta (ه once folded),
# nisba (ي, and its feminine يه) and the ta that a ta marbuta becomes before a
# pronoun (وظيفتها -> وظيفت, of وظيفة).
_RELATED_ENDINGS = ("يه", "ي", "ه", "ت")


def related_stems(stem_word):
    """Stems of words that may be forms of the same word: ta marbuta, nisba, ta/ha.

    Candidates only: whether they are one word is the archive's to say
    (``articles.search.expansion``). Both engines can expand with these.

    >>> sorted(related_stems("سعودي"))
    ['سعود', 'سعودت', 'سعوده', 'سعوديه']
    """
    if len(stem_word) < 3 or not stem_word.isalpha() or stem_word.isascii():
        return set()
    base = stem_word
    for ending in _RELATED_ENDINGS:
        if stem_word.endswith(ending) and len(stem_word) - len(ending) >= 3:
            base = stem_word[: -len(ending)]
            break
    forms = {base, base + "ه", base + "ي", base + "يه", base + "ت"}
    forms.discard(stem_word)
    return forms


# The letters Arabic writers use for a foreign g (Google: غوغل، جوجل، قوقل، كوكل)
# and the long vowels that transcriptions write or leave out (ترامب/ترمب).
G_LETTERS = "غجقك"
LONG_VOWELS = "اوي"
_MAX_G_LETTERS = 3


def spelling_variants(word):
    """Other Arabic spellings of a foreign name or loanword ``word`` (normalised).

    Every g letter (غ ج ق ك) written as any other, and at most one long vowel
    (ا و ي) added or left out inside the word. Candidates only: a search keeps
    those the archive has and that are written like names (``expansion.py``).

    >>> "ترمب" in spelling_variants("ترامب") and "هيجسيث" in spelling_variants("هيغسيث")
    True
    """
    if len(word) < 4 or not word.isalpha() or word.isascii():
        return set()
    g_positions = [i for i, char in enumerate(word) if char in G_LETTERS][:_MAX_G_LETTERS]
    spellings = {word}
    for position in g_positions:
        spellings = {s[:position] + g + s[position + 1:] for s in spellings for g in G_LETTERS}
    variants = set(spellings)
    for spelling in spellings:
        for i in range(1, len(spelling)):
            if spelling[i] in LONG_VOWELS and i < len(spelling) - 1:
                variants.add(spelling[:i] + spelling[i + 1:])
            if spelling[i - 1] not in LONG_VOWELS and spelling[i] not in LONG_VOWELS:
                variants.update(spelling[:i] + vowel + spelling[i:] for vowel in LONG_VOWELS)
    variants.discard(word)
    return {variant for variant in variants if len(variant) >= 3}


# Leading letters of verb and participle patterns (يرتبط، ترتبط، نرتبط، مرتبط، استرتب…).
_PATTERN_PREFIXES = ("است", "ي", "ت", "ن", "ا", "م")


def word_core(stem_word):
    """The letters a word shares with its derivatives, for the last-resort search.

    The stem without a pattern prefix or a ta marbuta / nisba / ta ending:
    يرتبط -> رتبط (found in مرتبطة، ارتبط), وظيفت -> وظيف (وظيفة، وظيفي).
    """
    core = stem_word
    for ending in _RELATED_ENDINGS:
        if core.endswith(ending) and len(core) - len(ending) >= 3:
            core = core[: -len(ending)]
            break
    for prefix in _PATTERN_PREFIXES:
        if core.startswith(prefix) and len(core) - len(prefix) >= 3:
            core = core[len(prefix):]
            break
    return core
