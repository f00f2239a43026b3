"""The search and article pages, over real HTTP through Django's test client."""

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
    assert "2 نتيجة" in html
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
    assert "2 نتيجة" in html


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
