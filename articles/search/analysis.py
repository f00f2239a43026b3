"""Whoosh field types and analyzers built on ``articles.text``.

Each text field is indexed twice: its normalised surface words (with
positions, for phrases and for ranking exact matches first) and, in a
companion ``<name>_stem`` field, light stems without stop words (for recall:
القوات finds والقوات، بالقوات، للقوات).

The field types compute their postings straight from the cached word
analysis instead of walking Whoosh's token-object pipeline: that pipeline, not
the posting writer, is where most of Whoosh's indexing time goes.
"""

from collections import defaultdict

from whoosh.analysis import Analyzer, Token
from whoosh.fields import TEXT
from whoosh.formats import Positions

from articles.text import STOPWORDS, known_stems, normalise, stem_anew, strip_prefix, tokenise

STEM_SUFFIX = "_stem"
# A column (neither indexed nor stored) of each document's database pk as a
# number: results map documents to articles by reading it whole, where
# Whoosh's stored fields unpickle one document at a time.
PK_COLUMN = "django_pk"


def pk_column_field():
    from whoosh.columns import NumericColumn
    from whoosh.fields import COLUMN

    return COLUMN(NumericColumn("q", default=-1))


_last_analysed = (None, [])


def surface_words(text):
    # Both fields of a document are built from the same string, one after the
    # other: remembering the last one halves the tokenising work.
    global _last_analysed
    last_text, last_words = _last_analysed
    if text is last_text:
        return last_words
    words = tokenise(text)
    _last_analysed = (text, words)
    return words


def stem_words(text):
    """(position, stem) for each non-stop word, positions as in surface_words."""
    known = known_stems()
    return [(pos, known.get(word) or stem_anew(word)) for pos, word in enumerate(surface_words(text))
            if word not in STOPWORDS]


class _WordAnalyzer(Analyzer):
    """Whoosh ``Analyzer`` face of the same analysis, for Whoosh's generic paths.

    It gives words and positions only, no character offsets: highlighting
    works on the original text itself (``articles.search.highlight``).
    """

    def words(self, text):
        raise NotImplementedError

    def whole(self, text):
        return normalise(text)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            # Whoosh's query parser hands over a whole term (a wildcard such as
            # امريك* or *, a range end) to be normalised, not split into words.
            token.text, token.boost, token.stopped = self.whole(value), 1.0, False
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            if keeporiginal:
                token.original = value
            if positions:
                token.pos = start_pos
            yield token
            return
        for pos, word in self.words(value):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + pos
            if chars:
                # No offsets (see above); the parser only needs them in order.
                token.startchar, token.endchar = start_char + pos, start_char + pos + 1
            yield token


class SurfaceAnalyzer(_WordAnalyzer):
    def words(self, text):
        return enumerate(surface_words(text))


class StemAnalyzer(_WordAnalyzer):
    def words(self, text):
        return stem_words(text)

    def whole(self, text):
        return strip_prefix(normalise(text))


# Whoosh's ``Positions.encode`` of a word found once, by position: it pickles
# a list per word of every document, and half of an article's words occur
# once. Articles are a few thousand words long, so this stays small.
_FOUND_ONCE = {}
_FOUND_ONCE_LIMIT = 100_000


# A posting's weight (its frequency) as one shared float per frequency, not
# a new float per posting: the writer's pool holds them all until its commit.
_WEIGHTS = tuple(float(n) for n in range(256))


def _postings(field, positioned_words):
    poses = defaultdict(list)
    for pos, word in positioned_words:
        poses[word].append(pos)
    encode = field.format.encode
    boost = field.format.field_boost
    shared = len(_WEIGHTS) if boost == 1 else 0  # frequencies below this take a shared weight
    once = _FOUND_ONCE if type(field.format) is Positions else None
    for word, poslist in poses.items():
        found = len(poslist)
        if once is not None and found == 1:
            value = once.get(poslist[0])
            if value is None:
                value = encode(poslist)
                if len(once) < _FOUND_ONCE_LIMIT:
                    once[poslist[0]] = value
        else:
            value = encode(poslist)
        yield word.encode("utf-8"), found, _WEIGHTS[found] if found < shared else found * boost, value


class ArabicTextField(TEXT):
    """Normalised surface words with positions."""

    def __init__(self, **kwargs):
        super().__init__(analyzer=SurfaceAnalyzer(), phrase=True, **kwargs)

    def index(self, value, **kwargs):
        return _postings(self, enumerate(surface_words(value)))


class ArabicStemField(TEXT):
    """Light stems of the non-stop words, at their surface positions."""

    def __init__(self, **kwargs):
        super().__init__(analyzer=StemAnalyzer(), phrase=True, **kwargs)

    def index(self, value, **kwargs):
        return _postings(self, stem_words(value))
