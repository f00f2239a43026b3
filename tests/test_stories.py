"""Stories on real news: a SaudiNewsNet day imported through the pipeline, read from ../shared/data.

On 2015-07-21 the papers carried the King's meeting with Samir Geagea, the
deputy crown prince's meeting with the Chechen president, his meeting with
Geagea, and bulletins telling both of his meetings. Before the chain guard
(articles/importing/stories.py, ``STORY_THRESHOLD``) the bulletins chained
all of it into one story; bench/stories.py measures the grouping on more days.
"""

from datetime import date

import pytest

from articles.importing.pipeline import import_paths
from articles.models import Article
from tests.base import DEMO_SAMPLES, SAUDINEWSNET

DAY = SAUDINEWSNET / "2015-07-21.zip"

pytestmark = pytest.mark.skipif(not DAY.exists(), reason=f"the SaudiNewsNet corpus is not at {SAUDINEWSNET}")

# One SPA text each, republished by several papers (URLs as in the corpus).
KING_MEETS_GEAGEA = ["http://www.aleqt.com/2015/07/20/article_974717.html",
                     "http://www.okaz.com.sa/new/Issues/20150720/Con20150720784687.htm"]
DEPUTY_MEETS_CHECHEN_PRESIDENT = [
    "http://www.al-madina.com/node/620068/ولي-ولي-العهد-يلتقي-رئيس-جمهورية-الشيشان.html?live",
    "http://www.alweeam.com.sa/348529/الأمير-محمد-بن-سلمان-يلتقي-رئيس-جمهوري/",
]
DEPUTY_MEETS_GEAGEA = [
    "http://www.al-madina.com/node/620090/ولي-ولي-العهد-يجتمع-مع-رئيس-حزب-القوات-اللبنانية.html?live",
    "http://www.alweeam.com.sa/348525/الأمير-محمد-بن-سلمان-يجتمع-مع-رئيس-حزب-ا/",
]


def story_of(urls):
    """The one story the articles at ``urls`` share (fails if they are apart or alone)."""
    stories = {Article.objects.get(url=url).story_id for url in urls}
    assert len(stories) == 1 and None not in stories, f"{urls} are in stories {stories}, not one"
    return stories.pop()


def test_a_real_day_keeps_different_events_apart_and_republications_together(db):
    job = import_paths([DAY, *DEMO_SAMPLES], today=date(2026, 11, 21))
    assert job.imported > 2800

    king, chechen, geagea = (story_of(urls) for urls in
                             (KING_MEETS_GEAGEA, DEPUTY_MEETS_CHECHEN_PRESIDENT, DEPUTY_MEETS_GEAGEA))
    # Three meetings, three stories: the bulletins that told two of them did not chain them together.
    assert len({king, chechen, geagea}) == 3
    chechen_titles = list(Article.objects.filter(story_id=chechen).values_list("title", flat=True))
    assert len(chechen_titles) >= 5 and all("الشيشان" in title or "جعجع" in title for title in chechen_titles)
    assert not any("خادم الحرمين" in title for title in chechen_titles), chechen_titles
    king_titles = Article.objects.filter(story_id=king).values_list("title", flat=True)
    assert all("خادم الحرمين" in title for title in king_titles), list(king_titles)

    # The demo samples (a channel's report and an aggregator's rewrite) are still one story among real news.
    samples = [Article.objects.get(import_file__name__endswith=path.name) for path in DEMO_SAMPLES]
    assert samples[0].story_id is not None and samples[0].story_id == samples[1].story_id


def test_signatures_are_datasketchs_own_so_earlier_imports_stored_ones_still_match():
    """Triples are hashed in one pass, not datasketch's call per triple: the signature must not change."""
    from datasketch import MinHash

    from articles.importing.stories import NUM_PERM, signature
    from articles.text import content_stems

    words = content_stems("أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في مدينة الرياض بسعة مئتي سرير " * 3)
    triples = {f"{a} {b} {c}".encode("utf-8") for a, b, c in zip(words, words[1:], words[2:])}
    expected = MinHash(num_perm=NUM_PERM)
    expected.update_batch(list(triples))
    minhash, size = signature(words)
    assert size == len(triples) > 10
    assert list(minhash.hashvalues) == list(expected.hashvalues)
    assert minhash.jaccard(expected) == 1.0
