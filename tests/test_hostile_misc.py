"""Smaller hostile events: script urls, refused uploads, password reset, huge articles, dead jobs, exports."""

import csv
import io
import os
import signal
import subprocess
import sys
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from articles.importing.readers import MAX_FILE_BYTES
from articles.jobs import current_runner, fail_abandoned_jobs
from articles.models import Article, ExportLog, ImportFile, ImportJob
from articles.search.indexing import reindex_articles
from tests.base import REPO
from tests.test_admin import run_worker


def test_only_http_and_https_urls_become_links(editor_client, db):
    urls = ["javascript:alert(5)", " JavaScript:alert(5)", "data:text/html,x", "https://example.com/a", "http://x.sa/b"]
    for n, url in enumerate(urls):
        article = Article.objects.create(title=f"خبر {n}", body=f"نص الخبر {n}", url=url)
        html = editor_client.get(reverse("articles:detail", args=[article.pk])).content.decode()
        linked = f'href="{url}"' in html
        assert linked == url.startswith("http"), url
        assert "alert(5)" not in html or 'href="javascript' not in html.lower()


def test_a_refused_upload_leaves_nothing_on_disk(admin_user, django_capture_on_commit_callbacks, settings):
    """The upload view hands its files to ``start_upload_import``; a 201 MB one is told by its size."""
    from articles.admin import start_upload_import

    big = SimpleUploadedFile("big.txt", b"x")
    big.size = MAX_FILE_BYTES + 1  # what Django reports for a 201 MB file, without writing one
    good = SimpleUploadedFile("good.txt", "عنوان\n\nنص خبر سليم عن افتتاح مدرسة".encode())
    with django_capture_on_commit_callbacks(execute=True):
        start_upload_import(admin_user, [big, good])
    run_worker()
    job = ImportJob.objects.get()
    refused = job.files.get(name="big.txt")
    assert refused.status == ImportFile.Status.FAILED and "larger than 200 MB" in refused.message
    assert not refused.original
    stored = [name for _, _, names in os.walk(settings.MEDIA_ROOT) for name in names]
    assert len(stored) == 1  # the good file's original only
    assert (job.status, job.imported, job.failed) == (ImportJob.Status.DONE, 1, 1)


def test_password_reset_is_off_without_a_mail_server(client, db):
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        try:
            reverse(name)
        except NoReverseMatch:
            continue
        raise AssertionError(f"{name} is routed without a mail server")
    assert client.get("/accounts/password_reset/").status_code in (302, 404)
    assert client.get("/accounts/login/").status_code == 200


def test_a_huge_article_page_shows_its_opening_and_links_to_the_whole(editor_client, db):
    paragraph = "افتتح الوزير مشروعا جديدا للمياه في المدينة اليوم. " * 20 + "\n"
    article = Article.objects.create(title="خبر طويل", body=paragraph * 5000 + "الخاتمة")  # about 5 MB
    reindex_articles([article.pk])
    response = editor_client.get(reverse("articles:detail", args=[article.pk]), {"q": "المياه"})
    html = response.content.decode()
    assert response.status_code == 200 and len(response.content) < 1_000_000
    assert "اعرض النص كاملًا" in html and "full=1" in html and "الخاتمة" not in html
    whole = editor_client.get(reverse("articles:detail", args=[article.pk]), {"q": "المياه", "full": "1"})
    assert "الخاتمة" in whole.content.decode()


def test_jobs_whose_process_died_are_failed_with_the_reason(db):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    runner = current_runner().rsplit(":", 2)[0] + f":{dead.pid}:1"
    job = ImportJob.objects.create(status=ImportJob.Status.RUNNING, runner=runner)
    waiting = ImportFile.objects.create(job=job, name="later.jsonl")
    alive = ImportJob.objects.create(status=ImportJob.Status.RUNNING, runner=current_runner())
    export = ExportLog.objects.create(sort="relevance", format="csv", background=True, runner=runner)
    assert fail_abandoned_jobs() == 2
    job.refresh_from_db(), alive.refresh_from_db(), export.refresh_from_db(), waiting.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "stopped before it finished" in job.error
    assert waiting.status == ImportFile.Status.FAILED and "not imported" in waiting.message
    assert alive.status == ImportJob.Status.RUNNING
    assert export.finished_at and "stopped before it finished" in export.error


def test_an_import_stopped_by_sigterm_is_marked_failed(tmp_path):
    data_dir = tmp_path / "archive"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WHOOSH_INDEX_PATH", "MEDIA_ROOT")}
    env.update(NEWSARCHIVE_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="newsarchive.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=REPO, env=env, check=True)
    lines = "\n".join(f'{{"text": "خبر رقم {n} عن افتتاح مشروع جديد في المدينة {n * 7}"}}' for n in range(3000))
    (tmp_path / "many.jsonl").write_text(lines)
    process = subprocess.Popen([sys.executable, "manage.py", "import_articles", "--no-progress", "--batch-size", "50",
                                str(tmp_path / "many.jsonl")], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    import sqlite3

    deadline = time.monotonic() + 120
    while True:
        assert time.monotonic() < deadline and process.poll() is None
        try:
            with sqlite3.connect(data_dir / "archive.sqlite3", timeout=5) as db:
                if db.execute("select count(*) from articles_article").fetchone()[0] > 100:
                    break
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=120)
    assert process.returncode != 0
    with sqlite3.connect(data_dir / "archive.sqlite3") as db:
        status, error = db.execute("select status, error from articles_importjob").fetchone()
    assert status == "failed" and "SystemExit" in error


def test_a_background_export_logs_the_rows_its_file_holds(researcher_client, settings, db):
    settings.EXPORT_MAX_DIRECT_ROWS = 1
    pks = [Article.objects.create(title=f"نفط {n}", body=f"خبر النفط رقم {n}").pk for n in range(3)]
    reindex_articles(pks)
    researcher_client.post(reverse("articles:export_start"), {"q": "النفط", "format": "csv"})
    log = ExportLog.objects.get()
    assert log.rows == 3
    # An import between the request and the worker adds two matching articles.
    more = [Article.objects.create(title=f"نفط جديد {n}", body=f"خبر النفط الجديد {n}").pk for n in range(2)]
    reindex_articles(more)
    run_worker()
    log.refresh_from_db()
    body = b"".join(researcher_client.get(reverse("articles:export_download", args=[log.pk])).streaming_content)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert log.rows == log.rows_written == len(rows) == 5
