"""Background work: imports and index updates, run by ``manage.py db_worker``.

The worker runs one task at a time, which also keeps index writes to one
writer; a command-line import running meanwhile waits for Whoosh's lock.
"""

from django_tasks import task

from articles.importing.pipeline import Importer
from articles.models import ImportFile, ImportJob
from articles.search.indexing import reindex_articles


@task()
def run_import_job(job_id):
    job = ImportJob.objects.get(pk=job_id)
    files = job.files.filter(parent=None).exclude(status=ImportFile.Status.FAILED).order_by("pk")
    Importer(job).run(list(files))


@task()
def reindex_articles_later(pks):
    reindex_articles(pks)
