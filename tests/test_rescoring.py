"""A long search's first hits re-scored by the letters their words share with it
(rescoring.py), through the real index on either engine: the answer written in other
forms comes first, pages and exports keep one order, counts and short searches do not
change."""

import pytest

from articles.models import Article, Source
from articles.search.indexing import reindex_articles
from articles.search.rescoring import RESCORE_TEXT_CHARS, trigram_scores
from articles.search.service import iter_search, search_articles

# A question, the paragraph that answers it in other forms of its words
# (مرتبطة for يرتبط, بريطانيا for البريطانية: forms the light stem keeps
# apart), and paragraphs that repeat two of the question's words as written.
QUESTION = "ما الذي يرتبط بالمستعمرات البريطانية في أمريكا؟"
ANSWER = "كانت كل مستعمرة في أمريكا الشمالية مرتبطة ببريطانيا بالتجارة، ويحكمها حاكم من البريطانيين يعينه ملك بريطانيا."
DISTRACTORS = [
    "أعلنت الحكومة البريطانية خطة جديدة، وقالت الصحف البريطانية إنها مكلفة.",
    "زار الوفد أمريكا الأسبوع الماضي، وناقش في أمريكا مستقبل التعاون التجاري.",
    "درس الطلاب تاريخ المستعمرات في أفريقيا وكيف انتهت المستعمرات بعد الحرب.",
]


@pytest.fixture
def source(db):
    return Source.objects.create(name="موسوعة الاختبار")


def index_texts(source, bodies):
    articles = [Article.objects.create(title=f"فقرة {i}", body=body, source=source) for i, body in enumerate(bodies)]
    reindex_articles([article.pk for article in articles])
    return articles


def bm25_alone(monkeypatch):
    """Rank by BM25 alone from now on (the backend keeps its last ranking: forget it)."""
    from haystack import connections

    from articles.search import opensearch_backend, ranking

    monkeypatch.setattr(ranking, "RESCORE_DEPTH", 0)
    monkeypatch.setattr(opensearch_backend, "RESCORE_DEPTH", 0)
    local = getattr(connections["default"].get_backend(), "_local", None)
    if local is not None:
        local.last_match = None


def test_the_paragraph_that_answers_in_other_forms_comes_first(source, monkeypatch):
    answer, *_ = index_texts(source, [ANSWER, *DISTRACTORS])
    ranked = [r.object.pk for r in search_articles(QUESTION, limit=10, highlight=False).results]
    assert ranked[0] == answer.pk
    # BM25 over stems alone puts a paragraph that repeats the question's words first.
    bm25_alone(monkeypatch)
    assert [r.object.pk for r in search_articles(QUESTION, limit=10, highlight=False).results][0] != answer.pk


def test_rescoring_changes_the_order_only_never_what_matches_or_the_counts(source, monkeypatch):
    index_texts(source, [ANSWER, *DISTRACTORS, "موجة حر في أمريكا", "الوظيفة الحكومية مطلوبة"])
    rescored = search_articles(QUESTION, limit=100, highlight=False, facets=True)
    bm25_alone(monkeypatch)
    plain = search_articles(QUESTION, limit=100, highlight=False, facets=True)
    assert rescored.total == plain.total == 5
    assert {r.object.pk for r in rescored.results} == {r.object.pk for r in plain.results}
    assert rescored.facets == plain.facets and rescored.total_as_written == plain.total_as_written
    assert [r.object.pk for r in rescored.results] != [r.object.pk for r in plain.results]


def test_pages_and_the_export_list_a_long_search_in_one_order_with_falling_scores(source):
    bodies = []
    for i in range(45):
        # Every paragraph matches; they differ in which forms they use and how often.
        forms = ["مستعمرة مرتبطة", "بالمستعمرات", "البريطانية", "أمريكا", "ارتبطت مستعمرات بريطانيا"][i % 5]
        bodies.append(f"فقرة رقم {i} تذكر {forms} " + "ونص آخر عن التاريخ " * (i % 7))
    index_texts(source, bodies)
    whole = [r.object.pk for r in search_articles(QUESTION, limit=60, highlight=False).results]
    pages = [r.object.pk for offset in (0, 20, 40)
             for r in search_articles(QUESTION, offset=offset, limit=20, highlight=False).results]
    assert len(whole) == 45 and pages == whole
    stream = iter_search(QUESTION)
    exported = list(stream.rows)
    assert [article.pk for _, _, article in exported] == whole
    scores = [score for _, score, _ in exported]
    assert scores == sorted(scores, reverse=True)


def test_short_searches_keep_their_order(source, monkeypatch):
    index_texts(source, ["الرياض عاصمة المملكة", "أمير الرياض يفتتح مشروعًا في الرياض", "ازدحام في شوارع الرياض",
                         "وزارة الرياضة تطلق دوريًا", "الرياض والرياضة"])
    for query in ("الرياض", "أمير الرياض"):
        rescored = [(r.object.pk, r.score) for r in search_articles(query, limit=10, highlight=False).results]
        with monkeypatch.context() as patched:
            bm25_alone(patched)
            plain = [(r.object.pk, r.score) for r in search_articles(query, limit=10, highlight=False).results]
        assert rescored == plain


def test_trigrams_score_shared_letters_and_leave_stop_words_out():
    texts = ["وظيفة مرتبطة بالتكاثر", "يرتبط بوظيفتها", "خبر عن الطقس", "في من على إلى"]
    scores = trigram_scores("يرتبط بوظيفتها في", texts)
    assert scores[1] > scores[0] > 0
    assert scores[2] == 0 and scores[3] == 0  # nothing shared; stop words only
    assert trigram_scores("في من", texts) == [0.0] * 4
    assert trigram_scores("وظيفة", []) == []
    # A text is read up to RESCORE_TEXT_CHARS: a search's cost is bounded however long the articles.
    padding = "كلمة " * (RESCORE_TEXT_CHARS // 5)
    assert trigram_scores("يرتبط بوظيفتها", [padding + "يرتبط بوظيفتها", "يرتبط"])[0] == 0


def test_in_a_long_search_the_word_as_written_still_outranks_a_different_word_sharing_its_letters(source):
    """الرياضة shares five of الرياض's six trigrams; re-scoring must not lift sport above Riyadh."""
    riyadh = index_texts(source, [
        "حالة الطقس في الرياض اليوم: غبار وارتفاع في درجات الحرارة",
        "توقعات الطقس في الرياض حتى نهاية الأسبوع",
    ])
    sport = index_texts(source, [
        "الرياضة اليوم: الطقس الحار يؤجل مباريات الرياضة المدرسية، والرياضة الجامعية تنتظر",
        "وزارة الرياضة تعلن جدول الرياضة اليوم بسبب الطقس",
    ])
    ranked = [r.object.pk for r in search_articles("حالة الطقس في الرياض اليوم", limit=10, highlight=False).results]
    assert set(ranked[:2]) == {article.pk for article in riyadh}
    assert {article.pk for article in sport} <= set(ranked)  # still found through الطقس and اليوم
