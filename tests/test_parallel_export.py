"""Large exports written by worker processes: the same bytes as one process writes, in order, nothing left running.

Workers read the database with connections of their own, so these tests
build a real archive in a temporary folder (SQLite on disk, a Whoosh index)
with ``manage.py import_articles`` and export from a separate process, as
the server and the task worker do.
"""

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.base import REPO
from tests.test_crash_safety import environment

WORDS = (
    "الحكومة الوزير المدينة المدرسة المستشفى الطريق المشروع الاجتماع الرئيس المجلس الشركة السوق "
    "الجامعة الطلاب المعلمين الصحة التعليم الاقتصاد الطاقة المياه الزراعة النقل المطار الميناء"
).split()
ARTICLES = 150

# Run in the archive's own process: each case exported by this process alone
# and by two workers with slices of 7 rows, this process made slow (once the
# workers' fork server runs) so that workers must write most slices; then an
# export abandoned after two chunks.
EXPORTS = r"""
import json, os, time
import django
django.setup()
from multiprocessing import forkserver
from django.conf import settings
from articles import exporting
from articles.search.service import SearchFilters, iter_search
from datetime import date

exporting.EXPORT_SLICE_ROWS = 7
settings.EXPORT_PARALLEL_MIN_ROWS = 1
written_here = []
rows_of = exporting._rows

def slow_rows(*args, **kwargs):
    written_here.append(1)
    time.sleep(0.05)
    return rows_of(*args, **kwargs)

def workers_left():
    server = forkserver._forkserver._forkserver_pid
    if server is None:
        return []
    children = []
    for stat in os.listdir("/proc"):
        if stat.isdigit():
            try:
                fields = open(f"/proc/{stat}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == server:
                children.append(int(stat))
    return children

# The first parallel export starts the fork server (Django set up there):
# this process writes every slice of so small an export meanwhile.
settings.EXPORT_PROCESSES = 2
first = "".join(exporting.export_chunks(iter_search("المدرسة"), "csv"))
settings.EXPORT_PROCESSES = 1
out = {"first_equal": first == "".join(exporting.export_chunks(iter_search("المدرسة"), "csv"))}

cases = [("csv", "المدرسة", False), ("jsonl", "المدرسة", True), ("csv", "الصحة التعليم", True), ("csv", "", False)]
out["cases"] = []
for fmt, query, text in cases:
    result = {}
    for processes in (1, 2):
        settings.EXPORT_PROCESSES = processes
        exporting._rows = slow_rows if processes > 1 else rows_of
        written_here.clear()
        counted = []
        filters = SearchFilters(date_from=date(2015, 7, 3)) if not query else None
        stream = iter_search(query, sort="relevance" if query else "newest", filters=filters, include_text=text)
        body = "".join(exporting.export_chunks(stream, fmt, include_text=text, on_row=lambda: counted.append(1)))
        result[processes] = {"body": body, "rows": len(counted), "total": stream.total,
                             "slices_here": len(written_here), "slices": -(-stream.total // 7)}
    result["workers_left"] = workers_left()
    out["cases"].append(result)

# A worker killed in the middle of a slice: the slices it held are written
# here, none lost, none twice.
import signal
from tests.slow_export_reader import SlowExportReader
settings.EXPORT_PROCESSES = 2
stream = iter_search("الصحة التعليم", include_text=True)
stream.reader = SlowExportReader(opening_only=False)
chunks = exporting.export_chunks(stream, "csv", include_text=True)
killed = [next(chunks), next(chunks)]
time.sleep(0.1)
victims = workers_left()
os.kill(victims[0], signal.SIGKILL)
killed = "".join(killed + list(chunks))
settings.EXPORT_PROCESSES = 1
out["killed_worker"] = {"victims": len(victims), "equal": killed == "".join(
    exporting.export_chunks(iter_search("الصحة التعليم", include_text=True), "csv", include_text=True))}
out["workers_left_after_kill"] = workers_left()

settings.EXPORT_PROCESSES = 2
stream = iter_search("المدرسة", include_text=True)
chunks = exporting.export_chunks(stream, "csv", include_text=True)
next(chunks), next(chunks)
chunks.close()
out["workers_left_after_close"] = workers_left()
print(json.dumps(out, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parallel-export")
    rng = random.Random(5)
    lines = []
    for n in range(ARTICLES):
        body = f"خبر رقم {n}: " + " ".join(rng.choice(WORDS) for _ in range(40)) + ', "اقتباس", و=1+2'
        lines.append(json.dumps({"id": f"a{n}", "title": f"عنوان {n}", "text": body, "date": f"2015-07-{1 + n % 28:02d}",
                                 "source": "المصدر"}, ensure_ascii=False))
    corpus = folder / "corpus.jsonl"
    corpus.write_text("\n".join(lines), encoding="utf-8")
    data_dir = folder / "data"
    for args in (["migrate", "-v", "0"], ["import_articles", "--no-progress", "-v", "0", str(corpus)]):
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=environment(data_dir),
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    return data_dir


def test_workers_write_what_one_process_writes_and_stop(archive):
    done = subprocess.run([sys.executable, "-c", EXPORTS], cwd=REPO, env=environment(archive),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.splitlines()[-1])
    for case in out["cases"]:
        alone, parallel = case["1"], case["2"]
        assert alone["total"] > 14 and alone["rows"] == alone["total"]
        # Byte for byte: header once, every row once, in page order.
        assert parallel["body"] == alone["body"]
        assert parallel["rows"] == alone["rows"]
        # The workers wrote slices: this process, slowed down, wrote fewer than all.
        assert parallel["slices_here"] < parallel["slices"]
        assert case["workers_left"] == []
    assert out["first_equal"]
    assert out["killed_worker"]["victims"] >= 1 and out["killed_worker"]["equal"]
    assert out["workers_left_after_kill"] == []
    assert out["workers_left_after_close"] == []
    csv_case = out["cases"][0]["1"]["body"]
    assert csv_case.startswith("\ufeffid,") and csv_case.count("\r\n") == out["cases"][0]["1"]["total"] + 1


def test_an_export_in_an_open_transaction_or_an_in_memory_database_stays_in_this_process(db, settings):
    # Workers have connections of their own: rows not yet committed, or a
    # database in this process's memory (the test database), would be missed.
    from articles.exporting import _export_processes
    from articles.search.service import SearchStream

    settings.EXPORT_PROCESSES, settings.EXPORT_PARALLEL_MIN_ROWS = 4, 1
    stream = SearchStream(50_000, None, False, iter(()), hits=[(1, 0.0)] * 50_000, reader=object())
    assert _export_processes(stream) == 0


@pytest.mark.django_db(transaction=True)
def test_a_download_written_by_workers_on_postgresql_is_the_one_this_process_writes(
        django_user_model, settings, monkeypatch):
    # On SQLite the test database lives in this process's memory, where no
    # worker can read it: the archive above covers SQLite on disk.
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from articles import exporting
    from articles.importing.pipeline import import_paths
    from articles.roles import assign_role, sync_role_groups

    if connection.vendor != "postgresql":
        pytest.skip("the test database is in memory; test_workers_write_… covers SQLite on disk")
    rng = random.Random(9)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        corpus.write_text("\n".join(json.dumps({
            "id": f"p{n}", "title": f"عنوان {n}", "date": f"2015-07-{1 + n % 28:02d}", "source": "المصدر",
            "text": f"خبر {n}: " + " ".join(rng.choice(WORDS) for _ in range(40)),
        }, ensure_ascii=False) for n in range(60)), encoding="utf-8")
        assert import_paths([corpus]).imported == 60
    sync_role_groups()  # an earlier test's flush may have emptied the migration's groups
    user = django_user_model.objects.create_user("researcher", password="x-secret-pass-1")
    assign_role(user, "researcher")
    client = Client()
    client.force_login(user)
    monkeypatch.setattr(exporting, "EXPORT_SLICE_ROWS", 4)
    parallel = []
    parallel_slices = exporting._parallel_slices
    monkeypatch.setattr(exporting, "_parallel_slices", lambda *args: parallel.append(args[2]) or parallel_slices(*args))
    settings.EXPORT_PARALLEL_MIN_ROWS = 1
    bodies = {}
    for processes in (1, 2):
        settings.EXPORT_PROCESSES = processes
        for fmt in ("csv", "jsonl"):
            response = client.get(reverse("articles:export"), {"q": "المدرسة", "format": fmt, "confirm": "1"})
            assert response.status_code == 200
            bodies[processes, fmt] = b"".join(response.streaming_content)
    assert parallel == [2, 2]  # by two workers, both formats
    for fmt in ("csv", "jsonl"):
        assert bodies[2, fmt] == bodies[1, fmt]
        assert len(bodies[1, fmt].splitlines()) > 8
