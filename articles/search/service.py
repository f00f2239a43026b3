"""Searching the archive: the one function the page, the command and the benchmark call."""

from dataclasses import dataclass, field

from haystack.query import SearchQuerySet

from articles.models import Article
from articles.search.backend import ArabicQuery
from articles.search.query import parse_query

SORTS = {
    "relevance": None,
    "newest": "-date",
    "oldest": "date",
}


@dataclass
class SearchOutcome:
    text: str
    results: list = field(default_factory=list)  # haystack SearchResults, .object loaded
    total: int = 0
    fallback: bool = False  # no article had every word; these have some
    problems: list = field(default_factory=list)
    offset: int = 0


def search_articles(text, offset=0, limit=20, sort="relevance", highlight=True):
    """Ranked articles for what the user typed.

    An empty query returns nothing (the page shows its help instead).
    """
    parsed = parse_query(text)
    outcome = SearchOutcome(text=parsed.text, problems=parsed.problems, offset=offset)
    if parsed.is_empty:
        return outcome
    sqs = SearchQuerySet().models(Article).filter(content=ArabicQuery(parsed.text))
    if SORTS.get(sort):
        sqs = sqs.order_by(SORTS[sort])
    if highlight:
        sqs = sqs.highlight()
    outcome.results = list(sqs[offset:offset + limit])
    outcome.total = sqs.count()
    outcome.fallback = sqs.query.fallback
    return outcome
