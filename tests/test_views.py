"""The search and article pages, over real HTTP through Django's test client."""

from urllib.parse import unquote

import pytest
from django.utils.html import escape
from django.urls import reverse


def test_the_search_page_is_arabic_and_right_to_left(editor_client, db):
    html = editor_client.get(reverse("articles:search")).content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert 'name="q"' in html and "طريقة البحث" in html


def test_it_lists_recent_articles_before_a_search(editor_client, demo_articles):
    html = editor_client.get(reverse("articles:search")).content.decode()
    assert "أحدث المقالات" in html and escape(demo_articles["aggregator"].title) in html


def test_it_shows_results_with_highlighted_snippets(editor_client, demo_articles):
    response = editor_client.get(reverse("articles:search"), {"q": "الأمريكيّة"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "نتيجتان" in html
    assert "<mark>الأمريكية</mark>" in html  # marked as the article writes it
    assert reverse("articles:detail", args=[demo_articles["channel"].pk]) in html


def test_it_says_when_no_article_had_every_word(editor_client, demo_articles):
    html = editor_client.get(reverse("articles:search"), {"q": "هيغسيث طوكيو"}).content.decode()
    assert "لا توجد مقالة تحوي كل كلمات البحث" in html


def test_it_explains_an_empty_result(editor_client, demo_articles):
    html = editor_client.get(reverse("articles:search"), {"q": "طوكيو"}).content.decode()
    assert "لم نجد مقالات" in html and "طوكيو" in html


def test_it_reports_what_it_could_not_read(editor_client, demo_articles):
    html = editor_client.get(reverse("articles:search"), {"q": '"عين الصقر'}).content.decode()
    assert "علامة تنصيص غير مغلقة" in html
    assert "نتيجتان" in html


@pytest.mark.parametrize("params", [{"page": "abc"}, {"page": "0"}, {"sort": "nonsense"}, {"page": "99999999"}])
def test_it_survives_bad_parameters(editor_client, demo_articles, params):
    response = editor_client.get(reverse("articles:search"), {"q": "سوريا", **params})
    assert response.status_code == 200


def test_it_escapes_the_query(editor_client, demo_articles):
    html = editor_client.get(reverse("articles:search"), {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_the_article_page_shows_the_whole_text_with_query_words_marked(editor_client, demo_articles):
    article = demo_articles["aggregator"]
    response = editor_client.get(reverse("articles:detail", args=[article.pk]), {"q": "هيغسيث"})
    html = response.content.decode()
    assert escape(article.title) in html
    assert html.count("<mark>هيغسيث</mark>") == article.body.count("هيغسيث")
    assert "وشددت الوزارة على عزم سوريا" in html
    assert "العودة إلى نتائج" in html


def test_an_unknown_article_is_a_404(editor_client, db):
    assert editor_client.get(reverse("articles:detail", args=[999])).status_code == 404


def test_pages_link_to_the_next_page(editor_client, db):
    from articles.models import Article
    from articles.search.indexing import reindex_articles

    pks = [Article.objects.create(title=f"خبر {i}", body=f"دمشق خبر {i}").pk for i in range(25)]
    reindex_articles(pks)
    html = editor_client.get(reverse("articles:search"), {"q": "دمشق"}).content.decode()
    assert "25 نتيجة" in html and "page=2" in html and "صفحة 1 من 2" in html
    html = editor_client.get(reverse("articles:search"), {"q": "دمشق", "page": 2}).content.decode()
    assert html.count('class="result"') == 5
    # A page past the end is never "صفحة 999 من 2" over an empty list: it goes to the last page.
    beyond = editor_client.get(reverse("articles:search"), {"q": "دمشق", "page": 999})
    assert beyond.status_code == 302
    last = editor_client.get(beyond.url)
    assert last.context["page"] == 2 and last.content.decode().count('class="result"') == 5


def make_news(specs):
    from articles.models import Article, Source
    from articles.search.indexing import reindex_articles

    articles = [
        Article.objects.create(title=t, body=b, source=Source.for_name(s), category=c, date=d)
        for t, b, s, c, d in specs
    ]
    reindex_articles([a.pk for a in articles])
    return articles


@pytest.fixture
def news(db):
    from datetime import date

    return make_news([
        ("النفط يرتفع", "ارتفع سعر النفط اليوم في الأسواق", "الرياض", "اقتصاد", date(2015, 7, 21)),
        ("النفط والدولار", "تراجع النفط مع صعود الدولار", "عكاظ", "اقتصاد", date(2015, 7, 23)),
        ("مصفاة جديدة", "افتتاح مصفاة للنفط في جازان", "الرياض", "محليات", date(2015, 8, 2)),
    ])


def test_facets_show_counts_and_narrow_by_several_sources(editor_client, news):
    html = editor_client.get(reverse("articles:search"), {"q": "النفط"}).content.decode()
    assert 'name="source" value="الرياض"' in html and '<span class="count">2</span>' in html
    response = editor_client.get(reverse("articles:search"), {"q": "النفط", "source": ["الرياض", "عكاظ"]})
    assert response.context["outcome"].total == 3
    response = editor_client.get(reverse("articles:search"), {"q": "النفط", "category": "محليات"})
    assert [r.object.pk for r in response.context["outcome"].results] == [news[2].pk]


def test_active_filters_are_chips_that_remove_themselves(editor_client, news):
    response = editor_client.get(reverse("articles:search"), {"q": "النفط", "source": "عكاظ", "date_from": "2015-07-01"})
    chips = response.context["chips"]
    assert [chip["label"] for chip in chips] == ["المصدر: عكاظ", "من 1 يوليو 2015"]  # words, not an ISO date bidi would reorder
    assert "source" not in chips[0]["url"] and "date_from=2015-07-01" in chips[0]["url"]
    assert 'class="chip"' in response.content.decode()


def test_a_date_range_narrows_and_a_bad_one_is_explained(editor_client, news):
    response = editor_client.get(reverse("articles:search"), {"q": "النفط", "date_from": "2015-07-22", "date_to": "2015-07-31"})
    assert [r.object.pk for r in response.context["outcome"].results] == [news[1].pk]
    response = editor_client.get(reverse("articles:search"), {"q": "النفط", "date_from": "2015-08-01", "date_to": "2015-07-01"})
    assert "the end date is before the start date" in response.content.decode()


def test_the_histogram_links_narrow_to_a_day(editor_client, news):
    response = editor_client.get(reverse("articles:search"), {"q": "النفط"})
    bars = response.context["bars"]
    assert [bar["count"] for bar in bars][:3] == [1, 0, 1] and len(bars) == 13
    narrowed = editor_client.get(reverse("articles:search") + bars[2]["url"])
    assert [r.object.pk for r in narrowed.context["outcome"].results] == [news[1].pk]


def test_sorting_newest_and_oldest(editor_client, news):
    newest = editor_client.get(reverse("articles:search"), {"q": "النفط", "sort": "newest"}).context["outcome"]
    oldest = editor_client.get(reverse("articles:search"), {"q": "النفط", "sort": "oldest"}).context["outcome"]
    assert [r.object.pk for r in newest.results] == [news[2].pk, news[1].pk, news[0].pk]
    assert [r.object.pk for r in oldest.results] == [news[0].pk, news[1].pk, news[2].pk]


def test_did_you_mean_links_to_the_corrected_search(editor_client, db):
    make_news([(f"خبر {i}", f"صعود الدولار الأمريكيّ رقم {i}", "الرياض", "", None) for i in range(4)])
    response = editor_client.get(reverse("articles:search"), {"q": "الدولاد"})
    html = response.content.decode()
    assert "لم نجد مقالات" in html and "هل تقصد" in html
    assert response.context["outcome"].suggestion == "الدولار"
    corrected = editor_client.get(reverse("articles:search") + response.context["suggestion_url"])
    assert corrected.context["outcome"].total == 4


def test_a_story_takes_one_place_with_its_lead_and_the_switch_shows_every_version(editor_client, demo_articles):
    channel, aggregator = demo_articles["channel"], demo_articles["aggregator"]
    response = editor_client.get(reverse("articles:search"), {"q": "هيغسيث"})
    html = response.content.decode()
    places = response.context["outcome"].results
    assert [place.object.pk for place in places] == [channel.pk]  # the channel's article leads the story
    assert html.count('class="result"') == 1 and "نسخة أخرى من هذا الخبر" in html
    assert "نتيجتان، في خبر واحد" in html
    assert f'href="/articles/{aggregator.pk}/"' in html  # the other version, listed under the place

    every = editor_client.get(reverse("articles:search"), {"q": "هيغسيث", "versions": "all"})
    assert {r.object.pk for r in every.context["outcome"].results} == {channel.pk, aggregator.pk}
    assert every.content.decode().count("نسخة أخرى من هذا الخبر") == 2
    assert "اجمع نسخ الخبر الواحد" in every.content.decode()


def test_the_article_page_shows_its_story_related_articles_and_kept_lines(editor_client, demo_articles):
    aggregator = demo_articles["aggregator"]
    html = editor_client.get(reverse("articles:detail", args=[aggregator.pk])).content.decode()
    assert "نسخ أخرى من هذا الخبر" in html and "الأصل" in html  # the channel's article leads the story
    assert "نُشر أولًا في" not in html or "الإخبارية" in html
    assert "ما حُذف من النص عند الاستيراد" in html and "لا يتحمل موقعنا مضمونه" in html
    assert "1447 هـ" in html  # 2025-12-20 is 29 Jumada al-Akhirah 1447
    channel = editor_client.get(reverse("articles:detail", args=[demo_articles["channel"].pk])).content.decode()
    assert "السنة مستنتجة من يوم الأسبوع" in channel


def test_back_to_results_keeps_filters_and_page(editor_client, demo_articles):
    back = "q=%D9%87%D9%8A%D8%BA%D8%B3%D9%8A%D8%AB&sort=newest&page=1"
    html = editor_client.get(reverse("articles:detail", args=[demo_articles["channel"].pk]), {"q": "هيغسيث", "back": back}).content.decode()
    assert f'href="/?{back.replace("&", "&amp;")}"' in html
    hostile = editor_client.get(reverse("articles:detail", args=[demo_articles["channel"].pk]), {"back": "//evil.example"})
    assert 'class="back"' not in hostile.content.decode()


def test_eastern_digits_are_remembered(editor_client, news):
    response = editor_client.post(reverse("articles:set_digits"), {"digits": "arab", "next": "/?q=النفط"})
    assert response.status_code == 302 and unquote(response.url) == "/?q=النفط"
    html = editor_client.get(reverse("articles:search"), {"q": "النفط"}).content.decode()
    assert "٣ نتائج" in html
    response = editor_client.post(reverse("articles:set_digits"), {"digits": "latn", "next": "https://evil.example/"})
    assert response.url == "/"
    assert "3 نتائج" in editor_client.get(reverse("articles:search"), {"q": "النفط"}).content.decode()


def test_browsing_by_filters_alone_lists_newest_first(editor_client, news):
    response = editor_client.get(reverse("articles:search"), {"source": "الرياض"})
    assert [r.object.pk for r in response.context["outcome"].results] == [news[2].pk, news[0].pk]
