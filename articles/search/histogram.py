"""The date histogram's bars: a bar size that suits the span, so a result set gets tens of bars, not hundreds.

A few days of news get a bar a day; a season, a bar a week; a few years, a
bar a month; a decade and more, a bar a year. Days without results inside
the span are bars of zero, so the time axis stays even.
"""

from datetime import date, timedelta

# At most this many bars: the smallest bar size that stays within it is used.
MAX_BARS = 60
GRANULARITIES = ("day", "week", "month", "year")
# Weeks start on Saturday, as in most of the Arab world.
WEEK_STARTS = 5  # date.weekday(): Monday is 0


def bucket_start(day, granularity, years=1):
    """The first day of ``day``'s bar; a "year" bar spans ``years`` years."""
    if granularity == "day":
        return day
    if granularity == "week":
        try:
            return day - timedelta(days=(day.weekday() - WEEK_STARTS) % 7)
        except OverflowError:  # the week of 0001-01-01 starts before date.min
            return date.min
    if granularity == "month":
        return day.replace(day=1)
    return date(day.year - (day.year - 1) % years, 1, 1)


def next_start(start, granularity, years=1):
    """The first day of the bar after ``start``'s; None past date.max (9999-12-31)."""
    try:
        if granularity == "day":
            return start + timedelta(days=1)
        if granularity == "week":
            return start + timedelta(days=7)
        if granularity == "month":
            return date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        return date(start.year + years, 1, 1)
    except (OverflowError, ValueError):
        return None


def bar_count(first, last, granularity):
    if granularity == "day":
        return (last - first).days + 1
    if granularity == "week":
        return (bucket_start(last, "week") - bucket_start(first, "week")).days // 7 + 1
    if granularity == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return last.year - first.year + 1


def choose_granularity(first, last, max_bars=MAX_BARS):
    for granularity in GRANULARITIES:
        if bar_count(first, last, granularity) <= max_bars:
            return granularity
    return "year"


def group_days(day_counts, max_bars=MAX_BARS):
    """(granularity, [(first day, last day, count)]) from [(day, day, count)] (days in any order, gaps allowed)."""
    day_counts = [(day, count) for day, _, count in day_counts if count]
    if not day_counts:
        return ("day", [])
    first = min(day for day, _ in day_counts)
    last = max(day for day, _ in day_counts)
    granularity = choose_granularity(first, last, max_bars)
    # Dates spanning centuries (0001-01-01 beside 2015) get bars of several
    # years each: never more than ``max_bars`` bars, whatever the dates.
    years = -(-bar_count(first, last, "year") // max_bars) if granularity == "year" else 1
    totals = {}
    for day, count in day_counts:
        start = bucket_start(day, granularity, years)
        totals[start] = totals.get(start, 0) + count
    buckets, start = [], bucket_start(first, granularity, years)
    while start is not None and start <= last:
        following = next_start(start, granularity, years)
        buckets.append((start, following - timedelta(days=1) if following else date.max, totals.get(start, 0)))
        start = following
    return (granularity, buckets)
