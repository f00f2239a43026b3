"""The import_articles and search management commands."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.base import DEMO_SAMPLES


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_articles_reports_each_file(db):
    out, _ = run("import_articles", *map(str, DEMO_SAMPLES))
    assert "2 imported, 0 duplicates, 0 failed in 2 files" in out
    assert "aggregator-syria-calls-for-cooperation.txt: 1 imported" in out


def test_import_articles_fails_when_a_file_fails(db, tmp_path):
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(CommandError):
        run("import_articles", *map(str, DEMO_SAMPLES), str(tmp_path / "empty.txt"))
    out, _ = run("import_articles", *map(str, DEMO_SAMPLES))
    assert "0 imported, 2 duplicates" in out  # the good files went in


def test_search_prints_ranked_json(demo_articles):
    out, _ = run("search", "سنتكوم", "--limit", "5")
    data = json.loads(out)
    assert data["total"] == 1
    assert data["results"][0]["id"] == demo_articles["channel"].pk
    assert data["results"][0]["rank"] == 1 and data["results"][0]["score"] > 0


def test_search_prints_csv(demo_articles):
    out, _ = run("search", "عين الصقر", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {int(r["id"]) for r in rows} == {a.pk for a in demo_articles.values()}
    assert list(rows[0]) == ["rank", "id", "external_id", "score", "title", "source", "date"]


def test_search_honours_the_limit(demo_articles):
    out, _ = run("search", "عين الصقر", "--limit", "1")
    assert len(json.loads(out)["results"]) == 1


def test_search_runs_a_file_of_queries(demo_articles, tmp_path):
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"id": "q1", "text": "سنتكوم"}\n{"id": "q2", "text": "طوكيو"}\n', encoding="utf-8")
    lines = [json.loads(line) for line in run("search", "--queries", str(queries))[0].splitlines()]
    assert [line["id"] for line in lines] == ["q1", "q2"]
    assert lines[0]["results"][0]["id"] == demo_articles["channel"].pk
    assert set(lines[0]["results"][0]) == {"rank", "id", "external_id", "score"}
    assert lines[1]["results"] == []


def test_search_reads_plain_query_lines(demo_articles, tmp_path):
    queries = tmp_path / "queries.txt"
    queries.write_text("سنتكوم\nالمغتربين\n", encoding="utf-8")
    lines = [json.loads(line) for line in run("search", "--queries", str(queries))[0].splitlines()]
    assert [(line["id"], line["results"][0]["id"]) for line in lines] == [
        ("1", demo_articles["channel"].pk), ("2", demo_articles["aggregator"].pk)]


def test_search_needs_a_query(db):
    with pytest.raises(CommandError):
        run("search")


def test_ensure_admin_creates_one_superuser_once(db, settings, tmp_path):
    from django.contrib.auth import get_user_model

    settings.DATA_DIR = tmp_path
    out, _ = run("ensure_admin")
    password = (tmp_path / "admin_password").read_text().strip()
    assert password in out and oct((tmp_path / "admin_password").stat().st_mode)[-3:] == "600"
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    out, _ = run("ensure_admin")
    assert password not in out and get_user_model().objects.count() == 1


def test_rebuild_index_indexes_every_article_but_one_the_index_refuses_and_names_it(db, index_refuses_marked_articles):
    """One article the index cannot take neither stops a rebuild nor leaves it half done: the others are
    all searchable afterwards, and the command fails naming the one."""
    from haystack import connections

    from articles.models import Article
    from articles.search.service import search_articles

    articles = [Article.objects.create(title=f"خبر {n}", body=f"افتتاح المعرض رقم {n} " + ("مرفوض" if n == 3 else ""))
                for n in range(7)]
    connections["default"].get_backend().clear()
    with pytest.raises(CommandError, match="1 of 7 articles could not be indexed"):
        run("rebuild_index", "--noinput", "--verbosity", "2")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("update_index", stdout=io.StringIO(), stderr=err)
    assert f"Article {articles[3].pk} could not be indexed: " in err.getvalue()
    assert {r.object.pk for r in search_articles("افتتاح", limit=20).results} == {a.pk for a in articles} - {articles[3].pk}
    assert set(Article.objects.filter(index_pending=False).values_list("pk", flat=True)) >= {articles[0].pk, articles[6].pk}


def test_rebuild_index_says_how_far_it_has_come(demo_articles):
    from articles.search.service import search_articles

    out, _ = run("rebuild_index", "--noinput", "--verbosity", "2")
    assert "Indexing 2 articles" in out and "Indexed 2 of 2 articles" in out
    assert search_articles("هيغسيث").total == 2
    run("update_index")  # over the index it made: each article replaced, none twice
    assert search_articles("هيغسيث").total == 2


def test_a_rebuild_stopped_half_way_leaves_the_rest_to_the_next_import(db, monkeypatch):
    """The index was cleared and the rebuild died after its first batch: the next import indexes the rest."""
    from haystack import connections

    from articles.importing.pipeline import import_paths
    from articles.models import Article
    from articles.search import indexing
    from articles.search.service import search_articles

    articles = [Article.objects.create(title=f"خبر {n}", body=f"افتتاح المعرض رقم {n}") for n in range(6)]
    run("rebuild_index", "--noinput")
    assert not Article.objects.filter(index_pending=True).exists()
    connections["default"].get_backend().clear()
    monkeypatch.setattr(indexing, "LOAD_BATCH", 2)
    monkeypatch.setattr(indexing, "COMMIT_EVERY", 2)
    write_chunk, written = indexing.IndexQueue._write_chunk, []

    def dies_after_one_batch(queue, pks):
        if written:
            raise KeyboardInterrupt  # as when the process is stopped
        written.append(pks)
        write_chunk(queue, pks)

    monkeypatch.setattr(indexing.IndexQueue, "_write_chunk", dies_after_one_batch)
    with pytest.raises(KeyboardInterrupt):
        run("rebuild_index", "--noinput")
    monkeypatch.setattr(indexing.IndexQueue, "_write_chunk", write_chunk)
    assert search_articles("افتتاح").total < len(articles)
    assert Article.objects.filter(index_pending=True).count() >= len(articles) - 2
    import_paths(DEMO_SAMPLES)
    assert {r.object.pk for r in search_articles("افتتاح", limit=20).results} == {a.pk for a in articles}
