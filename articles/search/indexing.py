"""Keeping the Whoosh index in step with the database.

The database is the truth; these functions copy articles into the index in
batches through the backend's single writer. Call them after the database
transaction has committed (``transaction.on_commit``), never inside it, so
the index never holds an article the database rolled back.

Batches are large on purpose: every Whoosh commit writes a segment with one
posting block per distinct word, so a few big commits index several times
faster than many small ones.
"""

from haystack import connections

from articles.models import Article

INDEX_BATCH_SIZE = 4000


def _backend_and_index():
    connection = connections["default"]
    return connection.get_backend(), connection.get_unified_index().get_index(Article)


def identifier_for(pk):
    return f"{Article._meta.app_label}.{Article._meta.model_name}.{pk}"


def reindex_articles(pks, batch_size=INDEX_BATCH_SIZE):
    """Write the given articles to the index; those no longer in the database are removed."""
    backend, index = _backend_and_index()
    pks = sorted(set(pks))
    for start in range(0, len(pks), batch_size):
        batch = pks[start:start + batch_size]
        articles = list(index.index_queryset().filter(pk__in=batch))
        backend.update(index, articles)
        missing = set(batch) - {article.pk for article in articles}
        if missing:
            backend.remove_identifiers([identifier_for(pk) for pk in missing])


def remove_articles(pks):
    backend, _ = _backend_and_index()
    backend.remove_identifiers([identifier_for(pk) for pk in pks])


def unindexed(pks):
    """The pks among ``pks`` the index does not hold (an import was interrupted)."""
    backend, _ = _backend_and_index()
    indexed = backend.indexed_identifiers([identifier_for(pk) for pk in pks])
    return [pk for pk in pks if identifier_for(pk) not in indexed]


class IndexQueue:
    """Collects committed article pks and indexes them a large batch at a time.

    Use as a context manager so whatever is left is indexed at the end.
    """

    def __init__(self, batch_size=INDEX_BATCH_SIZE):
        self.batch_size = batch_size
        self.pending = []

    def add(self, pks):
        self.pending.extend(pks)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self):
        if self.pending:
            reindex_articles(self.pending, batch_size=self.batch_size)
            self.pending = []

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.flush()
