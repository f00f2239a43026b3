"""Finding dates in Arabic news text and in structured date fields.

Pure functions: no database. Matching runs on text folded by
``articles.text.normalise`` (hamza forms, ta marbuta, digits of every script,
diacritics, tatweel), so the month tables below are folded the same way and a
single pattern covers كانون الأول / كانون الاول / ٢٠ and 20 alike. The folded
text can be shorter than the original, so spans are mapped back through
``normalise_with_offsets`` to report the date as it was written.

Failure policy: a date that does not exist (31 شباط, a Hijri year outside the
Umm al-Qura tables) is skipped and the search goes on; nothing here raises
for bad input.
"""

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone

from hijridate import Hijri

from articles.text import normalise, normalise_with_offsets


@dataclass(frozen=True)
class FoundDate:
    date: date
    precision: str  # "day" | "month" | "year"
    year_inferred: bool = False
    text: str = ""  # the matched text as written


# Every regional naming of the Gregorian months: Levantine/Iraqi, Egyptian/Gulf,
# Algerian/Tunisian and Moroccan. Names shared between regions (مارس، سبتمبر)
# are simply listed once per month.
GREGORIAN_MONTHS = {
    1: ("كانون الثاني", "كانون ثاني", "يناير", "جانفي"),
    2: ("شباط", "فبراير", "فيفري"),
    3: ("آذار", "مارس"),
    4: ("نيسان", "أبريل", "ابريل", "إبريل", "أفريل"),
    5: ("أيار", "مايو", "ماي"),
    6: ("حزيران", "يونيو", "يونيه", "جوان"),
    7: ("تموز", "يوليو", "يوليه", "جويلية", "يوليوز"),
    8: ("آب", "أغسطس", "اغسطس", "أوت", "غشت"),
    9: ("أيلول", "سبتمبر", "شتنبر"),
    10: ("تشرين الأول", "تشرين أول", "أكتوبر", "اكتوبر"),
    11: ("تشرين الثاني", "تشرين ثاني", "نوفمبر", "نونبر"),
    12: ("كانون الأول", "كانون أول", "ديسمبر", "دجنبر"),
}
HIJRI_MONTHS = {
    1: ("محرم", "المحرم"),
    2: ("صفر",),
    3: ("ربيع الأول", "ربيع أول"),
    4: ("ربيع الثاني", "ربيع الآخر", "ربيع ثاني"),
    5: ("جمادى الأولى", "جمادى الأول"),
    6: ("جمادى الآخرة", "جمادى الثانية", "جمادى الآخر", "جمادى الثاني"),
    7: ("رجب",),
    8: ("شعبان",),
    9: ("رمضان",),
    10: ("شوال",),
    11: ("ذو القعدة", "ذي القعدة"),
    12: ("ذو الحجة", "ذي الحجة"),
}
# Python's weekday(): Monday is 0.
WEEKDAYS = {"الاثنين": 0, "الإثنين": 0, "الثلاثاء": 1, "الأربعاء": 2, "الخميس": 3, "الجمعة": 4, "السبت": 5, "الأحد": 6}


def _fold(name):
    return " ".join(normalise(name).split())


# Folded name -> ("g" or "h", month number).
_MONTHS = {_fold(n): ("g", m) for m, names in GREGORIAN_MONTHS.items() for n in names}
_MONTHS.update({_fold(n): ("h", m) for m, names in HIJRI_MONTHS.items() for n in names})
_WEEKDAYS = {_fold(name): day for name, day in WEEKDAYS.items()}


def _alternation(names):
    # Longest first, so ربيع الاول wins over a shorter name it starts with.
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len, reverse=True))


# "Not a letter": a digit or punctuation may touch a month name (20كانون), a
# letter may not (ماي must not match inside مايو).
_START, _END = r"(?<![^\W\d_])", r"(?![^\W\d_])"
_MONTH = _alternation(_MONTHS)
# هـ folds to ه (tatweel dropped). م / ميلادي is accepted and ignored.
_ERA = rf"(?P<era>ه{_END}|هجري(?:ه)?{_END}|م{_END}|ميلادي(?:ه)?{_END})"
_YEAR_WORD = r"(?:[وفبل]?(?:ال|ل)?(?:عام|سنه)\s+)"

_NAMED = re.compile(
    rf"(?:{_START}(?P<weekday>{_alternation(_WEEKDAYS)}){_END}[\s,،]*(?:الموافق\s*)?)?"
    rf"(?:(?<!\d)(?P<day>\d{{1,2}})(?!\d)\s*(?:من\s+)?)?"
    rf"{_START}(?P<month>{_MONTH}){_END}"
    # Levantine papers often give both namings: كانون الأول/ديسمبر 2025.
    rf"(?:\s*[/(-]\s*(?:{_MONTH}){_END}\s*\)?)?"
    rf"(?:[\s,،]*(?:من\s+)?{_YEAR_WORD}?(?P<year>\d{{4}})(?!\d)(?:\s*{_ERA})?)?"
)
_YMD = re.compile(
    rf"(?<![\d/.-])(?P<year>\d{{4}})(?P<sep>[-/.])(?P<month>\d{{1,2}})(?P=sep)(?P<day>\d{{1,2}})(?![\d/])(?:\s*{_ERA})?"
)
_DMY = re.compile(
    rf"(?<![\d/.-])(?P<day>\d{{1,2}})(?P<sep>[-/.])(?P<month>\d{{1,2}})(?P=sep)(?P<year>\d{{4}})(?![\d/])(?:\s*{_ERA})?"
)
_YEAR_ONLY = re.compile(rf"{_START}{_YEAR_WORD}(?P<year>\d{{4}})(?!\d)(?:\s*{_ERA})?")

# A weekday pins the year only among recent years: news is dated near its import.
WEEKDAY_WINDOW_YEARS = 6


def _is_hijri(match):
    era = match.group("era") or ""
    return era.startswith("ه")


def _make_date(calendar, year, month, day):
    """A Gregorian date, or None when the date does not exist."""
    try:
        if calendar == "h":
            # Umm al-Qura tables; a plain date, not hijridate's subclass, leaves here.
            return date.fromordinal(Hijri(year, month, day).to_gregorian().toordinal())
        return date(year, month, day)
    except (ValueError, OverflowError):
        return None


def _years_before(today, years):
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _infer_year(month, day, weekday, today):
    """The most recent ``day``/``month`` on or before ``today``, preferring one on ``weekday``."""
    if weekday is not None:
        earliest = _years_before(today, WEEKDAY_WINDOW_YEARS)
        for year in range(today.year, today.year - WEEKDAY_WINDOW_YEARS - 1, -1):
            candidate = _make_date("g", year, month, day)
            if candidate and earliest <= candidate <= today and candidate.weekday() == weekday:
                return candidate
    # Eight years back reaches the previous 29 شباط even across 2100.
    for year in range(today.year, today.year - 9, -1):
        candidate = _make_date("g", year, month, day)
        if candidate and candidate <= today:
            return candidate
    return None


def _resolve_named(match, today):
    calendar, month = _MONTHS[" ".join(match.group("month").split())]
    day = int(match.group("day")) if match.group("day") else None
    year = int(match.group("year")) if match.group("year") else None
    if year is not None:
        found = _make_date(calendar, year, month, day or 1)
        return found and FoundDate(found, "day" if day else "month")
    # A bare month name (مارس is also a verb) is not a date, and a Hijri
    # day without its year cannot be placed.
    if day is None or calendar == "h":
        return None
    weekday = _WEEKDAYS.get(match.group("weekday") or "")
    found = _infer_year(month, day, weekday, today)
    return found and FoundDate(found, "day", year_inferred=True)


def _resolve_numeric(match, today):
    calendar = "h" if _is_hijri(match) else "g"
    found = _make_date(calendar, int(match.group("year")), int(match.group("month")), int(match.group("day")))
    return found and FoundDate(found, "day")


def _resolve_year(match, today):
    found = _make_date("h" if _is_hijri(match) else "g", int(match.group("year")), 1, 1)
    return found and FoundDate(found, "year")


def _as_written(text, offsets, match):
    # offsets[end] is where the next kept character starts, so marks and
    # tatweel written at the end of the match (هـ) stay with it.
    return text[offsets[match.start()]:offsets[match.end()]].strip()


def find_date(text, today):
    """The first date written in ``text``, or None.

    A day and month without a year get the most recent matching year on or
    before ``today`` (``year_inferred=True``); a weekday before them picks
    the recent year on which that day fell that weekday. A bare year ("عام
    2011") is returned only when the text holds no fuller date: in news it
    is usually background, not when the story happened.

    >>> find_date("السبت ٢٠ كانون الأول", date(2026, 11, 21))
    FoundDate(date=datetime.date(2025, 12, 20), precision='day', year_inferred=True, text='السبت ٢٠ كانون الأول')
    """
    if not text:
        return None
    if isinstance(today, datetime):  # a datetime does not compare with a date
        today = today.date()
    folded, offsets = normalise_with_offsets(text)
    matches = [
        (match, resolve)
        for pattern, resolve in ((_NAMED, _resolve_named), (_YMD, _resolve_numeric), (_DMY, _resolve_numeric))
        for match in pattern.finditer(folded)
    ]
    matches.sort(key=lambda pair: (pair[0].start(), -pair[0].end()))
    for match, resolve in matches + [(m, _resolve_year) for m in _YEAR_ONLY.finditer(folded)]:
        found = resolve(match, today)
        if found:
            return replace(found, text=_as_written(text, offsets, match))
    return None


_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def parse_date_value(value, today=None):
    """A structured "date" field (JSON, CSV) as a ``FoundDate``, or None.

    Takes ISO dates and datetimes (the date is kept as written, whatever the
    time zone), "2015-07" and "2015", ``date``/``datetime`` objects, Unix
    timestamps, and otherwise any text ``find_date`` understands. Never raises.

    >>> parse_date_value("2015-07-21T02:51:32Z").date
    datetime.date(2015, 7, 21)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return FoundDate(value.date(), "day", text=value.isoformat())
    if isinstance(value, date):
        return FoundDate(value, "day", text=value.isoformat())
    if isinstance(value, (int, float)):
        try:
            return FoundDate(datetime.fromtimestamp(value, tz=timezone.utc).date(), "day", text=str(value))
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    written = value.strip()
    plain = written.translate(_DIGITS)
    for parse in (date.fromisoformat, lambda v: datetime.fromisoformat(v).date()):
        try:
            return FoundDate(parse(plain), "day", text=written)
        except ValueError:
            pass
    if match := _YEAR_MONTH.fullmatch(plain):
        found = _make_date("g", int(match.group(1)), int(match.group(2)), 1)
        return found and FoundDate(found, "month", text=written)
    if re.fullmatch(r"\d{4}", plain):
        return FoundDate(date(int(plain), 1, 1), "year", text=written) if int(plain) > 0 else None
    return find_date(written, today or date.today())


# An article's date must fall in this range (the upper bound is a year after
# the import): anything else is a typo or a placeholder (0001-01-01,
# 9999-12-31) and is kept as written but not used as the date.
MIN_PLAUSIBLE_YEAR = 1800


def plausible(found, today):
    """Whether ``found`` (a ``FoundDate``) lies between 1800 and one year after ``today``."""
    if isinstance(today, datetime):
        today = today.date()
    latest = _years_before(today, -1)
    return date(MIN_PLAUSIBLE_YEAR, 1, 1) <= found.date <= latest


def impossible_date(text):
    """The first date written in ``text`` that does not exist (31/02/2025, 2025-13-45, ٣٠ فبراير), as written; or None."""
    if not text:
        return None
    folded, offsets = normalise_with_offsets(text)
    matches = sorted(
        (match for pattern in (_NAMED, _YMD, _DMY) for match in pattern.finditer(folded)),
        key=lambda match: (match.start(), -match.end()),
    )
    for match in matches:
        if not match.group("day"):
            continue
        day = int(match.group("day"))
        if match.re is _NAMED:
            calendar, month = _MONTHS[" ".join(match.group("month").split())]
        else:
            calendar, month = ("h" if _is_hijri(match) else "g"), int(match.group("month"))
        year = int(match.group("year")) if match.group("year") else None
        if year is not None:
            exists = _make_date(calendar, year, month, day) is not None
        elif calendar == "h":
            exists = 1 <= day <= 30
        else:
            exists = _make_date("g", 2024, month, day) is not None  # a leap year: 29 February exists
        if not exists:
            return _as_written(text, offsets, match)
    return None
