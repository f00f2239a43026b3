"""What people type into the search box, and the Whoosh queries it becomes.

Syntax (explained on the search page):
  keywords            articles with all of them first, then those with some
                      (up to two words; longer searches by score: ranking.py)
  "a phrase"          the words in this order ("…", “…” and «…» all work)
  -word, -"phrase"    leave out articles that have it
  word OR word        either one (also written |)
  prefix*             words that begin with it

``parse_query`` is pure and never raises: what it cannot read it skips and
describes in ``problems``, so the page can say what was ignored and where.
"""

from dataclasses import dataclass, field

from whoosh import query as wq

from articles.search.analysis import STEM_SUFFIX
from articles.text import QUESTION_MARKS, is_question_word, is_stopword, stem, stem_readings, strip_prefix, tokenise

# Long pastes are cut, as Wagtail does: a search box is not a document reader.
MAX_QUERY_LENGTH = 255

# In phrases, an exact (normalised surface) match counts this much more than a
# stem match. Single words are weighted in ranking.py.
SURFACE_BOOST = 1.5

OPEN_QUOTES = {'"': '"', "“": "”", "”": "“", "«": "»", "„": "“"}
OR_WORDS = {"OR", "|"}


# Bounds on what one query may cost (see expansion.py for prefixes).
# A prefix needs three letters: two are mostly a clitic (ال، وا، بال) and
# stand for a large part of the vocabulary.
MIN_PREFIX_LETTERS = 3
# Words, phrases and prefixes, searched for and excluded together.
MAX_CLAUSES = 20


@dataclass(frozen=True)
class Clause:
    kind: str  # "word", "phrase" or "prefix"
    words: tuple  # normalised words
    typed: str  # as the user typed it, for messages
    # A prefix bound to the index: the (field, term) pairs it stands for
    # (prefixes.bind_prefixes); empty until then.
    terms: tuple = ()


@dataclass
class ParsedQuery:
    text: str
    groups: list = field(default_factory=list)  # each a tuple of clauses joined by OR
    excluded: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not self.groups

    def positive_clauses(self):
        return [clause for group in self.groups for clause in group]


def _lex(text):
    """Split into ('phrase'|'word'|'or', text, negated, position) items."""
    items, problems = [], []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        negated = False
        start = i
        if char == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
            char = text[i]
        if char in OPEN_QUOTES:
            close = OPEN_QUOTES[char]
            end = min((j for j in (text.find(close, i + 1), text.find('"', i + 1)) if j != -1), default=-1)
            if end == -1:
                problems.append(f"علامة تنصيص غير مغلقة عند الموضع {start + 1}: بُحث عن الكلمات بعدها عبارةً")
                end = n
            items.append(("phrase", text[i + 1:end], negated, start))
            i = end + 1
            continue
        end = i
        while end < n and not text[end].isspace() and text[end] not in OPEN_QUOTES:
            end += 1
        word = text[i:end]
        if word in OR_WORDS and not negated:
            items.append(("or", word, False, start))
        else:
            items.append(("word", word, negated, start))
        i = end
    return items, problems


def _clause(kind, raw):
    if kind == "word" and raw.endswith("*"):
        words = tokenise(raw.rstrip("*"))
        if len(words) == 1 and len(words[0]) >= MIN_PREFIX_LETTERS:
            return Clause("prefix", tuple(words), raw)
        return None
    words = tokenise(raw)
    if not words:
        return None
    if len(words) == 1:
        return Clause("word", tuple(words), raw)
    return Clause("phrase", tuple(words), raw)


def parse_query(text):
    """Parse the search box.

    >>> q = parse_query('عين الصقر -داعش "وزارة الخارجية" سوريا OR العراق')
    >>> [[c.kind for c in g] for g in q.groups], [c.typed for c in q.excluded]
    ([['word'], ['word'], ['phrase'], ['word', 'word']], ['داعش'])
    """
    text = (text or "").strip()
    parsed = ParsedQuery(text=text[:MAX_QUERY_LENGTH])
    if len(text) > MAX_QUERY_LENGTH:
        parsed.problems.append(f"البحث أطول من {MAX_QUERY_LENGTH} حرفًا، فاقتُصر على أوله")
    items, lex_problems = _lex(parsed.text)
    parsed.problems.extend(lex_problems)

    pending_or = False
    for kind, raw, negated, position in items:
        if kind == "or":
            if not parsed.groups or pending_or:
                parsed.problems.append(f"«{raw}» عند الموضع {position + 1} لا يصل بين كلمتين فتُجوهل")
            else:
                pending_or = True
            continue
        if kind == "word" and raw.endswith("*") and _clause(kind, raw) is None:
            parsed.problems.append(
                f"«{raw}» عند الموضع {position + 1}: البحث ببداية الكلمة يحتاج {MIN_PREFIX_LETTERS} أحرف على الأقل"
            )
            continue
        clause = _clause(kind, raw)
        if clause is None:
            continue
        if len(parsed.excluded) + sum(map(len, parsed.groups)) >= MAX_CLAUSES:
            parsed.problems.append(
                f"البحث فيه أكثر من {MAX_CLAUSES} كلمة أو عبارة، فاقتُصر على أول {MAX_CLAUSES} منها"
                f" (من «{raw}» عند الموضع {position + 1} تُجوهل الباقي)"
            )
            pending_or = False
            break
        if negated:
            parsed.excluded.append(clause)
        elif pending_or:
            parsed.groups[-1] = parsed.groups[-1] + (clause,)
        else:
            parsed.groups.append((clause,))
        pending_or = False
    if pending_or:
        parsed.problems.append("«OR» في آخر البحث لا يصل بين كلمتين فتُجوهل")
    if parsed.excluded and not parsed.groups:
        parsed.problems.append("البحث فيه كلمات مستبعدة فقط: أضف كلمة واحدة على الأقل للبحث عنها")
    return parsed


def _word_query(fieldname, word):
    if is_stopword(word):
        return wq.Term(fieldname, word)
    return wq.Or([wq.Term(fieldname, word)] + [wq.Term(fieldname + STEM_SUFFIX, s) for s in stem_readings(word)])


def _phrase_query(fieldname, words):
    surface = wq.Phrase(fieldname, list(words), boost=SURFACE_BOOST)
    content = [word for word in words if not is_stopword(word)]
    if len(content) < 2:
        return surface
    # Stop words are not in the stem field; let the phrase span their gaps.
    stems = wq.Phrase(fieldname + STEM_SUFFIX, [stem(w) for w in content], slop=1 + len(words) - len(content))
    return wq.DisjunctionMax([surface, stems])


def _prefix_query(fieldname, word):
    return wq.Or([wq.Prefix(fieldname, word), wq.Prefix(fieldname + STEM_SUFFIX, strip_prefix(word))])


def clause_query(fieldname, clause):
    if clause.kind == "phrase":
        return _phrase_query(fieldname, clause.words)
    if clause.kind == "prefix" and clause.terms:
        return wq.Or([wq.Term(field, text) for field, text in clause.terms])
    if clause.kind == "prefix":
        return _prefix_query(fieldname, clause.words[0])
    return _word_query(fieldname, clause.words[0])


def content_groups(parsed):
    """The groups that count for matching: stop-word and question-word groups
    are left out, unless the query is nothing but those (then they are all it has)."""

    asked = parsed.text.rstrip().endswith(QUESTION_MARKS)

    def is_stop_group(group):
        return all(c.kind == "word" and is_question_word(c.words[0], asked) for c in group)

    content = [group for group in parsed.groups if not is_stop_group(group)]
    return content or parsed.groups
