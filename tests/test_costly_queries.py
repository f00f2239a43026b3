"""Queries that used to cost seconds are bounded, and the page says what was narrowed.

Timing is compared with an ordinary three-word query in the same run, never
against a fixed number of milliseconds (the figures at 31k articles come from
bench/costly.py).
"""

import random
import time
from collections import Counter

import pytest
from django.urls import reverse

from articles.models import Article
from articles.search import prefixes as expansion
from articles.search.indexing import reindex_articles
from articles.search.query import MAX_CLAUSES, MIN_PREFIX_LETTERS, parse_query
from articles.search.service import search_articles
from articles.text import tokenise

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
PREFIXES = [a + b for a in ("ال", "وا", "با") for b in LETTERS][:60]


@pytest.fixture
def vocabulary(db):
    """Articles over a vocabulary where "الم" and many other prefixes begin far more than 40 words."""
    rng = random.Random(8)
    words = ["الم" + "".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 5))) for _ in range(400)]
    words += ["".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 7))) for _ in range(1500)]
    common = "وزارة الصحة السعودية أعلنت اليوم عن".split()
    pks = []
    for n in range(200):
        body = " ".join(common[: rng.randint(2, 6)] + [rng.choice(words) for _ in range(60)]) + f" رقم{n}"
        pks.append(Article.objects.create(title=f"خبر {n}", body=body).pk)
    reindex_articles(pks)
    return words


def best_of(runs, function, *args, **kwargs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function(*args, **kwargs)
        times.append(time.perf_counter() - started)
    return min(times)


COSTLY = {
    "two letters": "ال*",
    "a common prefix": "الم*",
    "sixty prefixes": " ".join(p + "*" for p in PREFIXES),
    "27 excluded prefixes": "السعودية " + " ".join("-" + p + "*" for p in PREFIXES[:27]),
    "a 255-letter unknown word": "ق" * 255,
}


def test_a_two_letter_prefix_is_refused_with_a_reason():
    parsed = parse_query("ال*")
    assert parsed.is_empty and f"{MIN_PREFIX_LETTERS} أحرف على الأقل" in parsed.problems[0]


def test_too_many_words_are_cut_with_a_message():
    parsed = parse_query(COSTLY["sixty prefixes"])
    assert len(parsed.positive_clauses()) == MAX_CLAUSES
    assert any(f"أكثر من {MAX_CLAUSES}" in problem for problem in parsed.problems)
    parsed = parse_query(COSTLY["27 excluded prefixes"])
    assert len(parsed.excluded) + len(parsed.positive_clauses()) == MAX_CLAUSES


def test_a_prefix_stands_for_its_most_frequent_words_and_the_page_says_so(editor_client, vocabulary):
    outcome = search_articles("الم*")
    assert outcome.total > 0
    assert any("«الم*»" in problem and "بأكثرها شيوعًا" in problem for problem in outcome.problems)
    html = editor_client.get(reverse("articles:search"), {"q": "الم*"}).content.decode()
    assert "بأكثرها شيوعًا" in html
    # The words searched are the most frequent ones, counted in the articles themselves.
    from haystack import connections

    backend = connections["default"].get_backend()
    words, narrowed = expansion.expand_prefix(backend.stats(), backend.content_field_name, "الم")
    assert narrowed and len(words) == expansion.MAX_PREFIX_TERMS
    articles_with = Counter(word for title, body in Article.objects.values_list("title", "body")
                            for word in set(tokenise(f"{title}\n{body}")) if word.startswith("الم"))
    assert len(articles_with) > expansion.MAX_PREFIX_TERMS
    words = [w.decode() if isinstance(w, bytes) else w for w in words]  # Whoosh's lexicon gives bytes
    assert [articles_with[w] for w in words] == sorted(articles_with.values(), reverse=True)[:len(words)]
    # A narrow prefix is searched whole, and says nothing.
    assert not [p for p in search_articles("السعود*").problems if "شيوع" in p]
    assert search_articles("السعود*").total == search_articles("السعودية").total


def test_excluded_prefixes_still_exclude(vocabulary):
    word = next(w for w in vocabulary if w.startswith("الم"))
    prefix = word[:4]
    having = {pk for pk, body in Article.objects.values_list("pk", "body") if f" {prefix}" in body}
    assert having
    left = {r.object.pk for r in search_articles(f"السعودية -{prefix}*", limit=200).results}
    assert left and not left & having


def test_costly_queries_cost_about_what_an_ordinary_one_does(editor_client, vocabulary):
    url = reverse("articles:search")
    for query in ["وزارة الصحة السعودية", *COSTLY.values()]:
        assert editor_client.get(url, {"q": query}).status_code == 200  # warm: searcher, expansions
    ordinary = best_of(5, editor_client.get, url, {"q": "وزارة الصحة السعودية"})
    for label, query in COSTLY.items():
        costly = best_of(5, editor_client.get, url, {"q": query})
        assert costly < 10 * ordinary, f"{label}: {costly * 1000:.0f} ms against {ordinary * 1000:.0f} ms"
