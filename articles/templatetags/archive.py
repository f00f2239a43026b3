from django import template
from hijridate import Gregorian

from articles.search_page import query_string
from articles.wording import counted, with_digits

register = template.Library()


@register.filter
def digits(value, style):
    """Numbers in the reader's chosen digits: "arab" for Eastern Arabic (١٢٣), else Western."""
    return with_digits(value, style)


@register.simple_tag(takes_context=True)
def count_of(context, count, phrase):
    """``{% count_of n "result" %}``: نتيجة واحدة، نتيجتان، ٣ نتائج … in the reader's digits."""
    return counted(count, phrase, context.get("digit_style", "latn"))


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
