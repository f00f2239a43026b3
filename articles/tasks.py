"""Background work: imports and index updates, run by ``manage.py db_worker``.

The worker runs one task at a time, which also keeps index writes to one
writer; a command-line import running meanwhile waits for Whoosh's lock.
"""

import tempfile

from django.db.models import F
from django_tasks import task

from articles.importing.pipeline import Importer
from articles.jobs import current_runner, fail_abandoned_jobs
from articles.models import ImportFile, ImportJob
from articles.search.indexing import optimise_index, reindex_articles
from articles.search.merging import MAX_SEGMENTS, OPTIMISE_STEP_DOCUMENTS


@task()
def run_import_job(job_id):
    fail_abandoned_jobs()
    job = ImportJob.objects.get(pk=job_id)
    files = job.files.filter(parent=None).exclude(status=ImportFile.Status.FAILED).order_by("pk")

    def count_records(handled):
        # An update of its own, so the admin page sees it while the file is still being read.
        ImportJob.objects.filter(pk=job.pk).update(records_done=F("records_done") + handled)
        job.records_done += handled  # the importer's last save of the job writes this total

    Importer(job, on_records=count_records).run(list(files))
    optimise_index_later.enqueue(job_id)


@task()
def optimise_index_later(job_id=None):
    """Merge the index's segments after an import left many; the import's page shows the step."""
    jobs = ImportJob.objects.filter(pk=job_id)

    def on_stage(stage):
        jobs.update(stage=stage)

    try:
        optimise_index(max_documents=OPTIMISE_STEP_DOCUMENTS, on_stage=on_stage, when_over=MAX_SEGMENTS)
    finally:
        jobs.update(stage="")


@task()
def reindex_articles_later(pks):
    reindex_articles(pks)


@task()
def run_export(log_id):
    """Write a large export to the file store, counting rows as it goes."""
    from django.core.files import File

    from articles.exporting import FORMATS, export_search
    from articles.models import ExportLog
    from articles.search.service import SearchFilters, iter_search

    fail_abandoned_jobs()
    log = ExportLog.objects.get(pk=log_id)
    log.runner = current_runner()
    log.save(update_fields=["runner"])
    stream = iter_search(log.query, sort=log.sort, filters=SearchFilters.from_json(log.filters),
                         include_text=log.include_text)
    progress = {"rows": 0}

    def on_row():
        progress["rows"] += 1
        if progress["rows"] % 1000 == 0:
            ExportLog.objects.filter(pk=log.pk).update(rows_written=progress["rows"])

    try:
        with tempfile.TemporaryFile() as out:
            export_search(stream, log.format, out, include_text=log.include_text, on_row=on_row)
            out.seek(0)
            log.file.save(f"export-{log.pk}.{FORMATS[log.format][1]}", File(out), save=False)
    except BaseException as error:  # SystemExit from a stopping worker too
        log.error = f"{type(error).__name__}: {error}"
        log.save(update_fields=["error"])
        log.mark_finished()
        raise
    # The log says what the file holds: the count shown when it was asked
    # for may differ if articles were imported or removed meanwhile.
    log.rows = log.rows_written = progress["rows"]
    log.save(update_fields=["rows", "rows_written"])
    log.mark_finished()
