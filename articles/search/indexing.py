"""Keeping the Whoosh index in step with the database.

The database is the truth; these functions copy articles into the index in
batches through the backend's single writer. Call them after the database
transaction has committed (``transaction.on_commit``), never inside it, so
the index never holds an article the database rolled back.

Imports write through one Whoosh write session (``IndexQueue``): every
commit makes a segment, and few large segments index and search several
times faster than many small ones.
"""

from django.utils import timezone
from haystack import connections

from articles.models import Article

INDEX_BATCH_SIZE = 2000
# An import commits to the index every so many articles: fewer, larger
# segments search faster; the writer's memory grows with the batch.
COMMIT_EVERY = 20_000


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
        loaded_at = timezone.now()
        articles = list(index.index_queryset().filter(pk__in=batch))
        backend.update(index, articles)
        missing = set(batch) - {article.pk for article in articles}
        if missing:
            backend.remove_identifiers([identifier_for(pk) for pk in missing])
        mark_indexed([([article.pk for article in articles], loaded_at)])


def segment_count():
    backend, _ = _backend_and_index()
    if hasattr(backend, "segment_count"):
        return backend.segment_count()
    if not backend.setup_complete:
        backend.setup()
    return len(backend.storage.open_index(schema=backend.schema)._segments())


def optimise_index(max_documents=None, on_stage=None, when_over=0):
    """Merge the index's segments (see merging.py) when there are more than ``when_over``; True if it ran."""
    if segment_count() <= max(when_over, 1):
        return False
    backend, _ = _backend_and_index()
    backend.optimize(max_documents=max_documents, on_stage=on_stage)
    return True


def mark_indexed(loads):
    """Clear ``index_pending`` on the versions just committed to the index.

    ``loads`` are (pks, time they were read from the database); an article
    saved again since it was read stays pending.
    """
    for pks, loaded_at in loads:
        pks = list(pks)
        for start in range(0, len(pks), 500):
            Article.objects.filter(pk__in=pks[start:start + 500], updated_at__lt=loaded_at).update(
                index_pending=False
            )


class IndexQueue:
    """Indexes committed article pks during an import, through one write session.

    Articles are read back from the database in batches as they are added;
    the Whoosh writer commits every ``commit_every`` articles and when the
    queue closes, so a bulk import makes few, large segments. Use as a
    context manager.
    """

    def __init__(self, load_batch=500, commit_every=COMMIT_EVERY, on_stage=None, on_failure=None):
        self.load_batch = load_batch
        self.on_stage = on_stage or (lambda stage: None)  # told what the index side is doing
        self.commit_every = commit_every
        # Called with (pk, error) pairs of articles the index could not take;
        # without it such an error stops the import.
        self.on_failure = on_failure
        self.failures = []
        self.pending = []
        self.session = None
        self.written = []  # (pks, loaded_at) of the batches in the open session
        self.backend, self.index = _backend_and_index()

    def add(self, pks):
        self.pending.extend(pks)
        if len(self.pending) >= self.load_batch:
            self._write()

    def _write(self):
        if not self.pending:
            return
        loaded_at = timezone.now()
        articles = list(self.index.index_queryset().filter(pk__in=self.pending))
        self.pending = []
        if self.session is None:
            self.on_stage("waiting for the index write lock")
            self.session = self.backend.write_session(parallel=len(articles) >= self.load_batch)
            self.session.__enter__()
            self.on_stage("importing")
        failures = [] if self.on_failure else None
        self.session.write(self.index, articles, failures=failures)
        if failures:
            failed = {pk for pk, _ in failures}
            articles = [article for article in articles if article.pk not in failed]
            self.failures.extend(failures)
        self.written.append(([article.pk for article in articles], loaded_at))
        if len(self.session) >= self.commit_every:
            self._commit()

    def flush_failures(self):
        """Write what is pending and hand articles the index refused to ``on_failure``."""
        self._write()
        failures, self.failures = self.failures, []
        if failures and self.on_failure:
            self.on_failure(failures)

    def _commit(self, *exc_info):
        if self.session is not None:
            session, self.session = self.session, None
            self.on_stage(f"committing {len(session):,} articles to the index")
            session.__exit__(*(exc_info or (None, None, None)))
            written, self.written = self.written, []
            mark_indexed(written)
            self.on_stage("importing")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        try:
            self.flush_failures()
        finally:
            self._commit(*exc_info)
