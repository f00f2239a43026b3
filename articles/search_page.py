"""What the search page shows around the results: filter choices, chips, quick ranges, histogram.

Every control is a link or a GET form, so any state of the page is a URL
that can be bookmarked and shared.
"""

from datetime import date, timedelta

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


def facet_groups(params, facets, filters):
    """[{name, label, options: [{value, count, selected}]}]; selected values first, even at zero."""
    chosen = {"source": filters.sources, "category": filters.categories}
    groups = []
    for name, counts in facets.items():
        counted = dict(counts)
        options = [{"value": v, "count": counted.get(v, 0), "selected": True} for v in chosen[name]]
        options += [{"value": v, "count": n, "selected": False} for v, n in counts if v not in chosen[name]]
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
    if filters.date_from:
        found.append({"label": f"من {filters.date_from.isoformat()}", "url": _url(params, date_from=[])})
    if filters.date_to:
        found.append({"label": f"إلى {filters.date_to.isoformat()}", "url": _url(params, date_to=[])})
    return found


def quick_ranges(params, today=None):
    today = today or date.today()
    return [
        {"label": label, "url": _url(params, date_from=[(today - timedelta(days=days)).isoformat()], date_to=[])}
        for label, days in QUICK_RANGES
    ]


def histogram_bars(params, histogram):
    """Bars for the date histogram: each links to its own date range."""
    granularity, buckets = histogram
    peak = max((count for _, _, count in buckets), default=0)
    return [
        {
            "label": _bar_label(granularity, first, last),
            "count": count,
            "step": round(10 * count / peak) if peak else 0,  # CSS classes h0..h10: no inline styles under the CSP
            "url": _url(params, date_from=[first.isoformat()], date_to=[last.isoformat()]),
        }
        for first, last, count in buckets
    ]


def _bar_label(granularity, first, last):
    if granularity == "day":
        return first.isoformat()
    if granularity == "month":
        return f"{first.year:04d}-{first.month:02d}"
    return f"{first.year:04d}" if first.year == last.year else f"{first.year:04d}–{last.year:04d}"


def suggestion_url(params, suggestion):
    return _url(params, q=[suggestion])
