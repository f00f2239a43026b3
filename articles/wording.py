"""Counted Arabic phrases: نتيجة واحدة، نتيجتان، ٣ نتائج، ١١ نتيجة …

Arabic has six plural forms (zero, one, two, 3–10, 11–99, 100 and up); the
phrases go through Django's ``ngettext`` with the forms in
``locale/ar/LC_MESSAGES/django.po``, so each count reads as an Arabic
speaker says it. The English msgids are only keys.
"""

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
