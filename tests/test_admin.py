"""The admin: uploading files to import in the background, reading reports, editing articles."""

import io
import zipfile
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, ImportFile, ImportJob
from articles.search.service import search_articles
from tests.base import DEMO_DIR

UPLOAD_URL = "admin:articles_importjob_upload"


def run_worker():
    """What `make run`'s background worker does, once, for the tasks queued so far.

    The test's data lives in one open transaction on one connection; between
    tasks the worker closes connections it considers stale (any connection
    inside a transaction, on PostgreSQL), which would end the test's
    transaction, so that recycling is left out here.
    """
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def upload(client, capture, files):
    with capture(execute=True):
        return client.post(reverse(UPLOAD_URL), {"files": files})


def demo_uploads():
    return [SimpleUploadedFile(p.name, p.read_bytes()) for p in sorted(DEMO_DIR.glob("*.txt"))]


def test_the_upload_page_explains_what_it_takes(admin_client):
    html = admin_client.get(reverse(UPLOAD_URL)).content.decode()
    assert 'type="file"' in html and "multiple" in html and "200 ميغابايت" in html
    assert "Import articles" not in html and "استيراد مقالات" in html


def test_an_upload_is_imported_in_the_background_with_a_report_per_file(
    admin_client, django_capture_on_commit_callbacks
):
    files = demo_uploads() + [SimpleUploadedFile("empty.txt", b"")]
    response = upload(admin_client, django_capture_on_commit_callbacks, files)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("admin:articles_importjob_change", args=[job.pk])
    assert job.status == ImportJob.Status.QUEUED and job.files_total == 3
    assert Article.objects.count() == 0  # nothing imported inside the request

    html = admin_client.get(response.url).content.decode()
    assert 'http-equiv="refresh"' in html  # the page follows progress while queued

    run_worker()
    job.refresh_from_db()
    assert (job.status, job.files_done, job.imported, job.failed) == (ImportJob.Status.DONE, 3, 2, 1)
    html = admin_client.get(response.url).content.decode()
    assert 'http-equiv="refresh"' not in html
    # The sums first, in Arabic; file names isolated from the right-to-left text; failures by reason.
    summary = html.index('class="import-summary"')
    assert summary < html.index("aggregator-syria-calls-for-cooperation.txt")
    assert "<strong>مقالتان</strong> استُوردت" in html and "<strong>سجل واحد فشل</strong>" in html
    assert '<bdi dir="ltr">aggregator-syria-calls-for-cooperation.txt</bdi>' in html
    assert "الملف فارغ — سجل واحد" in html and '<bdi dir="ltr">empty.txt</bdi>: الملف فارغ' in html
    for english in ("Status:", "IMPORTED FILES", "What happened", "running", "Progress"):
        assert english not in html, english
    assert "ملفات 3 من 3" in html or "3 ملفات من 3" in html
    assert search_articles("هيغسيث").total == 2

    # The same files again: each duplicate links to the article it matches.
    upload(admin_client, django_capture_on_commit_callbacks, demo_uploads())
    run_worker()
    again = ImportJob.objects.latest("pk")
    html = admin_client.get(reverse("admin:articles_importjob_change", args=[again.pk])).content.decode()
    assert "<strong>مكرران</strong>" in html
    for article in Article.objects.all():
        assert f'href="{reverse("admin:articles_article_change", args=[article.pk])}"' in html


def test_a_zip_upload_reports_each_member(admin_client, django_capture_on_commit_callbacks):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(DEMO_DIR.glob("*.txt")):
            archive.write(path, f"samples/{path.name}")
        archive.writestr("samples/notes.docx", b"PK\x03\x04 not an article")
    upload(admin_client, django_capture_on_commit_callbacks, [SimpleUploadedFile("batch.zip", buffer.getvalue())])
    run_worker()
    job = ImportJob.objects.get()
    assert (job.imported, job.failed) == (2, 1)
    failed = job.files.get(status=ImportFile.Status.FAILED)
    assert failed.name == "batch.zip/samples/notes.docx" and "unsupported" in failed.message


def test_past_imports_are_listed(admin_client, django_capture_on_commit_callbacks):
    upload(admin_client, django_capture_on_commit_callbacks, demo_uploads())
    run_worker()
    html = admin_client.get(reverse("admin:articles_importjob_changelist")).content.decode()
    assert "اكتمل" in html and ">2<" in html


def test_a_running_import_says_what_it_is_doing_in_arabic(admin_client, admin_user):
    ImportJob.objects.create(
        created_by=admin_user, status=ImportJob.Status.RUNNING, files_total=3, files_done=1, records_done=20000,
        stage="committing 20,000 articles to the index; the import goes on",
    )
    html = admin_client.get(reverse("admin:articles_importjob_changelist")).content.decode()
    assert "حفظ 20000 مقالة في الفهرس، والاستيراد مستمر" in html
    assert "committing" not in html


def test_an_upload_over_the_limit_is_refused_with_the_reason(admin_client, settings):
    settings.MAX_UPLOAD_MB = 0
    response = admin_client.post(reverse(UPLOAD_URL), {"files": demo_uploads()})
    assert response.status_code == 200
    assert "والحد 0 ميغابايت" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_upload_needs_a_file(admin_client):
    response = admin_client.post(reverse(UPLOAD_URL), {})
    assert "اختر ملفًا واحدًا على الأقل" in response.content.decode()


def test_someone_not_staff_cannot_upload(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password="a-long-password-1")
    client.force_login(user)
    response = client.get(reverse(UPLOAD_URL))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_an_admin_edit_reaches_the_index_through_the_worker(
    admin_client, demo_articles, django_capture_on_commit_callbacks
):
    article = demo_articles["channel"]
    url = reverse("admin:articles_article_change", args=[article.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        title=article.title, body=article.body + "\nكلمةمحررةفيالإدارة", date="2025-12-20", story="", source=article.source_id,
        original_source=article.original_source_id, kept="{}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert search_articles("كلمةمحررةفيالإدارة").total == 0  # not inside the request
    run_worker()
    assert [r.object.pk for r in search_articles("كلمةمحررةفيالإدارة").results] == [article.pk]


def test_a_deleted_article_leaves_the_index(admin_client, demo_articles, django_capture_on_commit_callbacks):
    article = demo_articles["aggregator"]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"})
    run_worker()
    assert [r.object.pk for r in search_articles("هيغسيث").results] == [demo_articles["channel"].pk]


@pytest.mark.parametrize("query", ["", "?q=الصقر", "?source__id__exact=1", "?category__exact=سياسة", "?date__year=2025"])
def test_the_article_list_searches_and_filters(admin_client, demo_articles, query):
    response = admin_client.get(reverse("admin:articles_article_changelist") + query)
    assert response.status_code == 200


def test_the_article_list_filters_by_category(admin_client, demo_articles):
    response = admin_client.get(reverse("admin:articles_article_changelist") + "?category__exact=سياسة")
    assert list(response.context["cl"].result_list) == [demo_articles["aggregator"]]


def test_sources_list_their_aliases_and_stories_their_articles(admin_client, demo_articles):
    html = admin_client.get(reverse("admin:articles_source_changelist") + "?q=قناة").content.decode()
    assert "الإخبارية" in html
    story = demo_articles["channel"].story
    html = admin_client.get(reverse("admin:articles_story_change", args=[story.pk])).content.decode()
    assert demo_articles["aggregator"].title[:30] in html


def test_the_admin_home_shows_the_archive_not_third_party_internals(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "الأرشيف" in html and reverse("admin:articles_importjob_changelist") in html
    assert "/admin/axes/" not in html and "/admin/django_tasks" not in html
