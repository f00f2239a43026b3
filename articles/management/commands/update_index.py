"""haystack's ``update_index`` (and so ``rebuild_index``), writing the archive's articles the way an import does.

haystack's own command commits every batch of a thousand: a rebuild of a
few hundred thousand articles made hundreds of commits, each with its own
writer processes and merge, and one article the index could not take
stopped it (after retries) with the index half rebuilt. Articles go here
through the import's ``IndexQueue`` instead: a commit every
``indexing.COMMIT_EVERY`` articles, run while the next articles are
written, with the articles read a few hundred at a time (memory stays flat
whatever the archive's size). An article the index refuses is reported at
the end, by id, and every other one is indexed; the command then fails, so
a script running it knows. A rebuild stopped half-way leaves the articles it
had not committed marked ``index_pending``, which the next import indexes
(as after an import stopped half-way).

Other models, other connections than ``default``, ``--workers``,
``--remove`` and ``--nocommit`` go through haystack's command unchanged.
"""

import logging
import time

from django.core.management.base import CommandError
from haystack import connections as haystack_connections
from haystack.exceptions import NotHandled
from haystack.management.commands import update_index
from haystack.utils.app_loading import haystack_get_models

from articles.models import Article
from articles.search.indexing import IndexQueue

# How often (in articles) a verbose run says how far it has come.
PROGRESS_EVERY = 10_000


class Command(update_index.Command):
    def update_backend(self, label, using):
        if not self._writes_like_an_import(label, using):
            return super().update_backend(label, using)
        # haystack raises multiprocessing's log level for its worker pool when verbose;
        # the index writer's processes would then log every start and exit.
        update_index.LOG.setLevel(logging.WARNING)
        index = haystack_connections[using].get_unified_index().get_index(Article)
        articles = index.build_queryset(using=using, start_date=self.start_date, end_date=self.end_date)
        # Pending until committed: what a rebuild stopped half-way (killed, the
        # machine down) had not committed, the next import indexes.
        articles.update(index_pending=True)
        pks = list(articles.order_by("pk").values_list("pk", flat=True))
        if self.verbosity >= 1:
            self.stdout.write(f"Indexing {len(pks)} articles")
        refused = []
        started = time.monotonic()
        with IndexQueue(on_stage=self._stage, on_failure=refused.extend) as queue:
            for start in range(0, len(pks), PROGRESS_EVERY):
                queue.add(pks[start:start + PROGRESS_EVERY])
                if self.verbosity >= 2:
                    written = min(start + PROGRESS_EVERY, len(pks)) - len(queue.pending)
                    rate = written / max(time.monotonic() - started, 1e-3)
                    self.stdout.write(f"  {written} of {len(pks)} written to the index ({rate:.0f}/s)")
        if self.verbosity >= 1:
            self.stdout.write(f"Indexed {len(pks) - len(refused)} of {len(pks)} articles "
                              f"in {time.monotonic() - started:.1f} s")
        if refused:
            for pk, error in refused:
                self.stderr.write(f"Article {pk} could not be indexed: {error}")
            raise CommandError(
                f"{len(refused)} of {len(pks)} articles could not be indexed (listed above); every other one was."
            )

    def _writes_like_an_import(self, label, using):
        if using != "default" or self.workers or self.remove or not self.commit:
            return False
        unified_index = haystack_connections[using].get_unified_index()
        indexed = []
        for model in haystack_get_models(label):
            try:
                unified_index.get_index(model)
            except NotHandled:
                continue
            indexed.append(model)
        return indexed == [Article]

    def _stage(self, stage):
        if self.verbosity >= 2:
            self.stdout.write(f"  {stage}")
