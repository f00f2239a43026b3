import re
from functools import lru_cache

from django import template
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.safestring import mark_safe
from hijridate import Gregorian

from articles.search_page import query_string
from articles.wording import counted, with_digits

register = template.Library()


@register.filter
def digits(value, style):
    """Numbers in the reader's chosen digits: "arab" for Eastern Arabic (١٢٣), else Western."""
    return with_digits(value, style)


@lru_cache(maxsize=4096)
def _long_date(day, language, style):
    return with_digits(date_format(day, "j F Y"), style)


@register.filter
def long_date(day, style):
    """A day as "21 يوليو 2015" in the reader's digits. Kept per language: a results page
    shows the same few days for every result and version, and Django formats each anew."""
    return _long_date(day, get_language(), style)


@register.simple_tag(takes_context=True)
def count_of(context, count, phrase):
    """``{% count_of n "result" %}``: نتيجة واحدة، نتيجتان، ٣ نتائج … in the reader's digits."""
    return counted(count, phrase, context.get("digit_style", "latn"))


# A body scraped as one block (most of SaudiNewsNet) is set in paragraphs of
# a few sentences for reading; a body with its own paragraphs keeps them.
PARAGRAPH_CHARS = 420
SENTENCE_END = re.compile(r"(?<=[.!؟?])\s+(?=[^\s])")


@register.filter(needs_autoescape=False)
def reading_paragraphs(html):
    """Highlighted body HTML (already escaped) as <p> paragraphs."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", str(html)) if block.strip()]
    if len(blocks) == 1 and len(blocks[0]) > PARAGRAPH_CHARS:
        blocks, current = [], ""
        for sentence in SENTENCE_END.split(str(html).strip()):
            current = f"{current} {sentence}".strip()
            if len(current) >= PARAGRAPH_CHARS:
                blocks.append(current)
                current = ""
        if current:
            blocks.append(current)
    return mark_safe("".join(f"<p>{block.replace(chr(10), '<br>')}</p>" for block in blocks))


@register.filter
def hijri(day):
    """The Hijri (Umm al-Qura) date of a Gregorian date, in Arabic: ٥ رجب ١٤٤٧ هـ, with Western digits."""
    if not day:
        return ""
    try:
        converted = Gregorian(day.year, day.month, day.day).to_hijri()
    except (OverflowError, ValueError):
        return ""  # outside the Umm al-Qura tables
    return f"{converted.day} {converted.month_name('ar')} {converted.year} هـ"


@register.simple_tag(takes_context=True)
def current_query(context):
    """The current page's query string without its page number (for pagination and export links)."""
    return query_string(context["request"].GET)
