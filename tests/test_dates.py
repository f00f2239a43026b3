from datetime import date, datetime

import pytest

from articles.importing.dates import FoundDate, find_date, parse_date_value

TODAY = date(2026, 11, 21)

# (text, expected date or None, precision, year_inferred)
CASES = [
    # Levantine / Iraqi names, every month.
    ("بتاريخ ٢٠ كانون الأول ٢٠٢٥.", date(2025, 12, 20), "day", False),
    ("في 3 كانون الثاني 2024", date(2024, 1, 3), "day", False),
    ("14 شباط 2023", date(2023, 2, 14), "day", False),
    ("1 اذار 2022", date(2022, 3, 1), "day", False),
    ("9 نيسان 2021", date(2021, 4, 9), "day", False),
    ("في أيار 2020", date(2020, 5, 1), "month", False),
    ("حزيران عام 2019", date(2019, 6, 1), "month", False),
    ("17 تموز 2018", date(2018, 7, 17), "day", False),
    ("6 آب 2017", date(2017, 8, 6), "day", False),
    ("11 أيلول 2001", date(2001, 9, 11), "day", False),
    ("6 تشرين الأول 1973", date(1973, 10, 6), "day", False),
    ("29 تشرين ثاني 2012", date(2012, 11, 29), "day", False),
    # Egyptian / Gulf names and their spelling variants.
    ("25 يناير 2011", date(2011, 1, 25), "day", False),
    ("فبراير 2022", date(2022, 2, 1), "month", False),
    ("15 مارس 2020", date(2020, 3, 15), "day", False),
    ("2 ابريل 2019", date(2019, 4, 2), "day", False),
    ("2 أبريل 2019", date(2019, 4, 2), "day", False),
    ("1 مايو 2018", date(2018, 5, 1), "day", False),
    ("30 يونيو 2013", date(2013, 6, 30), "day", False),
    ("ثورة 23 يوليه 1952", date(1952, 7, 23), "day", False),
    ("15 اغسطس 2021", date(2021, 8, 15), "day", False),
    ("1 سبتمبر 2019", date(2019, 9, 1), "day", False),
    ("أكتوبر 2023", date(2023, 10, 1), "month", False),
    ("4 نوفمبر 2020", date(2020, 11, 4), "day", False),
    ("20 من ديسمبر عام 2025", date(2025, 12, 20), "day", False),
    ("5 يونيه 1967", date(1967, 6, 5), "day", False),
    # Algerian / Tunisian names.
    ("14 جانفي 2011", date(2011, 1, 14), "day", False),
    ("22 فيفري 2019", date(2019, 2, 22), "day", False),
    ("أفريل 2021", date(2021, 4, 1), "month", False),
    ("8 ماي 1945", date(1945, 5, 8), "day", False),
    ("12 جوان 2019", date(2019, 6, 12), "day", False),
    ("5 جويلية 1962", date(1962, 7, 5), "day", False),
    ("20 أوت 1955", date(1955, 8, 20), "day", False),
    # Moroccan names.
    ("30 يوليوز 2024", date(2024, 7, 30), "day", False),
    ("14 غشت 2023", date(2023, 8, 14), "day", False),
    ("8 شتنبر 2023", date(2023, 9, 8), "day", False),
    ("6 نونبر 1975", date(1975, 11, 6), "day", False),
    # Persian digits, and marks or tatweel inside the words.
    ("۲۰ دجنبر ۲۰۲۴", date(2024, 12, 20), "day", False),
    ("٢٠ كانُون الأوّل ٢٠٢٥", date(2025, 12, 20), "day", False),
    ("20 ديسمــبر 2025", date(2025, 12, 20), "day", False),
    # Both namings side by side.
    ("خلال كانون الأول/ديسمبر 2025", date(2025, 12, 1), "month", False),
    # A weekday picks the year: 2025-12-20 was a Saturday, 2020-12-20 a Sunday.
    ("السبت 20 كانون الأول", date(2025, 12, 20), "day", True),
    ("يوم الأحد 20 كانون الأول", date(2020, 12, 20), "day", True),
    ("يوم الإثنين الموافق 21 ديسمبر", date(2020, 12, 21), "day", True),
    # No 20 December in the window fell on a Thursday: the most recent one.
    ("الخميس 20 كانون الأول", date(2025, 12, 20), "day", True),
    # Without a weekday: the most recent occurrence, today included.
    ("في 20 كانون الأول", date(2025, 12, 20), "day", True),
    ("5 نوفمبر", date(2026, 11, 5), "day", True),
    ("21 نوفمبر", date(2026, 11, 21), "day", True),
    ("29 فبراير", date(2024, 2, 29), "day", True),
    # A written year wins over the weekday.
    ("الجمعة 13 كانون الأول 2024", date(2024, 12, 13), "day", False),
    # Hijri, Umm al-Qura.
    ("5 رمضان 1446 هـ", date(2025, 3, 5), "day", False),
    ("١٤٤٦/٩/٥هـ", date(2025, 3, 5), "day", False),
    ("5/9/1446 هـ", date(2025, 3, 5), "day", False),
    ("1 شوال 1445 ه", date(2024, 4, 10), "day", False),
    ("جمادى الآخرة 1447هـ", date(2025, 11, 22), "month", False),
    ("رمضان 1446 هجرية", date(2025, 3, 1), "month", False),
    # Numeric forms.
    ("2025-12-20", date(2025, 12, 20), "day", False),
    ("نشر في 2025/12/20", date(2025, 12, 20), "day", False),
    ("20/12/2025", date(2025, 12, 20), "day", False),
    ("٢٠-١٢-٢٠٢٥", date(2025, 12, 20), "day", False),
    # A bare year only when nothing fuller is written.
    ("منذ عام 2011", date(2011, 1, 1), "year", False),
    ("منذ عام 2011، وفي 5 آذار 2012", date(2012, 3, 5), "day", False),
    # Dates that do not exist are skipped.
    ("31 شباط 2024", None, None, None),
    ("30 شباط 2024 ثم 1 آذار 2024", date(2024, 3, 1), "day", False),
    ("2025-13-40", None, None, None),
    ("31/2/2025", None, None, None),
    ("30 صفر 1300 هـ", None, None, None),
    ("5 رمضان", None, None, None),
    # No date at all.
    ("", None, None, None),
    ("لا تاريخ في هذا النص", None, None, None),
    ("مارس الرياضة صباحاً", None, None, None),
    ("قتل 20 شخصاً في الهجوم", None, None, None),
    ("مايو", None, None, None),
]


@pytest.mark.parametrize("text, expected, precision, inferred", CASES)
def test_it_finds_dates(text, expected, precision, inferred):
    found = find_date(text, TODAY)
    if expected is None:
        assert found is None
    else:
        assert (found.date, found.precision, found.year_inferred) == (expected, precision, inferred)
        assert type(found.date) is date


def test_it_checks_the_weekday_example():
    assert date(2025, 12, 20).weekday() == 5  # Saturday
    assert date(2026, 12, 20) > TODAY  # so 2026 is not a candidate


def test_it_reports_the_date_as_written():
    found = find_date("نشر بتاريخ ٢٠ كانون الأول ٢٠٢٥.", TODAY)
    assert found.text == "٢٠ كانون الأول ٢٠٢٥"
    assert find_date("السبت 20 كانون الأول، بأن", TODAY).text == "السبت 20 كانون الأول"
    assert find_date("١٤٤٦/٩/٥هـ في", TODAY).text == "١٤٤٦/٩/٥هـ"


def test_it_returns_the_first_date():
    found = find_date("في 13 كانون الأول، ثم في 15 كانون الأول 2024", TODAY)
    assert found.date == date(2025, 12, 13)


@pytest.mark.parametrize("text", ["31 31 31", "٩٩/٩٩/٩٩٩٩", "هـ هـ 1446", "كانون الأول" * 1000, "\x00\u200f"])
def test_it_never_raises_for_odd_text(text):
    find_date(text, TODAY)


@pytest.mark.parametrize(
    "value, expected, precision",
    [
        ("2015-07-21", date(2015, 7, 21), "day"),
        ("2015-07-21 02:51:32", date(2015, 7, 21), "day"),
        ("2015-07-21T02:51:32Z", date(2015, 7, 21), "day"),
        ("2015-07-21T23:00:00-05:00", date(2015, 7, 21), "day"),
        (" ٢٠١٥-٠٧-٢١ ", date(2015, 7, 21), "day"),
        ("2015-07", date(2015, 7, 1), "month"),
        ("2015", date(2015, 1, 1), "year"),
        ("21 تموز 2015", date(2015, 7, 21), "day"),
        (date(2015, 7, 21), date(2015, 7, 21), "day"),
        (datetime(2015, 7, 21, 2, 51), date(2015, 7, 21), "day"),
        (1437446400, date(2015, 7, 21), "day"),
        ("", None, None),
        (None, None, None),
        ("not a date", None, None),
        ("2015-02-30", None, None),
        ("2015-13", None, None),
        ("0000", None, None),
        (True, None, None),
        (1e20, None, None),
        ({"date": "2015-07-21"}, None, None),
    ],
)
def test_it_parses_date_values(value, expected, precision):
    found = parse_date_value(value, TODAY)
    if expected is None:
        assert found is None
    else:
        assert isinstance(found, FoundDate)
        assert (found.date, found.precision, found.year_inferred) == (expected, precision, False)
