"""The import pipeline: files in, articles saved and indexed, a report out.

Failure policy: each file, and each record inside a file, succeeds or fails
alone. A batch of records is saved in one transaction and indexed only after
it commits, so the index never holds an article the database does not.
Exact duplicates (same normalised body, or same external id) are reported
with the article they duplicate and not saved again, which also makes
re-importing a file a no-op.
"""

import functools
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from articles.importing.readers import FileError, RecordError, reader_for
from articles.models import Article, Source, body_fingerprint
from articles.search.indexing import IndexQueue, unindexed

BATCH_SIZE = 500


@dataclass
class FileReport:
    name: str
    imported: list = field(default_factory=list)  # article pks
    duplicates: list = field(default_factory=list)  # (origin, existing article pk)
    failed: list = field(default_factory=list)  # (origin, message)
    error: str = ""  # the whole file failed

    @property
    def ok(self):
        return not self.error and not self.failed


@dataclass
class ImportReport:
    files: list = field(default_factory=list)

    @property
    def imported(self):
        return sum(len(f.imported) for f in self.files)

    @property
    def duplicates(self):
        return sum(len(f.duplicates) for f in self.files)

    @property
    def failed(self):
        return sum(len(f.failed) + bool(f.error) for f in self.files)

    @property
    def ok(self):
        return all(f.ok for f in self.files)


def expand_paths(paths):
    """Files named, and the files inside folders named, in a stable order."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            yield path


def import_paths(paths, batch_size=BATCH_SIZE, on_file=None):
    """Import every file under ``paths``; returns the ``ImportReport``.

    ``on_file(file_report)`` is called after each file, for progress display.
    """
    report = ImportReport()
    sources = {}
    with IndexQueue() as index_queue:
        for path in expand_paths(paths):
            file_report = import_file(path, index_queue, batch_size=batch_size, sources=sources)
            report.files.append(file_report)
            if on_file:
                on_file(file_report)
    return report


def import_file(path, index_queue, batch_size=BATCH_SIZE, sources=None):
    path = Path(path)
    file_report = FileReport(name=str(path))
    sources = {} if sources is None else sources
    save = functools.partial(_save_batch, file_report=file_report, sources=sources, index_queue=index_queue)
    try:
        if not path.exists():
            raise FileError("الملف غير موجود / no such file")
        records = reader_for(path)(path)
        batch = []
        for record in records:
            if isinstance(record, RecordError):
                file_report.failed.append((record.origin, record.message))
                continue
            batch.append(record)
            if len(batch) >= batch_size:
                save(batch)
                batch = []
        if batch:
            save(batch)
    except FileError as error:
        file_report.error = str(error)
    except OSError as error:
        file_report.error = f"تعذّرت قراءة الملف / the file could not be read: {error.strerror or error}"
    return file_report


def _source_for(name, sources):
    if not name:
        return None
    if name not in sources:
        sources[name], _ = Source.objects.get_or_create(name=name)
    return sources[name]


def _save_batch(records, file_report, sources, index_queue):
    fingerprints = [body_fingerprint(r.body) for r in records]
    external_ids = [r.external_id for r in records if r.external_id]
    with transaction.atomic():
        by_fingerprint = dict(
            Article.objects.filter(fingerprint__in=fingerprints).values_list("fingerprint", "pk")
        )
        by_external_id = dict(
            Article.objects.filter(external_id__in=external_ids).values_list("external_id", "pk")
        )
        new_articles = []
        duplicates = []
        for record, fingerprint in zip(records, fingerprints):
            existing = by_external_id.get(record.external_id) or by_fingerprint.get(fingerprint)
            if existing:
                duplicates.append((record.origin, existing))
                continue
            article = Article(
                external_id=record.external_id,
                title=record.title[:500],
                body=record.body,
                source=_source_for(record.source, sources),
                date=record.date,
                url=record.url,
                author=record.author[:300],
                fingerprint=fingerprint,
            )
            new_articles.append(article)
            # Later records in the same batch may repeat this one.
            by_fingerprint[fingerprint] = article
            if record.external_id:
                by_external_id[record.external_id] = article
        Article.objects.bulk_create(new_articles)
    # Duplicates of records earlier in this batch point at objects saved just now.
    duplicates = [(origin, getattr(existing, "pk", existing)) for origin, existing in duplicates]
    file_report.duplicates.extend(duplicates)
    created = [article.pk for article in new_articles]
    file_report.imported.extend(created)
    index_queue.add(created)
    # A duplicate the index lacks is an article saved by an import that was
    # killed before indexing: index it now, so re-running repairs the index.
    index_queue.add(unindexed([pk for _, pk in duplicates]))
