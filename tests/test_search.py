"""Search through the real Whoosh index: analyzer, backend, ranking, highlighting."""

import pytest
from django.core.management import call_command
from haystack import connections

from articles.models import Article, Source
from articles.search.analysis import StemAnalyzer, SurfaceAnalyzer
from articles.search.highlight import HighlightTerms, highlight_text, snippet
from articles.search.indexing import reindex_articles
from articles.search.query import parse_query
from articles.search.service import search_articles


def found(query, **kwargs):
    return {result.object.pk for result in search_articles(query, limit=50, **kwargs).results}


def test_it_analyses_text_like_the_index_does():
    assert [t.text for t in SurfaceAnalyzer()("وأكّد مُحَمَّدٌ في بيانٍ")] == ["واكد", "محمد", "في", "بيان"]
    stems = [(t.text, t.pos) for t in StemAnalyzer()("القوات في سوريا", positions=True)]
    assert stems == [("قو", 0), ("سوريا", 2)]  # the stop word keeps its position


@pytest.mark.parametrize(
    "query, expected",
    [
        ("عين الصقر", {"aggregator", "channel"}),
        ('"عين الصقر"', {"aggregator", "channel"}),
        ("الامريكية", {"aggregator", "channel"}),
        ("الأمريكيّة", {"aggregator", "channel"}),
        ("هيغسيث", {"aggregator", "channel"}),
        ("وزارة الخارجية", {"aggregator"}),
        ("١٣", {"aggregator", "channel"}),
        ("13", {"aggregator", "channel"}),
        ("القوات", {"aggregator", "channel"}),
        ("للقوات", {"aggregator", "channel"}),
        ("سنتكوم", {"channel"}),
        ("المغتربين", {"aggregator"}),
        ("سنتكوم OR المغتربين", {"aggregator", "channel"}),
        ("هيغسيث -سنتكوم", {"aggregator"}),
        ('هيغسيث -"وزارة الخارجية"', {"channel"}),
        ("امريك*", {"aggregator", "channel"}),
        ("طوكيو", set()),
    ],
)
def test_it_finds_the_sample_articles(demo_articles, query, expected):
    assert found(query) == {demo_articles[key].pk for key in expected}


def test_it_ranks_articles_with_every_word_first(db):
    some = Article.objects.create(title="أ", body="الصقر " * 30 + "خبر عن الطيور")
    every = Article.objects.create(title="ب", body="عملية عين الصقر في البادية")
    reindex_articles([some.pk, every.pk])
    outcome = search_articles("عين الصقر")
    assert [r.object.pk for r in outcome.results] == [every.pk, some.pk]
    assert not outcome.fallback


def test_a_question_ranks_the_passage_that_answers_it_above_a_long_article_with_every_word(db):
    # The answer does not say "الشهير"; a long report elsewhere has every
    # word of the question once, scattered. A question is ranked by how well
    # the article matches its words, not by whether it has all of them.
    answer = Article.objects.create(
        title="أ", body="أصدر الملك لويس الرابع عشر مرسوم فونتينبلو فألغى مرسوم نانت")
    report = Article.objects.create(
        title="ب", body=" ".join(["اجتمع المجلس البلدي لمناقشة الميزانية والطرق والحدائق العامة"] * 20
                                 + ["وذكر الخطيب أن الملك لويس أصدر مرسوم فونتينبلو الشهير"]))
    others = [Article.objects.create(title="ج", body=f"خبر محلي رقم {n} عن الطقس والأسواق") for n in range(5)]
    reindex_articles([answer.pk, report.pk] + [a.pk for a in others])
    outcome = search_articles("متى أصدر الملك لويس مرسوم فونتينبلو الشهير؟")
    assert [r.object.pk for r in outcome.results][:2] == [answer.pk, report.pk]
    # Two words are one thing wanted together: the article with both still comes first.
    assert [r.object.pk for r in search_articles("فونتينبلو الشهير").results][0] == report.pk


def test_which_in_a_question_is_a_question_word_and_a_verse_is_not(db):
    verse = Article.objects.create(title="أ", body="تلا الإمام آية الكرسي في الخطبة")
    chair = Article.objects.create(title="ب", body="صمم النجار الكرسي الخشبي")
    host = Article.objects.create(title="ج", body="استضافت مدينة لندن الألعاب الأولمبية")
    reindex_articles([verse.pk, chair.pk, host.pk])
    # أية ("which") asks; it is not what the article is about.
    assert found("أية مدينة استضافت الألعاب الأولمبية؟") == {host.pk}
    # Not asked as a question, آية is a word searched for: the verse first.
    assert [r.object.pk for r in search_articles("آية الكرسي").results] == [verse.pk, chair.pk]


def test_it_falls_back_to_some_words_and_says_so(demo_articles):
    outcome = search_articles("هيغسيث طوكيو")
    assert {r.object.pk for r in outcome.results} == {a.pk for a in demo_articles.values()}
    assert outcome.fallback


def test_it_ranks_an_exact_form_above_a_stem_match(db):
    stem_only = Article.objects.create(title="أ", body="تحركت القوة نحو المدينة")
    exact = Article.objects.create(title="ب", body="تحركت القوات نحو المدينة")
    reindex_articles([stem_only.pk, exact.pk])
    assert [r.object.pk for r in search_articles("القوات").results][0] == exact.pk


def test_it_sorts_by_date_and_pages(db):
    from datetime import date

    articles = [Article.objects.create(title=f"خبر {i}", body=f"سوريا خبر رقم {i}", date=date(2025, 1, i + 1)) for i in range(5)]
    reindex_articles([a.pk for a in articles])
    newest = search_articles("سوريا", sort="newest", limit=2)
    assert [r.object.pk for r in newest.results] == [articles[4].pk, articles[3].pk]
    assert newest.total == 5
    oldest_page_2 = search_articles("سوريا", sort="oldest", offset=2, limit=2)
    assert [r.object.pk for r in oldest_page_2.results] == [articles[2].pk, articles[3].pk]


def test_it_returns_nothing_for_an_empty_query(demo_articles):
    outcome = search_articles("   ")
    assert outcome.results == [] and outcome.total == 0


def test_it_keeps_the_index_in_step_with_edits_and_deletions(demo_articles):
    article = demo_articles["channel"]
    article.body += "\nكلمةجديدةتماما"
    article.save()
    reindex_articles([article.pk])
    assert found("كلمةجديدةتماما") == {article.pk}
    pk = article.pk
    article.delete()
    reindex_articles([pk])  # gone from the database: removed from the index
    assert found("كلمةجديدةتماما") == set()


def test_it_sees_writes_made_after_its_searcher_opened(demo_articles):
    assert found("زرافة") == set()  # opens this thread's searcher
    article = Article.objects.create(title="زرافة", body="زرافة في حديقة الحيوان")
    reindex_articles([article.pk])
    assert found("زرافة") == {article.pk}


def test_it_filters_by_field_through_haystack(demo_articles):
    from haystack.query import SearchQuerySet

    from articles.search.backend import ArabicQuery

    source = Source.for_name("سانا")
    Article.objects.filter(pk=demo_articles["channel"].pk).update(source=source)
    reindex_articles([demo_articles["channel"].pk])
    sqs = SearchQuerySet().filter(content=ArabicQuery("هيغسيث")).filter(source="سانا")
    assert [int(r.pk) for r in sqs] == [demo_articles["channel"].pk]


def test_it_highlights_in_the_original_text_with_diacritics():
    terms = HighlightTerms.from_query(parse_query("الامريكية عين"))
    html = highlight_text("أكّدت القواتُ الأمريكيّة أن «عينَ» الصقر بدأت", terms)
    assert "<mark>الأمريكيّة</mark>" in html
    assert "<mark>عينَ</mark>" in html
    assert "<mark>القواتُ" not in html


def test_it_highlights_clitic_and_digit_variants():
    terms = HighlightTerms.from_query(parse_query("القوات 13"))
    html = highlight_text("استهدف للقوات في ١٣ كانون", terms)
    assert "<mark>للقوات</mark>" in html and "<mark>١٣</mark>" in html


def test_it_marks_whole_written_words_only_and_every_time_they_occur():
    """Each written word is judged whole, the same as word by word; the same word, written with marks, each time."""
    import re

    from articles.search.highlight import find_matches
    from articles.text import WORD_RE, normalise

    terms = HighlightTerms.from_query(parse_query("عين"))
    text = "عينٌ ثم العينات وعينه ثم عين\u200c أخرى، ثم «عين» و عيـــن وعين عين"
    html = highlight_text(text, terms)
    assert "<mark>عينٌ</mark>" in html and "«<mark>عين</mark>»" in html and "<mark>عيـــن</mark>" in html
    assert "<mark>وعينه" not in html and "وعينه" in html
    written_words = re.finditer(r"[\w\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d]+", text)
    one_by_one = [m.span() for m in written_words
                  if any(terms.matches(word) for word in WORD_RE.findall(normalise(m.group())))]
    assert find_matches(text, terms) == one_by_one and len(one_by_one) >= 5
    # The same terms judge another text afresh (they remember words, not places).
    assert highlight_text("لا شيء هنا", terms) == "لا شيء هنا"
    assert highlight_text("عين", terms) == "<mark>عين</mark>"


def test_an_exports_snippet_opens_at_the_first_match_however_far_into_the_text(monkeypatch):
    """An export's first match is read a few dozen pieces at a time and stops there: it is still the
    first word by word, past many pieces, after the word inside others, glued by punctuation or a
    direction mark, and after the remembered words are dropped."""
    import re

    from articles.search import highlight
    from articles.search.highlight import find_matches, plain_snippet
    from articles.text import WORD_RE, normalise

    def first_by_definition(text, terms):
        for m in re.finditer(r"[\w\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d]+", text):
            if any(terms.matches(word) for word in WORD_RE.findall(normalise(m.group()))):
                return [m.span()]
        return []

    filler = "كلام وعينه في التقرير عن المدينة، " * 60  # وعينه: عين inside another word
    texts = [
        filler + "ثم قال:«عين\u200fالصقر» عينٌ",
        filler + "(عيـــن) " + "عين",
        "عينُ " + filler,
        filler,
        "",
        "عين",
        filler + "ﻋﻴﻦ الصقر",  # presentation forms, as some PDFs give them
        "ﻻ " + filler + "عين",  # a ligature (one character, two letters) before the match
        "café\u0301 😀 " + filler + "عَيْن",  # a combining accent and a character beyond the BMP
        filler + "ﻻعين عين",  # a ligature glued to the word
        filler + "عين\u0301 ﻻ 😀",  # characters the written forms do not follow, after the match
    ]
    terms = HighlightTerms.from_query(parse_query("عين"))
    for text in texts + texts:  # afresh, then with the words of every text remembered
        assert find_matches(text, terms, limit=1) == first_by_definition(text, terms)
    cure = HighlightTerms.from_query(parse_query("علاج"))
    ligature = filler + "عﻼج ثم علاج"  # the first written with lam-alef as one character
    [(start, end)] = find_matches(ligature, cure, limit=1)
    assert [(start, end)] == first_by_definition(ligature, cure) and ligature[start:end] == "عﻼج"
    far = plain_snippet(texts[0], terms, first_match=True)
    assert far.startswith("… ") and "«عين" in far
    monkeypatch.setattr(highlight, "_MAX_VERDICTS", 5)  # remembered words dropped between texts
    for text in texts:
        assert find_matches(text, terms, limit=1) == first_by_definition(text, terms)


@pytest.mark.parametrize("query", ["القوات", "اقتصا*", "وزير الخارجية", "الرياض", "مجلس التعاون الخليجي"])
def test_marks_on_real_articles_are_the_word_by_word_definition(query):
    """Marks found through the candidates shortcut (a word without any stem or surface word in it is no
    match) are those of judging every word, on the first 200 articles of a real day."""
    import json
    import re
    import zipfile

    from articles.search.highlight import find_matches
    from articles.text import WORD_RE, normalise
    from tests.base import SAUDINEWSNET

    day = SAUDINEWSNET / "2015-07-21.zip"
    if not day.exists():
        pytest.skip(f"the SaudiNewsNet corpus is not at {SAUDINEWSNET}")
    with zipfile.ZipFile(day) as archive:
        bodies = [item["content"] for item in json.loads(archive.read(archive.namelist()[0]))[:200]]
    terms = HighlightTerms.from_query(parse_query(query))
    marked = 0
    for body in bodies:
        written_words = re.finditer(r"[\w\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d]+", body)
        one_by_one = [m.span() for m in written_words
                      if any(terms.matches(word) for word in WORD_RE.findall(normalise(m.group())))]
        assert find_matches(body, terms) == one_by_one
        assert find_matches(body, terms, limit=1) == one_by_one[:1]
        marked += len(one_by_one)
    assert marked >= 10


def test_it_escapes_html_while_highlighting():
    terms = HighlightTerms.from_query(parse_query("سوريا"))
    html = highlight_text("<script>alert(1)</script> سوريا & <b>", terms)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<mark>سوريا</mark>" in html


def test_it_cuts_a_snippet_around_the_best_match():
    text = "مقدمة طويلة " * 80 + "هنا عين الصقر في الوسط " + "خاتمة " * 80
    html = snippet(text, HighlightTerms.from_query(parse_query("عين الصقر")))
    assert "<mark>عين</mark> <mark>الصقر</mark>" in html
    assert html.startswith("… ") and html.endswith(" …")
    assert len(html) < 400


def test_search_results_carry_snippets(demo_articles):
    outcome = search_articles("سنتكوم")
    assert "<mark>سنتكوم</mark>" in outcome.results[0].highlighted["text"][0]


def test_rebuild_index_command_restores_the_index(demo_articles):
    connections["default"].get_backend().clear()
    assert found("هيغسيث") == set()
    call_command("rebuild_index", interactive=False, verbosity=0)
    assert found("هيغسيث") == {a.pk for a in demo_articles.values()}


def make_articles(specs):
    """Articles from (title, body, source name, category, date) tuples, indexed."""
    from articles.models import Source

    articles = [
        Article.objects.create(
            title=title, body=body, source=Source.for_name(source) if source else None, category=category, date=day
        )
        for title, body, source, category, day in specs
    ]
    reindex_articles([a.pk for a in articles])
    return articles


def test_it_narrows_by_source_category_and_date(db):
    from datetime import date

    from articles.search.service import SearchFilters

    riyadh, okaz, sabq = make_articles([
        ("أ", "خبر عن النفط", "الرياض", "اقتصاد", date(2015, 7, 21)),
        ("ب", "تقرير عن النفط", "عكاظ", "اقتصاد", date(2015, 8, 1)),
        ("ج", "خبر آخر عن النفط", "سبق", "محليات", date(2015, 8, 10)),
    ])

    def pks(**filters):
        return {r.object.pk for r in search_articles("النفط", filters=SearchFilters(**filters)).results}

    assert pks() == {riyadh.pk, okaz.pk, sabq.pk}
    assert pks(sources=("الرياض", "سبق")) == {riyadh.pk, sabq.pk}
    assert pks(categories=("اقتصاد",)) == {riyadh.pk, okaz.pk}
    assert pks(date_from=date(2015, 8, 1)) == {okaz.pk, sabq.pk}
    assert pks(date_to=date(2015, 8, 1)) == {riyadh.pk, okaz.pk}
    assert pks(sources=("عكاظ",), date_from=date(2015, 8, 2)) == set()


def test_filters_alone_browse_newest_first(db):
    from datetime import date

    from articles.search.service import SearchFilters

    older, newer = make_articles([
        ("أ", "نص", "الرياض", "", date(2015, 7, 21)),
        ("ب", "نص آخر", "الرياض", "", date(2015, 7, 22)),
    ])
    outcome = search_articles("", filters=SearchFilters(sources=("الرياض",)))
    assert [r.object.pk for r in outcome.results] == [newer.pk, older.pk] and outcome.total == 2


def test_iter_search_streams_every_result_in_page_order(db):
    from articles.search.service import iter_search

    articles = make_articles([(f"خبر {i}", "مطر " * (i + 1) + "في جدة", "", "", None) for i in range(25)])
    stream = iter_search("مطر", chunk_size=10)
    rows = list(stream.rows)
    assert stream.total == 25 and stream.scored
    assert [rank for rank, _, _ in rows] == list(range(1, 26))
    assert [article.pk for _, _, article in rows] == [r.object.pk for r in search_articles("مطر", limit=25).results]
    assert {a.pk for a in articles} == {article.pk for _, _, article in rows}


def test_it_counts_facets_leaving_out_each_fields_own_filter(db):
    from datetime import date

    from articles.search.service import SearchFilters

    make_articles([
        ("أ", "خبر عن الذهب", "الرياض", "اقتصاد", date(2015, 7, 21)),
        ("ب", "تقرير عن الذهب", "عكاظ", "اقتصاد", date(2015, 7, 21)),
        ("ج", "خبر آخر عن الذهب", "الرياض", "محليات", date(2015, 7, 23)),
        ("د", "خبر عن الفضة", "سبق", "اقتصاد", date(2015, 7, 23)),
        ("هـ", "الذهب بلا تاريخ", "الرياض", "", None),
    ])
    outcome = search_articles("الذهب", filters=SearchFilters(sources=("الرياض",)), facets=True)
    assert outcome.total == 3
    # Other sources still show what they would add; categories count within الرياض.
    assert outcome.facets["source"] == [("الرياض", 3), ("عكاظ", 1)]
    assert outcome.facets["category"] == [("اقتصاد", 1), ("محليات", 1)]
    granularity, buckets = outcome.histogram
    assert granularity == "day"
    assert [(first.isoformat(), n) for first, _, n in buckets] == [("2015-07-21", 1), ("2015-07-22", 0), ("2015-07-23", 1)]


def test_it_suggests_a_close_common_word_as_the_archive_writes_it(db):
    articles = [Article.objects.create(title=f"{i}", body=f"أعلنت الحكومة الأمريكيّة اليوم خبرا رقم {i}") for i in range(4)]
    reindex_articles([a.pk for a in articles])
    outcome = search_articles("الامريكبة", facets=True)
    assert outcome.total == 0
    assert outcome.suggestion == "الأمريكية"
    assert search_articles("الحكومة", facets=True).suggestion == ""


def test_results_know_how_many_versions_their_story_has(demo_articles):
    outcome = search_articles("هيغسيث", facets=True)
    story = demo_articles["channel"].story_id
    assert outcome.versions == {story: 2}


def test_a_story_changed_after_a_search_is_collapsed_on_the_next_one(demo_articles):
    from articles.models import Story

    others = [Article.objects.create(title=f"نبأ {i}", body=f"أعلنت وزارة المالية موازنة العام رقم {i}") for i in range(3)]
    reindex_articles([a.pk for a in others])
    before = search_articles("موازنة", collapse=True)
    assert before.places == 3
    # Grouped by an editor (saved in this process), with the index unchanged.
    story = Story.objects.create()
    for article in others[1:]:
        article.story = story
        article.save()
    story.lead = others[2]
    story.save()
    after = search_articles("موازنة", collapse=True)
    assert after.places == 2 and after.total == 3
    place = next(place for place in after.results if place.object.story_id == story.pk)
    assert place.object == others[2] and place.other_versions == 1


def _places_one_by_one(hits, story_of, leads):
    """The definition: a story takes the place of its first hit, shown by its lead when the lead is a hit."""
    matched, seen, found = {pk for pk, _ in hits}, set(), []
    for pk, score in hits:
        story = story_of.get(pk)
        if story is None:
            found.append((pk, score, None))
        elif story not in seen:
            seen.add(story)
            found.append((leads[story] if leads.get(story) in matched else pk, score, story))
    return found


def test_a_page_of_story_places_is_the_one_by_one_definition_at_any_offset():
    import random

    import numpy as np

    from articles.search.collapse import places

    rng = random.Random(7)
    story_of = {pk: rng.randrange(40) for pk in range(1, 400) if rng.random() < 0.6}
    leads = {story: rng.choice([pk for pk, s in story_of.items() if s == story])
             for story in set(story_of.values()) if rng.random() < 0.8}
    story_array = np.full(400, -1, dtype=np.int64)
    story_array[list(story_of)] = list(story_of.values())
    hits = [(pk, 1.0 / n) for n, pk in enumerate(rng.sample(range(1, 500), 300), start=1)]  # pks past the map too
    expected = _places_one_by_one(hits, story_of, leads)
    assert places(hits, story_array, leads, offset=0, limit=None) == (expected, len(expected))
    for offset in (0, 20, len(expected) - 5, len(expected) + 3):
        assert places(hits, story_array, leads, offset=offset, limit=20) == (expected[offset:offset + 20], len(expected))
    assert places([], story_array, leads, offset=0, limit=20) == ([], 0)

    # Only the first hits in order, the rest shuffled: the same page and count, or None when
    # those first hits fill fewer places than the page needs.
    for ordered in (1, 25, 60, 150, 299, 300, 400):
        rest = hits[ordered:]
        rng.shuffle(rest)
        partly = hits[:ordered] + rest
        for offset in (0, 20, len(expected) - 5, len(expected) + 3):
            got = places(partly, story_array, leads, offset=offset, limit=20, ordered=ordered)
            if got is None:
                assert len(_places_one_by_one(hits[:ordered], story_of, leads)) < min(offset + 20, len(expected))
            else:
                assert got == (expected[offset:offset + 20], len(expected)), (ordered, offset)
    assert places(hits, story_array, leads, offset=0, limit=20, ordered=150) is not None
    assert places(hits, story_array, leads, offset=0, limit=20, ordered=10) is None


def test_related_articles_share_telling_words_and_leave_out_the_story(demo_articles):
    from haystack.query import SearchQuerySet

    from articles.search.related import related_articles

    others = [
        Article.objects.create(title="أ", body="أطلقت القوات الأمريكية عملية عين الصقر ضد داعش في تدمر"),
        Article.objects.create(title="ب", body="مباراة كرة القدم انتهت بالتعادل في الرياض"),
    ]
    reindex_articles([a.pk for a in others])
    related = related_articles(demo_articles["channel"])
    assert related[0] == others[0] and others[1] not in related
    assert demo_articles["aggregator"] not in related  # same story: listed apart
    assert [int(r.pk) for r in SearchQuerySet().more_like_this(demo_articles["channel"])][:1] == [others[0].pk]


@pytest.mark.whoosh_only
def test_the_postings_cache_stays_within_its_budget_and_changes_no_result(demo_articles, monkeypatch):
    from articles.search import ranking

    backend = connections["default"].get_backend()
    expected = [r.object.pk for r in search_articles("القوات الأمريكية سوريا").results]
    monkeypatch.setattr(ranking, "POSTINGS_CACHE", 3)
    stats = backend.stats()
    stats._postings.clear()
    stats._postings_size = 0
    backend._local.last_match = None  # ranked again, not taken from the last search
    assert [r.object.pk for r in search_articles("القوات الأمريكية سوريا").results] == expected
    assert len(stats._postings) == 1  # the budget evicts all but the latest list


def test_a_server_starts_on_an_archive_that_has_no_index_yet(db):
    from articles.search.service import warm_up

    warm_up()  # what newsarchive/wsgi.py runs as a server process starts
    article = Article.objects.create(title="أول خبر", body="افتتح الأرشيف أبوابه للقراء")
    reindex_articles([article.pk])
    assert [r.object for r in search_articles("الأرشيف").results] == [article]


@pytest.mark.whoosh_only
def test_a_page_of_stories_ranks_its_words_once_and_lists_what_a_page_of_articles_lists(db, monkeypatch):
    """The page asks for the counts and then for every hit of the same search: one ranking serves
    both, and a new search, another filter or a changed index ranks again."""
    from datetime import date

    from articles.search import backend as backend_module
    from articles.search.service import SearchFilters

    articles = [Article.objects.create(title=f"خبر {n}", date=date(2015, 7, 1 + n % 20),
                                       body=("وزارة الصحة " * (n % 4 + 1)) + f"تعلن خطة رقم {n} " + "للمستشفيات " * (n % 3))
                for n in range(30)]
    reindex_articles([a.pk for a in articles])
    ranked = []
    original = backend_module.rank

    def counting(*args, **kwargs):
        ranked.append(args[1])
        return original(*args, **kwargs)

    monkeypatch.setattr(backend_module, "rank", counting)
    stories = search_articles("وزارة الصحة للمستشفيات", limit=30, facets=True, collapse=True)
    assert len(ranked) == 1
    plain = search_articles("وزارة الصحة للمستشفيات", limit=30, facets=True)
    assert [place.object.pk for place in stories.results] == [r.object.pk for r in plain.results]
    assert [round(place.score, 6) for place in stories.results] == [round(r.score, 6) for r in plain.results]
    assert stories.total == plain.total == 30

    ranked.clear()
    july = SearchFilters(date_from=date(2015, 7, 1), date_to=date(2015, 7, 5))
    narrowed = search_articles("وزارة الصحة للمستشفيات", limit=30, facets=True, collapse=True, filters=july)
    assert len(ranked) == 1 and narrowed.total == sum(1 for a in articles if a.date.day <= 5)
    search_articles("خطة", collapse=True)
    assert len(ranked) == 2
    newest = search_articles("وزارة الصحة للمستشفيات", limit=30, sort="newest", collapse=True)
    assert [p.object.date for p in newest.results] == sorted((p.object.date for p in newest.results), reverse=True)

    added = Article.objects.create(title="خبر جديد", body="وزارة الصحة تفتتح للمستشفيات جناحًا")
    reindex_articles([added.pk])  # the index changes: ranked again, with it
    ranked.clear()
    after = search_articles("وزارة الصحة للمستشفيات", limit=40, facets=True, collapse=True)
    assert len(ranked) == 1 and after.total == 31 and added in [place.object for place in after.results]


def test_a_page_of_stories_orders_only_the_hits_it_needs_and_lists_the_same_places(db, monkeypatch):
    from articles.models import Story
    from articles.search import service

    articles = [Article.objects.create(title=f"خبر {n}", body=("وزارة الصحة " * (n % 5 + 1)) + f"تعلن خطة رقم {n}")
                for n in range(40)]
    story = Story.objects.create()
    for article in articles[::4]:  # one story of ten versions across the ranking
        article.story = story
        article.save()
    reindex_articles([a.pk for a in articles])

    def pages(**kwargs):
        return [([(p.object.pk, round(p.score, 6), p.other_versions) for p in outcome.results], outcome.places)
                for outcome in (search_articles("وزارة الصحة", offset=offset, limit=5, collapse=True, **kwargs)
                                for offset in (0, 5, 25, 29))]

    everything_in_order = pages()
    assert everything_in_order[0][1] == 31  # 30 lone articles and the story
    assert sum(len(page) for page, _ in everything_in_order) == 5 + 5 + 5 + 2
    monkeypatch.setattr(service, "PLACES_ORDERED_HITS_MIN", 0)
    monkeypatch.setattr(service, "PLACES_ORDERED_HITS_PER_PLACE", 1)  # 5 to 34 hits in order of 40
    assert pages() == everything_in_order
    assert pages(sort="newest") == pages(sort="newest") and pages(sort="newest")[0][1] == 31
    # Scores tie in tiers of eight: pages of five still list every article once, in one order.
    by_pages = [r.object.pk for offset in range(0, 40, 5)
                for r in search_articles("وزارة الصحة", offset=offset, limit=5).results]
    assert by_pages == [r.object.pk for r in search_articles("وزارة الصحة", limit=40).results]
    assert len(set(by_pages)) == 40
