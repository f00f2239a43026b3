"""Counted Arabic phrases: نتيجة واحدة، نتيجتان، ٣ نتائج، ١١ نتيجة …

Arabic has six plural forms (zero, one, two, 3–10, 11–99, 100 and up); the
phrases go through Django's ``ngettext`` with the forms in
``locale/ar/LC_MESSAGES/django.po``, so each count reads as an Arabic
speaker says it. The English msgids are only keys.
"""

import re

from django.utils.translation import ngettext

EASTERN_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def with_digits(value, style):
    """``value`` as text in the reader's digits: "arab" for Eastern Arabic (١٢٣), else Western."""
    text = str(value)
    return text.translate(EASTERN_DIGITS) if style == "arab" else text

PHRASES = {
    "result": lambda n: ngettext("%(count)s result", "%(count)s results", n),
    "other_version": lambda n: ngettext("%(count)s other version", "%(count)s other versions", n),
    "article": lambda n: ngettext("%(count)s article", "%(count)s articles", n),
    "row": lambda n: ngettext("%(count)s row", "%(count)s rows", n),
    "page": lambda n: ngettext("%(count)s page", "%(count)s pages", n),
    "record": lambda n: ngettext("%(count)s record", "%(count)s records", n),
    "file": lambda n: ngettext("%(count)s file", "%(count)s files", n),
    "duplicate": lambda n: ngettext("%(count)s duplicate", "%(count)s duplicates", n),
    "failure": lambda n: ngettext("%(count)s failed record", "%(count)s failed records", n),
    "story": lambda n: ngettext("%(count)s story", "%(count)s stories", n),
}


def counted(count, phrase, digits="latn"):
    """``count`` with its noun in the right Arabic form, the number in the reader's digits."""
    count = int(count)
    return PHRASES[phrase](count) % {"count": with_digits(count, digits)}


# What an import is doing (ImportJob.stage, written in English for logs and
# the command line), as the Arabic admin says it.
_STAGES = [
    (re.compile(r"importing$"), lambda m: "استيراد"),
    (re.compile(r"waiting for the index write lock$"), lambda m: "انتظار إتاحة الفهرس للكتابة"),
    (re.compile(r"waiting for the index commit to finish$"), lambda m: "انتظار انتهاء حفظ الفهرس"),
    (re.compile(r"committing ([\d,]+) articles to the index; the import goes on$"),
     lambda m: f"حفظ {counted(_number(m[1]), 'article')} في الفهرس، والاستيراد مستمر"),
    (re.compile(r"committing ([\d,]+) articles to the index$"),
     lambda m: f"حفظ {counted(_number(m[1]), 'article')} في الفهرس"),
    (re.compile(r"merging (\d+) of (\d+) index segments \(([\d,]+) articles\)$"),
     lambda m: f"دمج {m[1]} من {m[2]} أجزاء الفهرس ({counted(_number(m[3]), 'article')})"),
    (re.compile(r"index optimised: (\d+) segments$"), lambda m: f"اكتمل دمج الفهرس: {m[1]} جزء"),
]


def _number(text):
    return int(text.replace(",", ""))


def stage_in_arabic(stage):
    """An import's stage in Arabic (one not known here is shown as it is)."""
    for pattern, say in _STAGES:
        match = pattern.match(stage)
        if match:
            return say(match)
    return stage
