"""An import killed at any moment blocks nothing, and the next import ends as a clean one would.

These tests run ``manage.py import_articles`` as a real process on its own
embedded archive (SQLite and Whoosh in a temporary folder), kill it with
SIGKILL part-way, and import the same files again. Large enough batches
make Whoosh index with its writer subprocesses, the ones that used to
outlive a killed import and hold the index lock.
"""

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.base import REPO

FILES, PER_FILE = 3, 600
TOTAL = FILES * PER_FILE
LOCK_TIMEOUT = 20  # seconds; a left lock makes the re-run fail instead of waiting half an hour

WORDS = (
    "الحكومة الوزير المدينة المدرسة المستشفى الطريق المشروع الاجتماع الرئيس المجلس الشركة السوق "
    "الجامعة الطلاب المعلمين الصحة التعليم الاقتصاد الطاقة المياه الزراعة النقل المطار الميناء "
    "افتتح أعلن أكد زار ناقش وقع بحث قرر أطلق دعا استقبل شارك جديد كبير اليوم أمس خلال بعد قبل"
).split()


def make_corpus(folder):
    """FILES JSON Lines files of distinct articles, some republished (so stories form)."""
    rng = random.Random(8)
    folder.mkdir()
    originals = []
    for f in range(FILES):
        lines = []
        for n in range(PER_FILE):
            if originals and rng.random() < 0.1:
                body = rng.choice(originals) + " " + rng.choice(WORDS)  # a republication
            else:
                body = f"خبر {f}-{n}: " + " ".join(rng.choice(WORDS) for _ in range(60))
                originals.append(body)
            date = f"2015-07-{1 + (n % 28):02d}"
            lines.append(json.dumps({"id": f"{f}-{n}", "text": body, "date": date, "source": "المصدر"}))
        (folder / f"part{f}.jsonl").write_text("\n".join(lines))
    return folder


def environment(data_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WHOOSH_INDEX_PATH", "MEDIA_ROOT")}
    # With the helper process that prepares records (the default with more than two cores), so killing
    # an import kills it too.
    env.update(NEWSARCHIVE_DATA_DIR=str(data_dir), SEARCH_WRITE_LOCK_TIMEOUT=str(LOCK_TIMEOUT),
               DJANGO_SETTINGS_MODULE="newsarchive.settings", IMPORT_HELPER_PROCESS="1")
    return env


def manage(data_dir, *args, **kwargs):
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=REPO, env=environment(data_dir),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def import_all(data_dir, corpus):
    process = manage(data_dir, "import_articles", "--no-progress", "-v", "0", str(corpus))
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()[-2000:]


def count_articles(data_dir):
    try:
        with sqlite3.connect(f"file:{data_dir / 'archive.sqlite3'}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("select count(*) from articles_article").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def children(pid):
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as listing:
                found.update(int(child) for child in listing.read().split())
        except OSError:
            pass
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def index_lock_is_free(data_dir):
    """Whether a writer could take the Whoosh index's write lock now."""
    from whoosh.filedb.filestore import FileStorage

    lock = FileStorage(str(data_dir / "whoosh_index")).lock("MAIN_WRITELOCK")
    if lock.acquire(blocking=False):
        lock.release()
        return True
    return False


def archive_state(data_dir):
    """What an editor could tell apart: articles, stories and what the index holds."""
    script = (
        "import json, django; django.setup()\n"
        "from articles.models import Article, ImportJob\n"
        "from articles.search.backend import ArabicWhooshSearchBackend\n"
        "from haystack import connections\n"
        "searcher = connections['default'].get_backend().searcher()\n"
        "indexed = sorted(int(f['django_id']) for f in searcher.all_stored_fields())\n"
        "by_pk = dict(Article.objects.values_list('pk', 'external_id'))\n"
        "stories = {}\n"
        "for ext, story in Article.objects.exclude(story=None).values_list('external_id', 'story'):\n"
        "    stories.setdefault(story, []).append(ext)\n"
        "print(json.dumps({'articles': sorted(by_pk.values()), 'indexed': sorted(by_pk.get(pk, pk) for pk in indexed),\n"
        "  'pending': Article.objects.filter(index_pending=True).count(),\n"
        "  'stories': sorted(sorted(s) for s in stories.values()),\n"
        "  'jobs': list(ImportJob.objects.order_by('pk').values_list('status', 'error'))}))\n"
    )
    process = manage(data_dir, "shell", "-c", script)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()[-2000:]
    return json.loads(out.decode().strip().splitlines()[-1])


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A migrated empty archive to copy, and the state of a clean import of the corpus."""
    root = tmp_path_factory.mktemp("crash")
    corpus = make_corpus(root / "corpus")
    template = root / "template"
    process = manage(template, "migrate", "--noinput", "-v", "0")
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()
    clean = root / "clean"
    shutil.copytree(template, clean)
    import_all(clean, corpus)
    return root, corpus, template, archive_state(clean)


def test_an_import_killed_again_and_again_blocks_nothing_and_ends_as_a_clean_import(migrated):
    """Killed with SIGKILL at 30%, then (re-run) at 50% and at 70% of the articles, then run to the end."""
    root, corpus, template, clean = migrated
    assert clean["stories"] and clean["indexed"] == clean["articles"]
    data_dir = root / "killed"
    shutil.copytree(template, data_dir)

    for fraction in (0.3, 0.5, 0.7):
        process = manage(data_dir, "import_articles", "--no-progress", "-v", "0", str(corpus), start_new_session=True)
        writers = set()
        deadline = time.monotonic() + 300
        while count_articles(data_dir) < fraction * len(clean["articles"]):
            assert process.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline
            writers |= children(process.pid)
            time.sleep(0.02)
        writers |= children(process.pid)
        os.kill(process.pid, signal.SIGKILL)
        process.communicate()
        time.sleep(0.5)
        assert not [pid for pid in writers if alive(pid)], f"writer processes outlived the import killed at {fraction}"
        assert index_lock_is_free(data_dir), f"the index stayed locked after the import was killed at {fraction}"

    import_all(data_dir, corpus)  # would wait LOCK_TIMEOUT for a held lock, then fail

    state = archive_state(data_dir)
    assert state["articles"] == clean["articles"]
    assert state["indexed"] == state["articles"] and state["pending"] == 0
    assert state["stories"] == clean["stories"]
    *killed_jobs, rerun = state["jobs"]
    assert len(killed_jobs) == 3
    for status, error in killed_jobs:
        assert status == "failed" and "stopped before it finished" in error
    assert rerun == ["done", ""]
