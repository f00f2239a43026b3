"""Keeping the Whoosh index in step with the database.

The database is the truth; these functions copy articles into the index in
batches through the backend's single writer. Call them after the database
transaction has committed (``transaction.on_commit``), never inside it, so
the index never holds an article the database rolled back.

Imports write through one Whoosh write session (``IndexQueue``): every
commit makes a segment, and few large segments index and search several
times faster than many small ones.
"""

import threading

from django.utils import timezone
from haystack import connections

from articles.models import Article

INDEX_BATCH_SIZE = 2000
# An import commits to the index every so many articles: fewer, larger
# segments search faster; the writer's memory grows with the batch, and so
# does the last commit, which nothing overlaps (the real 31k: 20,000 left
# 9,800 articles to index and commit after the last record was saved, and
# the import's end to end rate was 266-284/s against 289/s with 10,000).
COMMIT_EVERY = 10_000
# Articles read back from the database and written to the index at a time.
LOAD_BATCH = 500
# While a commit runs in the background, the import goes on saving, and what
# it saves waits to be indexed: up to this many commits' worth, then the
# import waits for the commit. Half a commit, so the import's progress stays
# close to what searches find, and its rate is the rate it can keep: with
# three commits' worth (60,000), a 310k import ran its first tenth 1.7 times
# as fast as its last and went on indexing for 4 minutes after its last record.
INDEX_LAG_COMMITS = 0.5
# What waited is then indexed this many chunks per batch the import saves,
# so saving and indexing take turns instead of saving stopping until the
# whole backlog is written.
CATCH_UP_CHUNKS = 2


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
    queue closes, so a bulk import makes few, large segments. A commit made
    along the way runs in a thread while the import goes on saving records
    (their pks wait here, and are indexed by the next session, a few chunks
    per saved batch), so the minutes a large commit takes do not stop the
    import. Use as a context manager.
    """

    def __init__(self, load_batch=None, commit_every=None, on_stage=None, on_failure=None):
        self.load_batch = load_batch or LOAD_BATCH
        self.on_stage = on_stage or (lambda stage: None)  # told what the index side is doing
        self.commit_every = commit_every or COMMIT_EVERY
        self.lag_max = max(int(self.commit_every * INDEX_LAG_COMMITS), 1)  # articles waiting, at most
        # Called with (pk, error) pairs of articles the index could not take;
        # without it such an error stops the import.
        self.on_failure = on_failure
        self.failures = []
        self.pending = []
        self.session = None
        self.written = []  # (pks, loaded_at) of the batches in the open session
        self.committing = None  # the commit running in the background, if any
        self.backend, self.index = _backend_and_index()

    def add(self, pks):
        self.pending.extend(pks)
        if len(self.pending) >= self.load_batch:
            self._write()

    def _write(self, wait=False):
        """Index what is pending: all of it when ``wait`` or when far too much waits; else
        nothing while a commit runs, and ``CATCH_UP_CHUNKS`` chunks at most."""
        written = 0
        while self.pending:
            backlog = wait or len(self.pending) >= self.lag_max
            # A chunk may start a commit: what follows it waits here, not for the write lock.
            if self.committing is not None:
                if self.committing.running() and not backlog:
                    return
                self._finish_commit()
            if written >= CATCH_UP_CHUNKS and not backlog:
                return
            chunk, self.pending = self.pending[:self.load_batch], self.pending[self.load_batch:]
            self._write_chunk(chunk)
            written += 1

    def _write_chunk(self, pks):
        loaded_at = timezone.now()
        articles = list(self.index.index_queryset().filter(pk__in=pks))
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
            self._commit(background=True)

    def flush_failures(self, wait=True):
        """Write what is pending and hand articles the index refused to ``on_failure``.

        Without ``wait``, what is pending stays pending while a background
        commit runs: its refusals are handed over when it is written.
        """
        self._write(wait=wait)
        failures, self.failures = self.failures, []
        if failures and self.on_failure:
            self.on_failure(failures)

    def _commit(self, *exc_info, background=False):
        if self.session is None:
            return
        session, self.session = self.session, None
        written, self.written = self.written, []
        if background:
            self.on_stage(f"committing {len(session):,} articles to the index; the import goes on")
            self.committing = BackgroundCommit(session, written)
            return
        self.on_stage(f"committing {len(session):,} articles to the index")
        session.__exit__(*(exc_info or (None, None, None)))
        mark_indexed(written)
        self.on_stage("importing")

    def _finish_commit(self):
        """Wait for the background commit, then mark its articles indexed (or raise its error)."""
        committing, self.committing = self.committing, None
        if committing.running():
            self.on_stage("waiting for the index commit to finish")
        committing.wait()
        mark_indexed(committing.written)
        self.on_stage("importing")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        try:
            self.flush_failures()
        finally:
            try:
                if self.committing is not None:
                    self._finish_commit()
            finally:
                self._commit(*exc_info)


class BackgroundCommit:
    """A write session's commit, run in a thread (the writer's own processes do most of its work)."""

    def __init__(self, session, written):
        self.session = session
        self.written = written  # (pks, loaded_at) of what the session holds
        self.error = None
        self.thread = threading.Thread(target=self._run, name="index-commit")
        self.thread.start()

    def _run(self):
        try:
            self.session.__exit__(None, None, None)
        except BaseException as error:  # noqa: BLE001 - raised again in the importing thread
            self.error = error

    def running(self):
        return self.thread.is_alive()

    def wait(self):
        self.thread.join()
        if self.error is not None:
            raise self.error
