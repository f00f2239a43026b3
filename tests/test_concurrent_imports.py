"""Imports running at the same moment (the admin's worker and a command-line import).

Two ``import_articles`` processes on the same files must leave the archive
one import would: every article once, the same stories, all of it indexed,
no IntegrityError. They need a database server that separate processes share,
so these run in the PostgreSQL pass of `.ci/run` (`make test-postgres`); the
SQLite test database is in memory, and SQLite's EXCLUSIVE transactions keep
batches from ever overlapping there.
"""

import json
import os
import subprocess
import sys
from datetime import date

import pytest
from django.conf import settings

from articles.importing.pipeline import import_paths
from articles.models import Article, ImportFile, Source, SourceAlias, Story
from articles.search.service import search_articles
from tests.base import DEMO_DIR, REPO

pytestmark = [
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL (make test-postgres): separate processes share the database",
    ),
    # Committed, for the other processes to see.
    pytest.mark.django_db(transaction=True),
]

RECORDS = 240
BATCH = 20


def story_record(i):
    # Every fourth record republishes the one before it with a line changed:
    # the two belong to one story, whichever import saves each.
    n = i - 1 if i % 4 == 3 else i
    words = " ".join(f"كلمة{n}م{j}" for j in range(40))
    tail = " وأضاف المراسل تفاصيل جديدة" if i % 4 == 3 else ""
    return {"id": f"r{i}", "title": f"خبر رقم {i}", "text": f"أعلنت الوزارة اليوم في الرياض {words}{tail}",
            "source": f"صحيفة المصدر {i % 7}", "date": "2025-12-20"}


def write_files(folder):
    folder.mkdir()
    for part in range(4):
        lines = [json.dumps(story_record(i), ensure_ascii=False) for i in range(part, RECORDS, 4)]
        (folder / f"part{part}.jsonl").write_text("\n".join(lines), encoding="utf-8")
    for path in DEMO_DIR.glob("*.txt"):
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def archive():
    """What a user sees of the archive: articles, their sources and stories, and what search finds."""
    articles = {a.external_id or a.title: a for a in Article.objects.select_related("source")}
    stories = {
        frozenset(articles_key for articles_key, a in articles.items() if a.story_id == story.pk)
        for story in Story.objects.all()
    }
    return {
        "articles": sorted(articles),
        "sources": sorted((key, a.source.name if a.source else None) for key, a in articles.items()),
        "stories": stories,
        "found": search_articles("الرياض").total,
        "pending": Article.objects.filter(index_pending=True).count(),
    }


def test_two_imports_of_the_same_files_at_once_give_the_archive_one_import_gives(tmp_path, search_index):
    folder = write_files(tmp_path / "files")
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "WHOOSH_INDEX_PATH": str(search_index),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    command = [sys.executable, "manage.py", "import_articles", "--no-progress", "--batch-size", str(BATCH), str(folder)]
    runs = [subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert "IntegrityError" not in "".join(outputs)
    imported = [int(out.strip().splitlines()[-1].split(" imported")[0]) for out in outputs]
    assert sum(imported) == RECORDS + 2, outputs  # every record imported by one of them, a duplicate for the other
    together = archive()
    assert together["found"] == RECORDS and together["pending"] == 0
    assert len(together["stories"]) >= RECORDS // 4

    Article.objects.all().delete()
    Story.objects.all().delete()
    SourceAlias.objects.all().delete()
    Source.objects.all().delete()
    ImportFile.objects.all().delete()
    from haystack import connections

    connections["default"].get_backend().clear()
    job = import_paths([folder], today=date(2026, 11, 21), batch_size=BATCH)
    assert job.imported == RECORDS + 2
    assert archive() == together
