"""What a newsroom user meets on the pages: one Arabic site whatever the browser asks, Arabic wording and
counts, dates a bidi algorithm cannot scramble, errors with a way back, a histogram worth reading."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from articles.search.histogram import group_days
from articles.search.query import parse_query
from articles.search_page import empty_advice, histogram_bars
from articles.search.service import SearchFilters
from articles.wording import counted
from tests.test_views import make_news

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


@pytest.fixture
def news(db):
    return make_news([
        ("النفط يرتفع", "ارتفع سعر النفط اليوم في الأسواق", "الرياض", "اقتصاد", date(2015, 7, 21)),
        ("النفط والدولار", "تراجع النفط مع صعود الدولار", "عكاظ", "اقتصاد", date(2015, 7, 23)),
    ])


def test_a_browser_asking_for_english_still_gets_the_arabic_right_to_left_site(editor_client, news):
    html = editor_client.get(reverse("articles:search"), {"q": "النفط"}, **ENGLISH).content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "21 يوليو 2015" in html and "July" not in html
    assert 'type="date"' not in html  # a date input would follow the browser's locale (mm/dd/yyyy)
    login = Client().get(reverse("login"), **ENGLISH).content.decode()
    assert '<html lang="ar" dir="rtl">' in login


@pytest.mark.parametrize("count, words", [
    (0, "لا نتائج"), (1, "نتيجة واحدة"), (2, "نتيجتان"), (3, "3 نتائج"), (10, "10 نتائج"),
    (11, "11 نتيجة"), (99, "99 نتيجة"), (100, "100 نتيجة"), (103, "103 نتائج"), (2852, "2852 نتيجة"),
])
def test_counts_take_the_arabic_plural_forms(count, words):
    assert counted(count, "result") == words


def test_counts_in_eastern_digits_and_other_nouns():
    assert counted(2, "other_version") == "نسختان أخريان"
    assert counted(1, "other_version") == "نسخة أخرى"
    assert counted(13, "row", "arab") == "١٣ صفًّا"


def test_the_empty_state_advises_only_what_applies():
    plain = empty_advice(parse_query("طوكيو"), SearchFilters())
    assert not any("التنصيص" in line or "المستبعدة" in line or "المرشحات" in line for line in plain)
    precise = empty_advice(parse_query('"عين الصقر" -داعش'), SearchFilters(sources=("سبق",)))
    assert any("التنصيص" in line for line in precise) and any("المستبعدة" in line for line in precise)
    assert any("المرشحات" in line for line in precise)


def test_did_you_mean_spells_a_kept_word_as_the_archive_does(editor_client, db):
    make_news([(f"خبر {i}", f"قال وزير الخارجية اليوم في مؤتمر رقم {i}", "الرياض", "", None) for i in range(4)])
    response = editor_client.get(reverse("articles:search"), {"q": "وزيير الخارجيه"})
    assert response.context["outcome"].suggestion == "وزير الخارجية"


def test_the_histogram_adapts_its_bars_to_the_span():
    def days(*spec):
        return [(day, day, n) for day, n in spec]

    assert group_days(days((date(2015, 7, 21), 3), (date(2015, 7, 23), 1)))[0] == "day"
    granularity, buckets = group_days(days((date(2015, 7, 1), 5), (date(2015, 11, 30), 2)))
    assert granularity == "week" and 10 <= len(buckets) <= 60
    # Two stray articles ten years later must not make 126 monthly slivers.
    granularity, buckets = group_days(days((date(2015, 7, 21), 2800), (date(2025, 12, 20), 2)))
    assert granularity == "year" and len(buckets) == 11
    assert sum(n for _, _, n in buckets) == 2802
    # One day of news still gets a histogram (one bar).
    assert group_days(days((date(2015, 7, 21), 7)))[1] == [(date(2015, 7, 21), date(2015, 7, 21), 7)]


def test_empty_bars_are_not_links(rf):
    request = rf.get("/", {"q": "النفط"})
    bars = histogram_bars(request.GET, group_days([(date(2015, 7, 21),) * 2 + (2,), (date(2015, 7, 23),) * 2 + (1,)]))
    assert [bool(bar["url"]) for bar in bars] == [True, False, True]
    assert bars[0]["label"] == "21 يوليو 2015"


def test_the_page_shows_a_histogram_for_one_day_and_no_link_on_empty_bars(editor_client, news):
    html = editor_client.get(reverse("articles:search"), {"q": "النفط"}).content.decode()
    assert html.count('class="empty-bar"') == 1 and html.count('<span class="bar h') == 2
    one_day = editor_client.get(reverse("articles:search"), {"q": "سعر"}).content.decode()
    assert 'class="histogram"' in one_day


@pytest.mark.parametrize("code, words", [(404, "الصفحة غير موجودة"), (403, "لا تملك صلاحية")])
def test_error_pages_are_arabic_with_a_way_back(client, editor_client, db, code, words, django_user_model):
    if code == 404:
        response = editor_client.get("/articles/999999/", **ENGLISH)
    else:
        response = editor_client.get(reverse("articles:export"), {"q": "النفط"}, **ENGLISH)
    html = response.content.decode()
    assert response.status_code == code
    assert '<html lang="ar" dir="rtl">' in html and words in html
    assert 'href="/"' in html and "العودة إلى البحث" in html


def test_the_server_error_page_is_arabic(db, settings):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert '<html lang="ar" dir="rtl">' in html and "حدث خطأ" in html and 'href="/"' in html


def test_titles_with_html_entities_are_stored_as_characters(db, tmp_path):
    import json

    from articles.importing.pipeline import import_paths
    from articles.models import Article

    path = tmp_path / "feed.json"
    path.write_text(json.dumps([{
        "title": "وزير الخارجية: &quot;لا حل إلا سياسيًا&quot; &#8221;اليوم&#8221; &amp;quot;مرتين&amp;quot;",
        "content": "قال وزير الخارجية إن &quot;الحل&quot; سياسي، وإن المفاوضات تستمر هذا الأسبوع في جنيف.",
        "source": "aawsat", "date_extracted": "2015-07-21",
    }], ensure_ascii=False), encoding="utf-8")
    import_paths([path])
    article = Article.objects.get()
    assert article.title == 'وزير الخارجية: "لا حل إلا سياسيًا" ”اليوم” "مرتين"'
    assert '"الحل"' in article.body and "&quot;" not in article.body


def test_the_migration_decodes_articles_stored_before(db):
    import importlib

    from django.apps import apps

    from articles.models import Article

    article = Article.objects.create(title="قمة &quot;الرياض&quot;", body="نص الخبر", category="سياسة &amp; اقتصاد")
    Article.objects.filter(pk=article.pk).update(index_pending=False)
    migration = importlib.import_module("articles.migrations.0005_decode_entities")
    migration.decode_stored_entities(apps, None)
    article.refresh_from_db()
    assert (article.title, article.category, article.index_pending) == ('قمة "الرياض"', "سياسة & اقتصاد", True)


def test_the_outlet_directory_names_feed_codes_and_urls_in_arabic(db):
    from articles.models import Source

    assert Source.for_name("aawsat").name == "الشرق الأوسط"
    assert Source.for_name("sabq").name == "سبق"
    assert Source.for_name("alweeam").name == "الوئام"
    assert Source.for_name("3alyoum").name == "عين اليوم"
    assert Source.for_name("وكالة الأنباء السعودية").name == "واس"
    assert Source.for_url("http://www.alriyadh.com/1066713").name == "الرياض"
    assert Source.for_url("https://www.bbc.com/arabic/middleeast-123").name == "بي بي سي عربي"
    assert Source.for_url("https://gate.ahram.org.eg/News/1.aspx").name == "الأهرام"
    assert Source.for_url("https://example.com/x") is None
    assert Source.for_name("www.hespress.com").country == "المغرب"
    directory = Source.objects.exclude(code="")
    for country in ("السعودية", "قطر", "الإمارات", "لبنان", "سوريا", "الأردن", "مصر", "المغرب", "الجزائر", "تونس"):
        assert directory.filter(country=country).exists(), country


def test_sources_stored_under_feed_codes_are_merged_into_the_directory(db):
    from articles.models import Article, Source, SourceAlias
    from articles.outlets import load_directory

    old = Source.for_name("aawsat")
    # As an archive imported before the directory had it: a source named by its code.
    SourceAlias.objects.filter(source__code="aawsat").delete()
    Source.objects.filter(code="aawsat").delete()
    old = Source.objects.create(name="aawsat")
    SourceAlias.objects.create(source=old, name="aawsat")
    article = Article.objects.create(title="خبر", body="نص", source=old)
    Article.objects.filter(pk=article.pk).update(index_pending=False)
    load_directory(Source, SourceAlias, Article, [
        {"code": "aawsat", "name": "الشرق الأوسط", "country": "السعودية", "domains": ["aawsat.com"], "aliases": []},
    ])
    article.refresh_from_db()
    assert (article.source.name, article.source.code, article.index_pending) == ("الشرق الأوسط", "aawsat", True)
    assert Source.for_url("https://aawsat.com/home/article/1") == article.source


def test_an_import_resolves_codes_and_urls_to_arabic_names_everywhere(editor_client, db, tmp_path):
    import json

    from articles.importing.pipeline import import_paths
    from articles.models import Article

    path = tmp_path / "day.json"
    path.write_text(json.dumps([
        {"title": "خبر أول", "content": "افتتح أمير المنطقة مشروع الطريق الدائري الجديد اليوم.", "source": "sabq",
         "url": "http://sabq.org/abc", "date_extracted": "2015-07-21 10:00:00"},
        {"title": "خبر ثان", "content": "استقبل وزير الصحة وفدا طبيا زائرا لبحث التعاون في مشروع الطريق.",
         "url": "http://www.okaz.com.sa/new/Issues/20150720/x.htm", "date_extracted": "2015-07-21 11:00:00"},
    ], ensure_ascii=False), encoding="utf-8")
    import_paths([path])
    assert sorted(Article.objects.values_list("source__name", flat=True)) == ["سبق", "عكاظ"]
    html = editor_client.get(reverse("articles:search"), {"q": "مشروع الطريق"}).content.decode()
    assert 'value="سبق"' in html and ">سبق</bdi>" in html and "sabq" not in html.split("<main")[1].split("http://sabq")[0]
