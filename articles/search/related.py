"""Related articles: the archive's own more-like-this on the same index.

An article's most telling stems (frequent in it, rare in the archive) make an
OR query scored by BM25 on the stem field. Its own story's versions are
listed apart on the page, so they are left out here.
"""

from collections import Counter

import numpy as np
from haystack import connections
from haystack.constants import DJANGO_ID

from articles.models import Article
from articles.search.analysis import STEM_SUFFIX
from articles.search.ranking import K1
from articles.text import content_stems

TERMS = 15
MIN_WORD_LENGTH = 3


def related_results(article, start_offset=0, end_offset=None, result_class=None):
    """haystack's more-like-this answer for an article: ``related_articles`` as search results."""
    from haystack.models import SearchResult

    start_offset = start_offset or 0
    end_offset = end_offset if end_offset is not None else start_offset + 20
    result_class = result_class or SearchResult
    results = []
    for related in related_articles(article, limit=end_offset)[start_offset:end_offset]:
        result = result_class(related._meta.app_label, related._meta.model_name, str(related.pk), 0)
        result._object = related
        results.append(result)
    return {"results": results, "hits": len(results)}


def related_articles(article, limit=5):
    backend = connections["default"].get_backend()
    if hasattr(backend, "related_pks"):
        return _related_on_cluster(backend, article, limit)
    stats = backend.stats()
    searcher = stats.searcher
    fieldname = backend.content_field_name + STEM_SUFFIX
    counts = Counter(word for word in content_stems(article.body) if len(word) >= MIN_WORD_LENGTH)
    weighted = []
    for word, count in counts.items():
        frequency = searcher.doc_frequency(fieldname, word)
        if frequency > 1:  # a word only this article has finds nothing else
            weighted.append((count * searcher.idf(fieldname, word), word))
    scores = np.zeros(stats.size)
    for _, word in sorted(weighted, reverse=True)[:TERMS]:
        ids, freqs = stats.postings(fieldname, word)
        scores[ids] += searcher.idf(fieldname, word) * (K1 + 1) * freqs / (freqs + stats.norms(fieldname)[ids])
    scores[~stats.live] = 0
    best = np.argsort(-scores)[: limit * 4 + 10]
    pks = [int(searcher.stored_fields(int(d))[DJANGO_ID]) for d in best if scores[d] > 0]
    same_story = set()
    if article.story_id:
        same_story = set(Article.objects.filter(story_id=article.story_id).values_list("pk", flat=True))
    pks = [pk for pk in pks if pk != article.pk and pk not in same_story][:limit]
    found = Article.objects.select_related("source").in_bulk(pks)
    return [found[pk] for pk in pks if pk in found]


def _related_on_cluster(backend, article, limit):
    """The same on OpenSearch: its more-like-this over the stem field picks the telling stems."""
    stems = [word for word in content_stems(article.body) if len(word) >= MIN_WORD_LENGTH]
    if not stems:
        return []
    exclude = {article.pk}
    if article.story_id:
        exclude |= set(Article.objects.filter(story_id=article.story_id).values_list("pk", flat=True))
    pks = backend.related_pks(stems, exclude, limit)
    found = Article.objects.select_related("source").in_bulk(pks)
    return [found[pk] for pk in pks if pk in found]
