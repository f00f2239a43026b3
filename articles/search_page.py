"""What the search page shows around the results: filter choices, chips, quick ranges, histogram.

Every control is a link or a GET form, so any state of the page is a URL
that can be bookmarked and shared.
"""

from datetime import date, timedelta
from functools import lru_cache

from django.utils.formats import date_format
from django.utils.translation import get_language

QUICK_RANGES = [("آخر أسبوع", 7), ("آخر شهر", 30), ("آخر سنة", 365)]
FACET_LABELS = {"source": "المصدر", "category": "التصنيف"}


def query_string(params, **changes):
    """``params`` without the page number, some replaced by lists of values (an empty list removes one)."""
    params = params.copy()
    params.pop("page", None)
    for key, values in changes.items():
        params.setlist(key, [v for v in values if v not in (None, "")])
    return params.urlencode()


def _url(params, **changes):
    return "?" + query_string(params, **changes)


def facet_groups(params, facets, filters, as_written=None):
    """[{name, label, options: [{value, count, as_written, selected}]}]; selected values first, even at zero.

    ``as_written`` ({field: {value: count}}) is how many of ``count`` have a
    query word as written, not only a related form or another spelling.
    """
    chosen = {"source": filters.sources, "category": filters.categories}
    groups = []
    for name, counts in facets.items():
        counted = dict(counts)
        written = (as_written or {}).get(name)

        def option(value, count, selected):
            return {"value": value, "label": value, "count": count, "selected": selected,
                    "as_written": written.get(value, 0) if written is not None else count}

        options = [option(v, counted.get(v, 0), True) for v in chosen[name]]
        options += [option(v, n, False) for v, n in counts if v not in chosen[name]]
        groups.append({"name": name, "label": FACET_LABELS[name], "options": options})
    return groups


def chips(params, filters):
    """The active filters, each with the URL that removes it."""
    found = []
    for name, label in FACET_LABELS.items():
        values = params.getlist(name)
        for value in values:
            rest = [v for v in values if v != value]
            found.append({"label": f"{label}: {value}", "url": _url(params, **{name: rest})})
    # Dates as Arabic words (21 يوليو 2015): an ISO date's hyphens are
    # reordered by the bidi algorithm inside right-to-left text.
    if filters.date_from:
        found.append({"label": f"من {arabic_date(filters.date_from)}", "url": _url(params, date_from=[])})
    if filters.date_to:
        found.append({"label": f"إلى {arabic_date(filters.date_to)}", "url": _url(params, date_to=[])})
    return found


def arabic_date(day, granularity="day"):
    """21 يوليو 2015، يوليو 2015 or 2015 (the site's language is Arabic, so are the month names)."""
    return _formatted_date(day, granularity, get_language())


@lru_cache(maxsize=4096)
def _formatted_date(day, granularity, language):
    # Kept per language: the histogram's bars and chips are the same days page after page.
    return date_format(day, {"day": "j F Y", "week": "j F Y", "month": "F Y", "year": "Y"}[granularity])


def quick_ranges(params, today=None):
    today = today or date.today()
    return [
        {"label": label, "url": _url(params, date_from=[(today - timedelta(days=days)).isoformat()], date_to=[])}
        for label, days in QUICK_RANGES
    ]


BAR_LABELS = {"day": "{}", "week": "أسبوع {}", "month": "{}", "year": "سنة {}"}


def histogram_bars(params, histogram):
    """Bars for the date histogram: each with results links to its own date range; empty bars do not."""
    granularity, buckets = histogram
    peak = max((count for _, _, count in buckets), default=0)
    return [
        {
            "label": BAR_LABELS[granularity].format(arabic_date(first, granularity)),
            "short": arabic_date(first, granularity),
            "count": count,
            "step": round(10 * count / peak) if peak else 0,  # CSS classes h0..h10: no inline styles under the CSP
            "url": _url(params, date_from=[first.isoformat()], date_to=[last.isoformat()]) if count else "",
        }
        for first, last, count in buckets
    ]


def empty_advice(parsed, filters):
    """What to try when nothing was found, only what applies to this search."""
    advice = []
    if filters:
        advice.append("أزل بعض المرشحات أعلاه.")
    words = [clause for group in parsed.groups for clause in group]
    if len(words) > 1:
        advice.append("جرّب كلمات أقل أو أعمّ، أو كلمة بمعناها.")
    else:
        advice.append("جرّب كلمة أعمّ أو بمعناها.")
    if any(clause.kind == "phrase" for clause in words):
        advice.append("احذف علامات التنصيص لتجد الكلمات متفرقة.")
    if parsed.excluded:
        advice.append("احذف الكلمات المستبعدة (المسبوقة بعلامة -).")
    return advice


def versions_switch_url(params, every_version):
    """The same search with every version of a story listed, or with stories collapsed again."""
    return _url(params, versions=[] if every_version else ["all"])


def suggestion_url(params, suggestion):
    return _url(params, q=[suggestion])
