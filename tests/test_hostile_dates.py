"""Absurd and impossible dates: reported on import, never breaking a search or bloating a page."""

import json
from datetime import date

from django.urls import reverse

from articles.importing.pipeline import import_paths
from articles.models import Article
from articles.search.service import search_articles
from tests.test_views import make_news


def test_implausible_and_impossible_dates_are_unknown_and_reported(db, tmp_path):
    lines = [
        {"id": "far", "text": "خبر عن النفط الأول", "date": "9999-12-31"},
        {"id": "early", "text": "خبر عن النفط الثاني", "date": "0001-01-01"},
        {"id": "feb", "text": "خبر عن النفط الثالث", "date": "31/02/2025"},
        {"id": "month13", "text": "خبر عن النفط الرابع", "date": "2025-13-45"},
        {"id": "gibberish", "text": "خبر عن النفط الخامس", "date": "قريبا"},
        {"id": "good", "text": "خبر عن النفط السادس", "date": "2015-07-21"},
        {"id": "old", "text": "خبر عن النفط السابع", "date": "1850-03-01"},
    ]
    (tmp_path / "dates.jsonl").write_text("\n".join(json.dumps(line) for line in lines))
    (tmp_path / "text.txt").write_text("عنوان الخبر\n\nالرياض يوم ٣٠ فبراير: افتتح الوزير مشروع النفط الجديد.")
    job = import_paths([tmp_path], today=date(2026, 11, 29))
    assert (job.imported, job.failed) == (8, 0)

    dates = dict(Article.objects.values_list("external_id", "date"))
    assert dates["good"] == date(2015, 7, 21) and dates["old"] == date(1850, 3, 1)
    assert all(dates[key] is None for key in ("far", "early", "feb", "month13", "gibberish"))
    assert Article.objects.get(external_id="far").kept["date_as_written"] == "9999-12-31"

    notices = "\n".join(notice for f in job.files.all() for notice in f.notices)
    assert "dates.jsonl:1: " in notices and "date 9999-12-31 is outside 1800–2027" in notices
    assert "dates.jsonl:2: " in notices and "0001-01-01 is outside" in notices
    assert "date 31/02/2025 does not exist" in notices and "date 2025-13-45 does not exist" in notices
    assert "date قريبا was not understood" in notices
    assert "text.txt: " in notices and "date ٣٠ فبراير does not exist" in notices
    assert "تاريخ غير موجود" in notices


def test_an_article_dated_9999_does_not_break_a_search(editor_client, db):
    """Dates stored before the import checked them, or typed in the admin, are searchable too."""
    make_news([
        ("النفط بعيدا", "خبر النفط في المستقبل البعيد", "الرياض", "اقتصاد", date(9999, 12, 31)),
        ("النفط قديما", "خبر النفط في الماضي السحيق", "عكاظ", "اقتصاد", date(1, 1, 1)),
        ("النفط اليوم", "خبر النفط اليوم", "عكاظ", "اقتصاد", date(2015, 7, 21)),
    ])
    for sort in ("relevance", "newest", "oldest"):
        response = editor_client.get(reverse("articles:search"), {"q": "النفط", "sort": sort})
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count('class="result"') == 3
    outcome = search_articles("النفط", facets=True)
    granularity, bars = outcome.histogram
    assert granularity == "year" and 1 < len(bars) <= 61  # not 24,177 monthly bars
    assert sum(count for _, _, count in bars) == 3
    assert bars[0][0] == date(1, 1, 1) and bars[-1][1] == date(9999, 12, 31)
    # The page holds a few hundred bars at most, not tens of thousands.
    assert html.count("<a href=\"/?") <= 300


def test_a_few_years_of_news_is_drawn_by_month(db):
    make_news([(f"نفط {y}", f"خبر النفط {y}", "الرياض", "اقتصاد", date(y, 6, 1)) for y in (2013, 2015)])
    granularity, bars = search_articles("النفط", facets=True).histogram
    assert granularity == "month" and len(bars) == 25
