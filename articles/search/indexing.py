"""Keeping the Whoosh index in step with the database.

The database is the truth; these functions copy articles into the index in
batches through the backend's single writer. Call them after the database
transaction has committed (``transaction.on_commit``), never inside it, so
the index never holds an article the database rolled back.
"""

from haystack import connections
from haystack.utils import get_identifier

from articles.models import Article

BATCH_SIZE = 500


def _backend_and_index():
    connection = connections["default"]
    return connection.get_backend(), connection.get_unified_index().get_index(Article)


def reindex_articles(pks, batch_size=BATCH_SIZE):
    """Write the given articles to the index; those no longer in the database are removed."""
    backend, index = _backend_and_index()
    pks = sorted(set(pks))
    for start in range(0, len(pks), batch_size):
        batch = pks[start:start + batch_size]
        articles = list(index.index_queryset().filter(pk__in=batch))
        backend.update(index, articles)
        missing = set(batch) - {article.pk for article in articles}
        if missing:
            backend.remove_identifiers([get_identifier_for(pk) for pk in missing])


def get_identifier_for(pk):
    return f"{Article._meta.app_label}.{Article._meta.model_name}.{pk}"


def remove_articles(articles):
    backend, _ = _backend_and_index()
    backend.remove_identifiers([get_identifier(article) for article in articles])
