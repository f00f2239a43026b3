from django import template
from hijridate import Gregorian

register = template.Library()

EASTERN_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@register.filter
def digits(value, style):
    """Numbers in the reader's chosen digits: "arab" for Eastern Arabic (١٢٣), else Western."""
    text = str(value)
    return text.translate(EASTERN_DIGITS) if style == "arab" else text


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
def query_with(context, **changes):
    """The current page's query string with some parameters replaced (None removes one)."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params.setlist(key, value if isinstance(value, (list, tuple)) else [value])
    return params.urlencode()
