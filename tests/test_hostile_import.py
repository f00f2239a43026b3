"""Hostile records beside good ones: each bad record fails (or is cleaned) alone, the rest imports.

The same files go through the command line and the admin upload. Nothing
here depends on the database engine: the inputs that PostgreSQL refuses
(NUL characters, over-long names) must be cleaned before any database sees
them, so they are checked by what was stored, on whichever database runs.
"""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.urls import reverse

from articles.models import Article, ImportFile, ImportJob, Source
from articles.search.service import search_articles
from tests.test_admin import run_worker, upload


def story(n, extra=""):
    """A distinct article text of real words (different texts never count as duplicates)."""
    return f"خبر رقم {n} عن افتتاح مدرسة جديدة في المدينة {extra} وحضر الافتتاح عدد من المسؤولين والأهالي"


def jsonl(*items):
    return "\n".join(item if isinstance(item, str) else json.dumps(item) for item in items).encode()


LONG_ID = "x" * 250
ANSI_NAME = "\x1b[31mred\x1b[0m.jsonl"
LONG_MEMBER = "/".join(["folder" * 20] * 9) + "/article.txt"  # over 1,000 characters


def hostile_files():
    """(name, bytes) pairs: every bad file has good records or a good file beside it."""
    deep = "[" * 100_000 + "]" * 100_000
    members = io.BytesIO()
    with zipfile.ZipFile(members, "w") as archive:
        archive.writestr(LONG_MEMBER, story(20, "مسار طويل").encode())
        archive.writestr(ANSI_NAME, jsonl({"text": story(21, "اسم ملون")}))
        archive.writestr("good.txt", story(22, "داخل الملف المضغوط").encode())
    return [
        ("deep.json", deep.encode()),
        ("deep-object.json", ('{"text": ' + "[" * 50_000 + "]" * 50_000 + "}").encode()),
        ("records.jsonl", jsonl(
            {"text": story(1), "id": "a-1"},
            deep,  # line 2
            {"text": story(2, "\udc80 بديل وحيد"), "id": "a-2"},  # a lone surrogate (escaped in JSON)
            {"text": story(3, "حرف\u0000فارغ"), "title": "عنوان\u0000", "id": "a-3"},  # NUL characters
            {"text": story(4), "id": LONG_ID + "-one"},
            {"text": story(5), "id": LONG_ID + "-two"},  # differs from line 5 only after character 200
            {"text": story(6), "source": "مصدر " * 80, "id": "a-6"},  # a 400-character source name
            "[1, 2, 3]",  # line 8: not an object
            {"title": "", "text": ""},  # line 9: no text
            {"text": story(10), "id": "a-10"},
        )),
        ("surrogate-key.jsonl", jsonl('{"text": "' + story(11) + '", "\\ud800key": "x"}')),
        ("bundle.zip", members.getvalue()),
        ("good.txt", story(30, "ملف سليم").encode()),
    ]


def write_files(folder):
    for name, data in hostile_files():
        (folder / name).write_bytes(data)
    return folder


def check_outcome(job):
    """What an admin sees after importing ``hostile_files``, however they were imported."""
    files = {f.name.rsplit("/", 1)[-1]: f for f in job.files.all()}
    assert files["deep.json"].status == ImportFile.Status.FAILED
    assert "nested more than 64 levels" in files["deep.json"].message
    assert files["deep-object.json"].status == ImportFile.Status.FAILED
    records = files["records.jsonl"]
    assert (records.status, records.imported) == (ImportFile.Status.PARTIAL, 7)
    failures = dict(records.failures)
    assert set(failures) == {"records.jsonl:2", "records.jsonl:8", "records.jsonl:9"}
    assert "nested more than 64 levels" in failures["records.jsonl:2"]
    assert "JSON" in failures["records.jsonl:8"] and "السجل" in failures["records.jsonl:8"]

    assert "\ufffd بديل وحيد" in Article.objects.get(external_id="a-2").body
    nul = Article.objects.get(external_id="a-3")
    assert "\x00" not in nul.body + nul.title and "حرففارغ" in nul.body
    long_ids = Article.objects.filter(external_id__startswith="x" * 150)
    assert long_ids.count() == 2 and all(len(a.external_id) <= 200 for a in long_ids)
    assert len(Article.objects.get(external_id="a-6").source.name) <= 200
    assert files["surrogate-key.jsonl"].imported == 1
    assert "\ufffdkey" in files["surrogate-key.jsonl"].notices[0]

    member = job.files.get(name__contains="article.txt")
    assert member.imported == 1 and len(member.name) <= 1000
    assert job.files.get(name__endswith="red\x1b[0m.jsonl").imported == 1
    assert files["good.txt"].imported == 1

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.imported, job.failed) == (12, 5)
    assert not job.files.filter(status=ImportFile.Status.QUEUED).exists()
    # Every imported article can be found: the index holds what the database holds.
    assert search_articles("افتتاح مدرسة").total == Article.objects.count() == 12
    assert not Article.objects.filter(index_pending=True).exists()


def test_the_command_imports_everything_but_the_bad_records(db, tmp_path):
    write_files(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):  # some records failed: the exit status says so
        call_command("import_articles", str(tmp_path), "--no-progress", stdout=out, stderr=err)
    check_outcome(ImportJob.objects.get())
    printed = out.getvalue()
    assert "records.jsonl:2:" in printed and "12 imported" in printed
    assert "\x1b" not in printed and "\\x1b[31mred" in printed  # the escape is shown, not obeyed
    assert "\n\n" not in printed  # one line per line
    # Importing it all again adds nothing twice.
    with pytest.raises(CommandError):
        call_command("import_articles", str(tmp_path), "--no-progress", stdout=io.StringIO())
    assert Article.objects.count() == 12


def test_the_admin_upload_imports_everything_but_the_bad_records(admin_client, django_capture_on_commit_callbacks):
    files = [SimpleUploadedFile(name, data) for name, data in hostile_files()]
    response = upload(admin_client, django_capture_on_commit_callbacks, files)
    assert response.status_code == 302
    run_worker()
    job = ImportJob.objects.get()
    check_outcome(job)
    html = admin_client.get(response.url).content.decode()
    assert "records.jsonl:2" in html and "nested more than 64 levels" in html


def test_a_record_the_database_refuses_fails_alone(db, tmp_path, monkeypatch):
    """A batch the database refuses is retried record by record: only the refused record fails.

    The refusal is simulated (as PostgreSQL refuses a value SQLite would keep)
    for the one record whose text says so.
    """
    from django.db.models import QuerySet

    original = QuerySet.bulk_create

    def refusing(self, objs, *args, **kwargs):
        if any("مرفوض" in obj.body for obj in objs if isinstance(obj, Article)):
            raise IntegrityError("value refused by the database")
        return original(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", refusing)
    (tmp_path / "batch.jsonl").write_bytes(jsonl(*[{"text": story(n, "مرفوض" if n == 3 else "")} for n in range(6)]))
    from articles.importing.pipeline import import_paths

    job = import_paths([tmp_path])
    import_file = job.files.get()
    assert import_file.imported == 5 and len(import_file.failures) == 1
    origin, message = import_file.failures[0]
    assert origin == "batch.jsonl:4" and "the record could not be stored" in message and "تعذّر حفظ" in message
    assert search_articles("افتتاح").total == Article.objects.count() == 5


def test_a_record_the_index_refuses_fails_alone(db, tmp_path, index_refuses_marked_articles):
    """An article that cannot be indexed is not kept either: the index and the database stay equal."""
    (tmp_path / "batch.jsonl").write_bytes(jsonl(*[{"text": story(n, "مرفوض" if n == 2 else "")} for n in range(4)]))
    from articles.importing.pipeline import import_paths

    job = import_paths([tmp_path])
    import_file = job.files.get()
    assert (import_file.imported, job.imported) == (3, 3)
    assert import_file.failures == [["batch.jsonl:3", import_file.failures[0][1]]]
    assert "the record could not be indexed" in import_file.failures[0][1]
    assert search_articles("افتتاح").total == Article.objects.count() == 3
    assert not Source.objects.filter(name="").exists()
