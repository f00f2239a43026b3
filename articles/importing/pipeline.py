"""The import pipeline: files in, articles saved, grouped and indexed, a report out.

One pipeline serves the admin upload (in a background task) and the
``import_articles`` command. Every file becomes an ``ImportFile`` row that
says what became of it, and its bytes are kept so articles can be re-derived.

Failure policy: each file, each zip member and each record succeeds or fails
alone, with a message an admin can act on. A batch of records is saved in
one transaction and indexed only after it commits, so the index never holds
an article the database does not; an import killed half-way leaves
``index_pending`` articles that the next import indexes, and re-running it
skips what it saved already. Exact duplicates (same normalised body, or same
external id) are reported with the article they duplicate and not saved again.
"""

import gc
import hashlib
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.files.base import ContentFile, File
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from articles.importing.archives import iter_zip_members
from articles.importing.dates import MIN_PLAUSIBLE_YEAR, impossible_date, parse_date_value, plausible
from articles.importing.metadata import extract
from articles.importing.readers import FileError, FileNotice, RecordError, read_file, too_large
from articles.importing.safety import fit_identifier, storable, storable_json, storable_record
from articles.jobs import current_runner, fail_abandoned_jobs
from articles.importing.stories import StoryGrouper, story_signature
from articles.models import Article, ImportFile, ImportJob, Source, address_keys, body_fingerprint
from articles.search.backend import die_with_parent, parent_objects_frozen
from articles.search.indexing import IndexQueue
from articles.text import tokenise

BATCH_SIZE = 500


def _prepare_in_helper():
    """Whether records are prepared in a helper process (``RecordPreparer``): ``IMPORT_HELPER_PROCESS``
    1 or 0; by default with more than two cores.

    Preparing (fields, fingerprint, story signature) is a third of the import
    process's work, and with a spare core the import process is what limits
    an import's rate. With two, the import process and the two index writers
    keep both cores busy already: on the real 31k the helper left the rate
    as it was (252-278 articles/s against 249-283) and cost about 13% more
    CPU per article (the records and their stems cross between processes).
    """
    setting = os.environ.get("IMPORT_HELPER_PROCESS", "").strip().lower()
    if setting in ("0", "1"):
        return setting == "1"
    return (os.cpu_count() or 1) > 2


PREPARE_IN_HELPER = _prepare_in_helper()
# During an import, the cyclic garbage collector's full collections come
# after this many younger ones (Python's default: 10). Every full collection
# walks the story grouper's long-lived objects (its LSH bands: some 700,000
# lists at the real 31k). On the real 31k at the default, the import process
# spent 5.0 of its 75 CPU-seconds collecting, 3.3 of them in full
# collections; at 100, 2.4 and 0.8, with the same peak memory (503 MB).
FULL_COLLECTION_AFTER = 100
logger = logging.getLogger(__name__)
# Any number: the PostgreSQL advisory lock every import takes to save a batch.
SAVE_LOCK_KEY = 7_314_212_011


def lock_saving():
    """Wait until no other import is saving a batch; held until the transaction ends.

    Two imports of the same files at once (the admin's worker and a
    command-line import) would otherwise both find a record new and both
    insert it. Holding this lock, a batch's duplicate check sees everything
    the other imports committed. SQLite needs nothing: its transactions here
    are EXCLUSIVE (settings.py), one writer at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SAVE_LOCK_KEY])


@dataclass
class ArticleFields:
    """A record made ready to save: everything but the database objects."""

    origin: str
    title: str
    title_derived: bool
    body: str
    source: str
    original_source: str
    found_date: object  # dates.FoundDate or None
    category: str
    url: str
    author: str
    external_id: str
    kept: dict = field(default_factory=dict)
    date_note: str = ""  # why the date is unknown, for the report


EXTERNAL_ID_LENGTH = Article._meta.get_field("external_id").max_length


def article_fields(record, today):
    fields = _article_fields(record, today)
    return check_date(fields, record, today)


def check_date(fields, record, today):
    """Keep only a date that exists and is plausible; otherwise the date is unknown and the report says why.

    What was written is kept on the article (``kept["date_as_written"]``).
    """
    found, written, note = fields.found_date, record.date if not record.needs_extraction else "", ""
    if found is not None and not plausible(found, today):
        written = found.text or found.date.isoformat()
        note = (f"تاريخ خارج المدى المعقول حُفظ مجهولًا / date {written} is outside {MIN_PLAUSIBLE_YEAR}"
                f"–{today.year + 1}; the date is kept as unknown")
        found = None
    elif found is None and (impossible := impossible_date(written or record.body[:DATELINE_CHARS])):
        written = impossible
        note = f"تاريخ غير موجود / date {impossible} does not exist; the date is kept as unknown"
    elif found is None and written:
        note = f"تاريخ غير مفهوم / date {written} was not understood; the date is kept as unknown"
    if note:
        fields.found_date, fields.date_note = None, note
        fields.kept = {**fields.kept, "date_as_written": str(written)[:200]}
    return fields


# Where a text article's dateline is: an impossible date there is reported.
DATELINE_CHARS = 1000


def _article_fields(record, today):
    """The record's fields ready to save, every text storable and the external id fitted to its column."""
    record = storable_record(record)
    record.external_id = fit_identifier(record.external_id, EXTERNAL_ID_LENGTH)
    if record.needs_extraction:
        found = extract(record.body, today)
        republished = bool(found.kept.get("attribution"))
        return ArticleFields(
            origin=record.origin,
            title=found.title,
            title_derived=found.title_derived,
            body=found.body,
            # An outlet's own article names itself (مراسل الإخبارية); a
            # republication names the original and not who republished it.
            source=record.source or ("" if republished else found.original_source),
            original_source=found.original_source,
            found_date=found.date,
            category=record.category or "، ".join(found.categories),
            url=record.url,
            author=record.author,
            external_id=record.external_id,
            kept=found.kept,
        )
    return ArticleFields(
        origin=record.origin,
        title=record.title or "",
        title_derived=record.title_derived,
        body=record.body,
        source=record.source,
        original_source="",
        found_date=parse_date_value(record.date, today) if record.date else None,
        category=record.category,
        url=record.url,
        author=record.author,
        external_id=record.external_id,
    )


@dataclass
class PreparedRecord:
    """A record ready to save: its fields, the fingerprint of its body and its story signature."""

    fields: ArticleFields
    fingerprint: str
    signed: tuple  # stories.story_signature of the body


def prepare_records(records, today):
    """Each of ``records`` as a ``PreparedRecord``, or as (origin, failure) when it cannot be read.

    Uses nothing but the records: it runs in ``RecordPreparer``'s helper process.
    """
    prepared = []
    for record in records:
        try:
            fields = article_fields(record, today)
            # The body's words serve both the fingerprint and the story signature.
            words = tokenise(fields.body)
            prepared.append(PreparedRecord(fields, body_fingerprint(fields.body, words),
                                           story_signature(fields.body, words)))
        except Exception as error:  # noqa: BLE001 - this record fails alone
            prepared.append((record.origin, record_failure(UNREADABLE, error)))
    return prepared


@contextmanager
def fewer_full_collections():
    """Full garbage collections once every ``FULL_COLLECTION_AFTER`` younger ones, as before afterwards."""
    threshold = gc.get_threshold()
    gc.set_threshold(threshold[0], threshold[1], max(threshold[2], FULL_COLLECTION_AFTER))
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


class RecordPreparer:
    """``prepare_records`` for batch after batch, in a helper process while the caller saves the batch before.

    ``submit`` hands a batch over and returns at once; ``result`` waits for
    it. Without a spare core, or if the helper dies, batches are prepared in
    this process instead: slower, never lost.
    """

    def __init__(self, today):
        self.today = today
        self.executor = None
        if PREPARE_IN_HELPER:
            context = multiprocessing.get_context("fork")  # Django is set up already; the helper uses no database
            self.executor = ProcessPoolExecutor(1, mp_context=context, initializer=die_with_parent,
                                                initargs=(os.getpid(),))
            # Started now, before the index's write lock is taken, so the
            # helper never holds a copy of it.
            try:
                with parent_objects_frozen():
                    self.executor.submit(len, ()).result()
            except Exception:  # noqa: BLE001 - no process could be started (a limit on processes): prepared here
                logger.warning("No record helper process; preparing records in the import process", exc_info=True)
                self.close()

    def submit(self, records):
        if self.executor is not None:
            try:
                return self.executor.submit(prepare_records, records, self.today), records
            except Exception:  # noqa: BLE001 - a helper that died: prepared here from now on
                logger.warning("The record helper process is gone; preparing records in the import process",
                               exc_info=True)
                self.close()
        return None, records

    def result(self, submitted):
        future, records = submitted
        if future is not None:
            try:
                return future.result()
            except Exception:  # noqa: BLE001 - the helper died (killed, out of memory): prepared here instead
                logger.warning("The record helper process failed; preparing records in the import process",
                               exc_info=True)
                self.close()
        return prepare_records(records, self.today)

    def close(self):
        executor, self.executor = self.executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


class Importer:
    """Imports the files of one ``ImportJob``.

    A file's records are read here and prepared (``RecordPreparer``) a batch
    ahead of the batch being saved; the last batch of a file is saved while
    the next file's first is prepared, and the file is finished (its status,
    ``on_file``) once that batch is saved.
    """

    def __init__(self, job, today=None, batch_size=BATCH_SIZE, on_file=None, on_records=None, on_stage=None):
        self.job = job
        self.today = today or date.today()
        self.batch_size = batch_size
        self.on_file = on_file  # called with each finished ImportFile
        self.on_records = on_records  # called with the number of records each batch handled
        self.on_stage = on_stage  # called with what the import is doing, whenever that changes
        self.sources = {}
        self.stories = StoryGrouper()
        self.open_files = {}  # pk -> ImportFile being imported: news of its articles goes on the object
        # (ImportFile, submitted batch, whether it is the file's last) being prepared: a file read to the
        # end is finished when its last batch is saved.
        self.in_flight = None
        self.preparer = None

    def run(self, files):
        """Import ``files``: ``ImportFile`` rows whose ``original`` holds the bytes."""
        job = self.job
        fail_abandoned_jobs()
        job.status, job.started_at, job.runner = ImportJob.Status.RUNNING, timezone.now(), current_runner()
        job.save(update_fields=["status", "started_at", "runner"])
        try:
            self.preparer = RecordPreparer(self.today)
            with fewer_full_collections(), IndexQueue(on_stage=self._stage, on_failure=self._index_failed) as self.index_queue:
                # Articles saved by an earlier import that was killed before
                # its index commit.
                self.index_queue.add(list(Article.objects.filter(index_pending=True).values_list("pk", flat=True)))
                for import_file in files:
                    self._import_stored(import_file)
                    job.files_done += 1
                    job.save(update_fields=["files_done"])
                self._save_in_flight()
        except BaseException as error:  # SystemExit from a stopping worker too
            job.status, job.error = ImportJob.Status.FAILED, storable(f"{type(error).__name__}: {error}")
            stop_unfinished_files(job, job.error)
            raise
        else:
            job.status = ImportJob.Status.DONE
        finally:
            if self.preparer is not None:
                self.preparer.close()
            self._total()
            job.stage = ""
            job.finished_at = timezone.now()
            job.save()
        return job

    def _import_stored(self, import_file):
        """One uploaded file; whatever goes wrong with it fails that file alone."""
        try:
            with import_file.original.open("rb") as handle:
                if import_file.name.lower().endswith(".zip"):
                    self._import_archive(import_file, handle.read())
                else:
                    self._import_file(import_file, handle)  # read whole or streamed, by its format
        except Exception as error:  # noqa: BLE001 - reported on the file; the rest of the upload goes on
            self._fail_unexpectedly(import_file, error)

    def _fail_unexpectedly(self, import_file, error):
        """A file or zip member that broke in a way no reader foresaw: it alone fails, keeping what it imported."""
        logger.exception("Import of %s failed", import_file.name)
        if self.in_flight is not None and self.in_flight[0] is import_file:
            self._save_in_flight()  # what it read before it broke is imported
        self.open_files.pop(import_file.pk, None)
        import_file.status = ImportFile.Status.FAILED if not import_file.imported else ImportFile.Status.PARTIAL
        import_file.message = record_failure(UNEXPECTED, error)
        import_file.save()
        if self.on_file:
            self.on_file(import_file)

    def _stage(self, stage):
        """Say what the import is doing (an index commit, waiting for the lock) on the job and to the caller."""
        if stage != self.job.stage:
            self.job.stage = stage
            self.job.save(update_fields=["stage"])
            if self.on_stage:
                self.on_stage(stage)

    def _total(self):
        counted = self.job.files.exclude(status=ImportFile.Status.ARCHIVE)
        self.job.imported = sum(f.imported for f in counted)
        self.job.duplicates = sum(len(f.duplicate_of) for f in counted)
        self.job.failed = sum(len(f.failures) + (f.status == ImportFile.Status.FAILED) for f in counted)

    def _import_archive(self, archive, data):
        try:
            for name, member in iter_zip_members(Path(archive.name).name, data):
                child = ImportFile.objects.create(job=self.job, parent=archive, name=name)
                if isinstance(member, FileError):
                    self._fail(child, member)
                else:
                    child.size, child.sha256 = len(member), hashlib.sha256(member).hexdigest()
                    self._import_member(child, member)
        except FileError as error:
            self._fail(archive, error)
            return
        archive.status = ImportFile.Status.ARCHIVE
        archive.save(update_fields=["status"])

    def _import_member(self, child, data):
        """A zip member fails alone, like a file of its own."""
        try:
            self._import_file(child, data)
        except Exception as error:  # noqa: BLE001 - reported on the member; the rest of the zip goes on
            self._fail_unexpectedly(child, error)

    def _fail(self, import_file, error):
        import_file.status, import_file.message = ImportFile.Status.FAILED, str(error)
        import_file.save()
        if self.on_file:
            self.on_file(import_file)

    def _import_file(self, import_file, data):
        self.open_files[import_file.pk] = import_file
        try:
            records = []
            for item in read_file(import_file.name.rsplit("/", 1)[-1], data):
                if isinstance(item, FileNotice):
                    import_file.notices.append(item.message)
                elif isinstance(item, RecordError):
                    import_file.failures.append([item.origin, item.message])
                else:
                    import_file.encoding = item.encoding or import_file.encoding
                    records.append(item)
                    if len(records) >= self.batch_size:
                        self._submit(import_file, records)
                        records = []
            if records:
                self._submit(import_file, records)
        except FileError as error:
            import_file.message = str(error)
        except RecursionError:  # a reader's own limits should stop this first
            import_file.message = "البيانات متداخلة بعمق كبير / the data is nested too deeply to read"
        if self.in_flight is not None and self.in_flight[0] is import_file:
            self.in_flight = (import_file, self.in_flight[1], True)
        else:
            self._finish_file(import_file)

    def _submit(self, import_file, records):
        """Hand ``records`` to the preparer, then save the batch handed over before (prepared meanwhile)."""
        submitted = self.preparer.submit(records)
        self._save_in_flight()
        self.in_flight = (import_file, submitted, False)

    def _save_in_flight(self):
        """Save the batch being prepared; finish its file if that was the file's last batch."""
        if self.in_flight is None:
            return
        (import_file, submitted, last), self.in_flight = self.in_flight, None
        try:
            self._save_batch(import_file, self.preparer.result(submitted))
        except Exception as error:  # noqa: BLE001 - reported on its file, which may have ended already
            self._fail_unexpectedly(import_file, error)
            return
        if last:
            self._finish_file(import_file)

    @staticmethod
    def _file_status(import_file):
        if import_file.message and not import_file.imported:
            return ImportFile.Status.FAILED
        if import_file.failures or import_file.message:
            return ImportFile.Status.PARTIAL
        if import_file.imported or not import_file.duplicate_of:
            return ImportFile.Status.IMPORTED
        return ImportFile.Status.DUPLICATE

    def _finish_file(self, import_file):
        # Not waiting for a commit under way: the index's refusals of this
        # file's last articles, if any, then reach the file later (_index_failed).
        self.index_queue.flush_failures(wait=False)
        import_file.status = self._file_status(import_file)
        import_file.save()
        # Later news of its articles (_index_failed) is saved on its own.
        self.open_files.pop(import_file.pk, None)
        if self.on_file:
            self.on_file(import_file)

    def _source(self, name):
        name = " ".join(name.split())[:SOURCE_NAME_LENGTH]
        if name not in self.sources:
            self.sources[name] = Source.for_name(name)
        return self.sources[name]

    def _source_of_url(self, url):
        """The directory's outlet an article's URL is on, when the record names no source."""
        keys = address_keys(url) if url else []
        if not keys:
            return None
        if ("url", keys[0]) not in self.sources:
            self.sources[("url", keys[0])] = Source.for_url(url)
        return self.sources[("url", keys[0])]

    def _save_batch(self, import_file, prepared):
        """Save a batch of ``prepare_records``'s results; records that could not be prepared fail alone."""
        batch = []
        for item in prepared:
            if isinstance(item, PreparedRecord):
                batch.append(item)
                if item.fields.date_note:
                    import_file.notices.append(f"{item.fields.origin}: {item.fields.date_note}")
            else:
                import_file.failures.append(list(item))
        if not batch:
            if self.on_records:
                self.on_records(len(prepared))
            return
        try:
            with transaction.atomic():
                saved, duplicates = self._store(import_file, batch)
        except DatabaseError:
            # Something in the batch cannot be stored: store each record in
            # a savepoint of its own, so only the bad one fails.
            logger.warning("A batch of %s failed; saving its records one at a time", import_file.name, exc_info=True)
            saved, duplicates = [], []
            for record in batch:
                try:
                    with transaction.atomic():
                        one_saved, one_duplicate = self._store(import_file, [record])
                except DatabaseError as error:
                    import_file.failures.append([record.fields.origin, record_failure(UNSTORABLE, error)])
                else:
                    saved += one_saved
                    duplicates += one_duplicate
        # Duplicates of records earlier in this batch point at objects saved just now.
        import_file.duplicate_of.extend([origin, getattr(existing, "pk", existing)] for origin, existing in duplicates)
        import_file.imported += len(saved)
        self.index_queue.add([article.pk for article in saved])
        if self.on_records:
            self.on_records(len(prepared))

    def _store(self, import_file, batch):
        """Save ``batch`` (``PreparedRecord``s, inside the caller's transaction); returns (saved articles,
        (origin, existing) duplicates)."""
        lock_saving()
        fingerprints = [record.fingerprint for record in batch]
        external_ids = [record.fields.external_id for record in batch if record.fields.external_id]
        duplicates = []
        by_fingerprint = dict(Article.objects.filter(fingerprint__in=fingerprints).values_list("fingerprint", "pk"))
        by_external_id = dict(Article.objects.filter(external_id__in=external_ids).values_list("external_id", "pk"))
        new_articles = []
        for record in batch:
            fields, fingerprint = record.fields, record.fingerprint
            existing = by_external_id.get(fields.external_id) or by_fingerprint.get(fingerprint)
            if existing:
                duplicates.append((fields.origin, existing))
                continue
            article = self._article(fields, fingerprint, import_file)
            self.stories.sign(article, record.signed)
            new_articles.append(article)
            # Later records in the same batch may repeat this one.
            by_fingerprint[fingerprint] = article
            if fields.external_id:
                by_external_id[fields.external_id] = article
        Article.objects.bulk_create(new_articles)
        self.stories.add(new_articles)
        return new_articles, duplicates

    def _index_failed(self, failures):
        """Articles the index refused ((pk, error) pairs): removed, and reported as failed records.

        The index and the database must hold the same articles, so an
        article that cannot be indexed is not kept.
        """
        rows = Article.objects.filter(pk__in=[pk for pk, _ in failures]).values_list("pk", "origin", "import_file_id")
        found = {pk: (origin, file_id) for pk, origin, file_id in rows}
        Article.objects.filter(pk__in=list(found)).delete()
        for pk, error in failures:
            if pk not in found:
                continue
            origin, file_id = found[pk]
            import_file = open_file = self.open_files.get(file_id)
            if import_file is None:
                import_file = ImportFile.objects.filter(pk=file_id).first()
                if import_file is None:
                    continue
            import_file.failures.append([origin, record_failure(UNINDEXABLE, error)])
            import_file.imported = max(0, import_file.imported - 1)
            if open_file is None:  # finished already: its status changes with it
                import_file.status = self._file_status(import_file)
                import_file.save(update_fields=["failures", "imported", "status"])

    def _article(self, fields, fingerprint, import_file):
        found = fields.found_date
        return Article(
            external_id=fields.external_id[:EXTERNAL_ID_LENGTH],
            title=(fields.title or fields.body[:80])[:500],
            title_derived=fields.title_derived,
            body=fields.body,
            source=self._source(fields.source) or self._source_of_url(fields.url),
            original_source=self._source(fields.original_source),
            date=found.date if found else None,
            date_precision=found.precision if found else "",
            date_year_inferred=found.year_inferred if found else False,
            category=fields.category[:200],
            url=fields.url[:2000],
            author=fields.author[:300],
            kept=storable_json(fields.kept),
            import_file=import_file if import_file.pk else None,
            origin=fields.origin[:500],
            fingerprint=fingerprint,
        )


UNEXPECTED = "خطأ غير متوقع / unexpected error"
UNREADABLE = "تعذّرت قراءة السجل / the record could not be read"
UNSTORABLE = "تعذّر حفظ السجل / the record could not be stored"
UNINDEXABLE = "تعذّرت فهرسة السجل / the record could not be indexed"
SOURCE_NAME_LENGTH = Source._meta.get_field("name").max_length


def record_failure(what, error):
    """A report line's reason: what failed, Arabic and English, and the error's own words."""
    detail = " ".join(str(error).split())[:300]
    return f"{what}: {type(error).__name__}" + (f": {detail}" if detail else "")


def stop_unfinished_files(job, reason):
    """Files of ``job`` the import never reached are failed with ``reason``, not left queued."""
    message = storable(f"لم يُستورد: توقف الاستيراد / not imported: the import stopped ({reason})")
    job.files.filter(status=ImportFile.Status.QUEUED).update(status=ImportFile.Status.FAILED, message=message)


def keep_original(job, name, data, parent=None):
    """An ``ImportFile`` row for ``data`` (bytes or an open binary file), its bytes stored once per content."""
    content = ContentFile(data) if isinstance(data, bytes) else File(data)
    digest, size = hashlib.sha256(), 0
    for chunk in content.chunks():  # a large file is hashed and stored a chunk at a time
        digest.update(chunk)
        size += len(chunk)
    digest = digest.hexdigest()
    import_file = ImportFile(job=job, parent=parent, name=name, size=size, sha256=digest)
    stored = ImportFile.objects.filter(sha256=digest).exclude(original="").first()
    if stored:
        import_file.original = stored.original.name
    else:
        content.seek(0)
        import_file.original.save(digest, content, save=False)
    import_file.save()
    return import_file


def expand_paths(paths):
    """Files named, and the files inside folders named, in a stable order."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            yield path


def import_paths(paths, user=None, today=None, batch_size=BATCH_SIZE, **callbacks):
    """Import files, folders and zips from disk (the command line's entry point).

    Returns the finished ``ImportJob``; its ``files`` are the report.
    """
    job = ImportJob.objects.create(created_by=user)
    files = []
    for path in expand_paths(paths):
        try:
            if too_large(path.name, path.stat().st_size) and path.suffix.lower() != ".zip":
                raise FileError(too_large(path.name, path.stat().st_size))
            with path.open("rb") as handle:
                files.append(keep_original(job, str(path), handle))
        except FileError as error:
            ImportFile.objects.create(job=job, name=str(path), status=ImportFile.Status.FAILED, message=str(error))
        except OSError as error:
            message = f"تعذّرت قراءة الملف / the file could not be read: {error.strerror or error}"
            ImportFile.objects.create(job=job, name=str(path), status=ImportFile.Status.FAILED, message=message)
    job.files_total = len(files)
    job.save(update_fields=["files_total"])
    return Importer(job, today=today, batch_size=batch_size, **callbacks).run(files)
