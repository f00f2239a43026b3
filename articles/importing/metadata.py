"""Metadata from the text of an Arabic news article: title, outlet, date, categories.

Pure functions: no database. ``extract`` separates what a republishing site
wrapped around an article (an attribution line, a disclaimer, trailing
category tags) from the article itself, and keeps each piece verbatim in
``Extracted.kept`` so nothing of the original text is lost.

Phrases are found on text folded by ``articles.text.normalise`` (so نقلاً،
نقلا and نقلًا are one phrase) and mapped back through
``normalise_with_offsets``, so names are returned as written.
"""

import re
from dataclasses import dataclass, field

from articles.importing.dates import FoundDate, find_date
from articles.text import normalise, normalise_with_offsets


@dataclass
class Extracted:
    title: str
    title_derived: bool
    body: str
    original_source: str  # outlet name as written, e.g. "قناة الإخبارية" or "الإخبارية"
    date: FoundDate | None
    categories: list[str] = field(default_factory=list)
    # Boilerplate removed from the body, unchanged: only the keys found, of
    # "attribution", "disclaimer", "tags" (lines joined by "\n").
    kept: dict[str, str] = field(default_factory=dict)


def _folded_set(words):
    return frozenset(normalise(w) for w in words.split())


# --- Outlet names -----------------------------------------------------------

# A name ends at punctuation (a full stop only when a space or the end
# follows, so "فرانس 24." and "Reuters.com" behave) or at a dash between spaces.
_NAME_END = re.compile(r"[،,؛;:!?؟()\[\]«»\"“”\n]|\.(?=\s|$)|\s[-–—]\s")
# Words that cannot belong to an outlet's name: what follows one in a
# sentence (verbs, prepositions, time words). Any later word beginning with و
# also ends it (وتم، وقال), as do digits (a date).
_NAME_STOP = _folded_set("""
    او ثم في من عن على إلى الى ان أن إن بأن انه بتاريخ تاريخ يوم اليوم أمس مساء صباح
    ظهر فجر منذ خلال عبر حول لدى مع ضمن حيث الذي التي الذين نقلاً قوله قولها قال قالت
    أفاد أفادت أكد أكدت ذكر ذكرت أشار أشارت أوضح أوضحت نشر نشرت تم هذا هذه
    السبت الأحد الاثنين الثلاثاء الأربعاء الخميس الجمعة
""")
# The kind of outlet a name may start with; on its own with ال (الوكالة،
# القناة) it points back to an outlet named earlier and is not a name.
_OUTLET_HEADS = _folded_set("وكالة صحيفة جريدة قناة موقع إذاعة تلفزيون شبكة مجلة فضائية")
# Outlets often named bare, without a head word.
_KNOWN_OUTLETS = tuple(normalise(n.strip()) for n in """
    رويترز|فرانس برس|أسوشيتد برس|الأناضول|سانا|واس|وام|قنا|كونا|بترا|شينخوا|سبوتنيك|نوفوستي|تاس
    |إرنا|تسنيم|الجزيرة|العربية|الإخبارية|الميادين|الحدث|سكاي نيوز|بي بي سي|روسيا اليوم|فرانس 24
    |الشرق الأوسط|الأهرام|المنار|العربي الجديد|سي إن إن|الأنباء|أنباء
""".replace("\n", "").split("|"))
MAX_NAME_WORDS = 6


def _known_outlet_at(folded, start):
    """The length of the known outlet name at ``start`` of ``folded`` (0 if none)."""
    for known in _KNOWN_OUTLETS:
        end = start + len(known)
        if folded.startswith(known, start) and (end == len(folded) or not folded[end].isalnum()):
            return len(known)
    return 0


def _is_outlet(name):
    return name.split()[0].removeprefix("ال") in _OUTLET_HEADS or _known_outlet_at(name, 0) > 0


def _is_anaphora(name):
    return len(name.split()) == 1 and name.startswith("ال") and name[2:] in _OUTLET_HEADS


# (phrase, the outlet check its name must pass). The name starts where the
# group "name" starts; "وكالة" belongs to the name, the other phrases do not.
_TRIGGERS = [
    (re.compile(r"نشر\s+اولا\s+(?:علي|في)\s+(?:موقع\s+)?[«\"“]?(?=(?P<name>\S))"), None),
    (re.compile(r"(?<!\w)(?:مصدر\s+الخبر|المصدر)\s*:\s*[«\"“]?(?=(?P<name>\S))"), None),
    (re.compile(r"(?<!\w)نقلا\s+عن\s+[«\"“]?(?=(?P<name>\S))"), _is_outlet),
    (re.compile(r"(?<!\w)[لبو]?(?=(?P<name>وكاله\s+\S))"), lambda name: _known_outlet_at(name, 6) > 0),
    (re.compile(r"(?<!\w)[لبو]?مراسل(?:ه|و)?\s+[«\"“]?(?=(?P<name>\S))"), None),
]


def _name_at(folded, start):
    """(start, end) in ``folded`` of the outlet name beginning at ``start``."""
    stop = _NAME_END.search(folded, start)
    limit = stop.start() if stop else len(folded)
    # A known name is taken whole, digits and all (فرانس 24).
    end = known_end = start + _known_outlet_at(folded, start)
    for count, word in enumerate(re.finditer(r"\S+", folded[start:limit])):
        if start + word.end() <= known_end:
            continue
        text = word.group()
        if (
            count >= MAX_NAME_WORDS
            or text in _NAME_STOP
            or (count and text.startswith("و"))
            or any(char.isdigit() for char in text)
        ):
            break
        end = start + word.end()
    return start, end


def find_outlet(text):
    """The outlet ``text`` attributes itself to, as written, or "".

    The earliest attribution phrase wins: "نشر أولاً على موقع X", "المصدر: X",
    "نقلاً عن X" (when X is an outlet, not مصادر محلية), "وكالة X" (a news
    agency), "مراسل X".

    >>> find_outlet("أفاد مراسل الإخبارية نقلاً عن مصادر محلية، السبت")
    'الإخبارية'
    """
    folded, offsets = normalise_with_offsets(text)
    found = []
    for pattern, is_outlet in _TRIGGERS:
        for match in pattern.finditer(folded):
            start, end = _name_at(folded, match.start("name"))
            name = folded[start:end]
            if name and not _is_anaphora(name) and (is_outlet is None or is_outlet(name)):
                found.append((match.start(), start, end))
                break
    if not found:
        return ""
    _, start, end = min(found)
    return text[offsets[start]:offsets[end]].strip()


# --- Boilerplate lines ------------------------------------------------------

# Lines a republishing site adds, each marked by a phrase no article sentence uses.
_ATTRIBUTION_LINE = re.compile(
    r"هذا الخبر بعنوان|نشر\s+اولا\s+(?:علي|في)|تم\s+جلبه\s+من|^\W*(?:المصدر|مصدر الخبر)\s*:"
)
_DISCLAIMER_LINE = re.compile(
    r"لا\s+[يت]تحمل\s+(?:موقعنا|الموقع|الصحيفه)|بامكانكم\s+الاطلاع\s+علي|من\s+خلال\s+مصدره\s+الاصلي"
    r"|يعبر\s+عن\s+راي\s+كاتبه|لا\s+يعبر\s+بالضروره|جميع\s+الحقوق\s+محفوظه"
)
# A lone "نقلاً عن وكالة رويترز" line is an attribution; a long line is a sentence.
_SHORT_CREDIT = re.compile(r"^\W*نقلا\s+عن\s")
MAX_CREDIT_WORDS = 8
MAX_BOILERPLATE_CHARS = 500

CATEGORIES = """سياسة|اقتصاد|رياضة|ثقافة|فن|فنون|صحة|تكنولوجيا|علوم|محليات|دوليات|عربي ودولي|عربي|دولي
|عالمي|العالم|منوعات|مجتمع|تعليم|أخبار|اخبار محلية|أخبار عربية|أخبار دولية|ثقافة وفن|فن وثقافة
|علوم وتكنولوجيا|اقتصاد وأعمال|أعمال|بيئة|سياحة|حوادث|تقارير|رأي|مقالات|شؤون محلية|عاجل""".replace("\n", "")
_CATEGORIES = frozenset(" ".join(normalise(c).split()) for c in CATEGORIES.split("|"))
# A tag line may list several tags and carry a label: "التصنيف: سياسة، اقتصاد".
_TAG_LABEL = re.compile(r"^\s*(?:التصنيف|التصنيفات|القسم|الوسوم|الاقسام)\s*:")
_TAG_SPLIT = re.compile(r"[،,|#•·/]|\s[-–]\s")


def _kind(line):
    """"attribution", "disclaimer" or None for one line of text."""
    folded = normalise(line)
    if len(line) > MAX_BOILERPLATE_CHARS:
        return None
    if _ATTRIBUTION_LINE.search(folded) or (_SHORT_CREDIT.match(folded) and len(line.split()) <= MAX_CREDIT_WORDS):
        return "attribution"
    if _DISCLAIMER_LINE.search(folded):
        return "disclaimer"
    return None


def _tags(line):
    """The category words of a tag line as written, or None if it is not one."""
    folded = _TAG_LABEL.sub("", normalise(line))
    parts = [" ".join(p.split()) for p in _TAG_SPLIT.split(folded)]
    if not any(parts) or not all(p in _CATEGORIES for p in parts if p):
        return None
    written = _TAG_SPLIT.split(re.sub(r"^[^:]*:", "", line) if _TAG_LABEL.match(normalise(line)) else line)
    return [" ".join(w.split()) for w in written if w.strip()]


# --- Title --------------------------------------------------------------

MAX_TITLE_CHARS = 300
HEADLINE_WORDS = 12
_SENTENCE_END = re.compile(r"[.!?؟。]\s|[.!?؟]$|\n")
_INNER_SENTENCE_END = re.compile(r"[.!?؟]\s+\S")


def _is_title(line):
    # A paragraph runs on past a full stop, or ends in one after many words.
    words = line.split()
    return (
        0 < len(line) <= MAX_TITLE_CHARS
        and not _INNER_SENTENCE_END.search(line)
        and not (line.rstrip().endswith((".", ":", "،")) and len(words) > 15)
        and _kind(line) is None
    )


def derive_headline(body):
    """A short headline from the first sentence, for articles without a title line.

    >>> derive_headline("أفاد مراسل الإخبارية بأن التحالف استهدف مواقع. وأكدت المصادر")
    'أفاد مراسل الإخبارية بأن التحالف استهدف مواقع'
    """
    first = _SENTENCE_END.split(body.strip(), maxsplit=1)[0].strip()
    words = first.split()
    if len(words) > HEADLINE_WORDS:
        return " ".join(words[:HEADLINE_WORDS]) + " …"
    return first


def _strip_blank_ends(lines):
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


# --- Putting it together ------------------------------------------------------


def extract(text, today):
    """Title, body, original outlet, date, categories and kept boilerplate of ``text``.

    Every non-blank line of ``text`` ends up in exactly one of ``title``,
    ``kept`` and ``body``; body lines are unchanged. The date is the
    attribution line's date when there is one (when the republisher fetched
    it), else the first date in the text, with ``today`` for missing years.

    >>> from datetime import date
    >>> found = extract("عنوان الخبر\\n\\nنص الخبر يوم 20 كانون الأول 2025.\\nسياسة", date(2026, 1, 1))
    >>> found.title, found.body, found.categories, found.date.date
    ('عنوان الخبر', 'نص الخبر يوم 20 كانون الأول 2025.', ['سياسة'], datetime.date(2025, 12, 20))
    """
    lines = _strip_blank_ends(text.splitlines())
    title, title_derived = "", True
    if len(lines) > 2 and not lines[1].strip() and _is_title(lines[0].strip()):
        title, title_derived, lines = lines[0].strip(), False, lines[1:]

    kept_lines = {"attribution": [], "disclaimer": [], "tags": []}
    body = []
    for line in lines:
        kind = line.strip() and _kind(line)
        if kind:
            kept_lines[kind].append(line)
        else:
            body.append(line)
    body = _strip_blank_ends(body)

    categories = []
    tag_count = 0
    # Tags run from the end up; at least one line of article stays above them.
    for line in reversed(body):
        words = _tags(line) if line.strip() else []
        if words is None or len(line.split()) > 6:
            break
        categories[:0] = words
        tag_count += 1
    if tag_count and tag_count < len(body) and categories:
        kept_lines["tags"] = [line for line in body[-tag_count:] if line.strip()]
        body = _strip_blank_ends(body[:-tag_count])
    else:
        categories = []

    body_text = "\n".join(body)
    attribution = "\n".join(kept_lines["attribution"])
    return Extracted(
        title=title or derive_headline(body_text),
        title_derived=title_derived,
        body=body_text,
        original_source=find_outlet(attribution) or find_outlet(body_text),
        date=(attribution and find_date(attribution, today)) or find_date(text, today),
        categories=_unique(categories),
        kept={key: "\n".join(value) for key, value in kept_lines.items() if value},
    )


def _unique(words):
    seen, out = set(), []
    for word in words:
        if normalise(word) not in seen:
            seen.add(normalise(word))
            out.append(word)
    return out
