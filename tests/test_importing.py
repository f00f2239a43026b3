"""The import pipeline for text and JSON Lines files."""

import json

from articles.importing.pipeline import import_paths
from articles.importing.readers import split_title
from articles.models import Article
from articles.search.indexing import unindexed
from articles.search.service import search_articles


def write_jsonl(path, records):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) if isinstance(r, dict) else r for r in records), encoding="utf-8")
    return path


def test_it_takes_the_title_line_of_the_aggregator_sample(demo_articles):
    aggregator = demo_articles["aggregator"]
    assert aggregator.title.startswith("سوريا تدعو لتعاون دولي ضد الإرهاب")
    assert not aggregator.body.startswith("سوريا تدعو")


def test_it_derives_a_short_headline_when_there_is_no_title_line(demo_articles):
    channel = demo_articles["channel"]
    assert channel.title.startswith("أفاد مراسل الإخبارية")
    assert channel.title.endswith("…") and len(channel.title.split()) <= 13
    assert channel.body.startswith("أفاد مراسل الإخبارية")


def test_split_title_needs_a_blank_line_after_the_title():
    assert split_title("عنوان\n\nنص الخبر") == ("عنوان", "نص الخبر", False)
    assert split_title("جملة أولى. جملة ثانية")[2] is True


def test_it_imports_json_lines_with_every_field(db, tmp_path):
    path = write_jsonl(tmp_path / "records.jsonl", [
        {"id": "snn-42", "title": "عنوان", "text": "نص عن الرياض", "source": "سبق", "date": "2015-07-21",
         "url": "https://example.com/a", "author": "كاتب"},
    ])
    report = import_paths([path])
    assert report.ok and report.imported == 1
    article = Article.objects.get()
    assert (article.external_id, article.title, article.source.name, article.date.isoformat(), article.url,
            article.author) == ("snn-42", "عنوان", "سبق", "2015-07-21", "https://example.com/a", "كاتب")
    assert [r.object.external_id for r in search_articles("الرياض").results] == ["snn-42"]


def test_a_bad_record_fails_alone_with_its_line_number(db, tmp_path):
    path = write_jsonl(tmp_path / "records.jsonl", [
        {"id": "1", "title": "أ", "text": "خبر أول"},
        '{"id": "2", "title": ',
        {"id": "3", "title": "ج"},
        {"id": "4", "title": "د", "text": "خبر رابع", "date": "أمس"},
        {"id": "5", "title": "هـ", "text": "خبر خامس"},
    ])
    report = import_paths([path])
    assert report.imported == 2
    failed = dict(report.files[0].failed)
    assert set(failed) == {"records.jsonl:2", "records.jsonl:3", "records.jsonl:4"}
    assert "invalid JSON" in failed["records.jsonl:2"]
    assert "no text" in failed["records.jsonl:3"]
    assert "date" in failed["records.jsonl:4"]
    assert not report.ok


def test_reimporting_is_a_no_op_that_names_the_existing_articles(demo_articles):
    from tests.base import DEMO_DIR

    report = import_paths([DEMO_DIR])
    assert report.imported == 0
    assert sorted(pk for f in report.files for _, pk in f.duplicates) == sorted(a.pk for a in demo_articles.values())
    assert Article.objects.count() == 2


def test_duplicates_inside_one_file_are_caught(db, tmp_path):
    path = write_jsonl(tmp_path / "records.jsonl", [
        {"id": "a", "title": "أ", "text": "الخبر نفسه"},
        {"id": "b", "title": "ب", "text": "الخَبَر  نفسه"},
        {"id": "a", "title": "ج", "text": "نص آخر"},
    ])
    report = import_paths([path])
    assert report.imported == 1
    first = Article.objects.get().pk
    assert report.files[0].duplicates == [("records.jsonl:2", first), ("records.jsonl:3", first)]


def test_a_file_that_cannot_be_read_fails_alone(db, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    (tmp_path / "latin.txt").write_bytes("café".encode("latin-1"))
    (tmp_path / "picture.png").write_bytes(b"\x89PNG")
    (tmp_path / "good.txt").write_text("عنوان\n\nخبر سليم", encoding="utf-8")
    report = import_paths([tmp_path])
    errors = {f.name.rsplit("/", 1)[-1]: f.error for f in report.files}
    assert report.imported == 1
    assert "empty" in errors["empty.txt"]
    assert errors["binary.txt"] and errors["latin.txt"]
    assert "unsupported" in errors["picture.png"]
    assert errors["good.txt"] == ""


def test_a_missing_path_is_reported(db, tmp_path):
    report = import_paths([tmp_path / "nowhere.txt"])
    assert "no such file" in report.files[0].error


def test_rerunning_an_interrupted_import_repairs_the_index(db, tmp_path):
    path = write_jsonl(tmp_path / "records.jsonl", [{"id": "1", "title": "أ", "text": "خبر عن جدة"}])
    # An import killed after its database commit, before indexing:
    from articles.models import body_fingerprint

    Article.objects.create(external_id="1", title="أ", body="خبر عن جدة", fingerprint=body_fingerprint("خبر عن جدة"))
    assert search_articles("جدة").results == []
    report = import_paths([path])
    assert report.imported == 0 and report.duplicates == 1
    assert [r.object.external_id for r in search_articles("جدة").results] == ["1"]
    assert unindexed(list(Article.objects.values_list("pk", flat=True))) == []
