"""The import pipeline end to end: files, folders and zips in; articles, stories, index and report out."""

import io
import json
import os
import signal
import threading
import zipfile
from datetime import date
from pathlib import Path

import pytest
from haystack import connections

from articles.importing import pipeline, readers
from articles.importing.pipeline import import_paths
from articles.models import Article, ImportFile, Source, SourceAlias, Story, body_fingerprint
from articles.search.service import SearchFilters, search_articles
from tests.base import DEMO_DIR, DEMO_SAMPLES, SAUDINEWSNET

TODAY = date(2026, 11, 21)


def write_jsonl(path, records):
    lines = [json.dumps(r, ensure_ascii=False) if isinstance(r, dict) else r for r in records]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def file_reports(job):
    return {Path(f.name).name: f for f in job.files.exclude(status=ImportFile.Status.ARCHIVE)}


# The two samples ---------------------------------------------------------


def test_it_takes_the_title_line_of_the_aggregator_sample(demo_articles):
    aggregator = demo_articles["aggregator"]
    assert aggregator.title == (DEMO_DIR / "aggregator-syria-calls-for-cooperation.txt").read_text().splitlines()[0]
    assert not aggregator.title_derived


def test_it_derives_a_short_headline_for_the_channel_sample(demo_articles):
    channel = demo_articles["channel"]
    assert channel.title_derived
    assert channel.title.startswith("أفاد مراسل الإخبارية") and len(channel.title.split()) <= 13
    assert channel.body.startswith("أفاد مراسل الإخبارية")


def test_both_samples_name_the_same_original_source(demo_articles):
    for article in demo_articles.values():
        assert article.original_source.name == "الإخبارية"
    # The channel published its own article; the aggregator's copy names no publisher.
    assert demo_articles["channel"].source.name == "الإخبارية"
    assert demo_articles["aggregator"].source is None


def test_both_samples_are_dated_2025_12_20(demo_articles):
    aggregator, channel = demo_articles["aggregator"], demo_articles["channel"]
    assert aggregator.date == channel.date == date(2025, 12, 20)
    assert (aggregator.date_precision, aggregator.date_year_inferred) == ("day", False)
    assert (channel.date_precision, channel.date_year_inferred) == ("day", True)  # from السبت


def test_the_aggregator_body_is_free_of_boilerplate_that_is_kept_as_metadata(demo_articles):
    aggregator = demo_articles["aggregator"]
    assert aggregator.category == "سياسة"
    assert "نشر أولاً على موقع قناة الإخبارية" not in aggregator.body
    assert "لا يتحمل موقعنا مضمونه" not in aggregator.body
    assert not aggregator.body.rstrip().endswith("سياسة")
    assert "نشر أولاً على موقع قناة الإخبارية" in aggregator.kept["attribution"]
    assert "لا يتحمل موقعنا مضمونه" in aggregator.kept["disclaimer"]
    assert aggregator.kept["tags"].split() == ["سياسة"] * 4


def test_the_samples_are_one_story_led_by_the_channel(demo_articles):
    aggregator, channel = demo_articles["aggregator"], demo_articles["channel"]
    assert aggregator.story_id is not None and aggregator.story_id == channel.story_id
    assert Story.objects.get().lead == channel
    assert channel.is_story_lead and not aggregator.is_story_lead


@pytest.mark.parametrize("first", ["aggregator", "channel"])
def test_a_story_s_lead_is_the_original_whichever_import_brings_it(db, tmp_path, first):
    """The lead is chosen among the old lead and the newcomers: the channel's own report, imported after
    the aggregator's rewrite already made a story with another copy, takes the lead from it."""
    rewrite = next(path for path in DEMO_SAMPLES if "aggregator" in path.name)
    report = next(path for path in DEMO_SAMPLES if "aggregator" not in path.name)
    order = [rewrite, report] if first == "aggregator" else [report, rewrite]
    copy = tmp_path / f"copy-{order[0].name}"  # a second copy of the first, told a little differently
    copy.write_text(order[0].read_text(encoding="utf-8") + "\n(نسخة ثانية)", encoding="utf-8")
    import_paths([order[0]], today=date(2026, 11, 21))
    import_paths([copy], today=date(2026, 11, 21))
    import_paths([order[1]], today=date(2026, 11, 21))
    story = Story.objects.get()
    assert story.articles.count() == 3
    channel = Article.objects.get(import_file__name=str(report))
    assert story.lead == channel and channel.is_story_lead


def test_a_story_larger_than_the_members_compared_keeps_taking_its_versions(db, tmp_path, monkeypatch):
    """Versions arriving batch after batch, more of them than a newcomer is compared with: one story, one lead."""
    from articles.importing import stories

    monkeypatch.setattr(stories, "MIN_DOCUMENTS_FOR_IDF", 10**9)  # every word weighs the same on so few articles
    report = (DEMO_DIR / "ikhbariya-eye-of-the-hawk.txt").read_text(encoding="utf-8").strip()
    versions = [{"id": str(n), "title": f"نسخة {n}", "date": "2026-11-20", "source": f"صحيفة {n}",
                 "text": f"{report}\n(نقلته صحيفة رقم {n})"} for n in range(stories.STORY_MEMBERS_COMPARED + 8)]
    import_paths([write_jsonl(tmp_path / "first.jsonl", versions[:20])], today=TODAY, batch_size=3)
    import_paths([write_jsonl(tmp_path / "later.jsonl", versions[20:])], today=TODAY, batch_size=4)
    story = Story.objects.get()
    assert story.articles.count() == len(versions) == Article.objects.count()
    assert story.lead == Article.objects.get(external_id="0")  # the first imported, as the dates are equal


def test_the_original_bytes_are_kept(demo_articles):
    for article in demo_articles.values():
        path = DEMO_DIR / Path(article.import_file.name).name
        with article.import_file.original.open("rb") as kept:
            assert kept.read() == path.read_bytes()


def test_an_alias_added_in_the_admin_maps_another_name_to_the_source(demo_articles):
    ikhbariya = Source.objects.get(name="الإخبارية")
    SourceAlias.objects.create(source=ikhbariya, name="الإخبارية السورية")
    assert Source.for_name("الاخبارية السورية") == ikhbariya
    assert Source.for_name("قناة الإخبارية") == ikhbariya
    assert Source.for_name("سبق") != ikhbariya


# Formats and records -----------------------------------------------------


def test_it_imports_json_lines_with_every_field(db, tmp_path):
    path = write_jsonl(tmp_path / "records.jsonl", [
        {"id": "snn-42", "title": "عنوان", "text": "نص عن الرياض", "source": "سبق", "date": "2015-07-21",
         "url": "https://example.com/a", "author": "كاتب", "category": "محليات"},
    ])
    job = import_paths([path], today=TODAY)
    assert (job.imported, job.failed) == (1, 0)
    article = Article.objects.get()
    assert (article.external_id, article.title, article.source.name, article.date, article.url, article.author,
            article.category, article.date_precision) == (
        "snn-42", "عنوان", "سبق", date(2015, 7, 21), "https://example.com/a", "كاتب", "محليات", "day")
    assert [r.object.external_id for r in search_articles("الرياض").results] == ["snn-42"]


def test_a_bad_record_fails_alone_with_its_line_number(db, tmp_path):
    path = write_jsonl(tmp_path / "records.jsonl", [
        {"id": "1", "title": "أ", "text": "خبر أول"},
        '{"id": "2", "title": ',
        {"id": "3", "author": "ج"},
        {"id": "4", "title": "د", "text": "خبر رابع"},
    ])
    job = import_paths([path], today=TODAY)
    report = file_reports(job)["records.jsonl"]
    assert report.imported == 2 and report.status == ImportFile.Status.PARTIAL
    assert [origin for origin, _ in report.failures] == ["records.jsonl:2", "records.jsonl:3"]
    assert job.failed == 2


def test_a_file_is_reported_whole_though_its_last_batch_is_saved_while_the_next_file_is_read(db, tmp_path):
    # Batches of two: each file's last batch is still being prepared when the next file is read.
    first = write_jsonl(tmp_path / "a.jsonl", [
        {"id": f"a{n}", "title": f"أ{n}", "text": f"خبر أول رقم {n} عن مدينة {city}"}
        for n, city in enumerate(["جدة", "مكة", "الطائف"])
    ])
    second = write_jsonl(tmp_path / "b.jsonl", [
        {"id": "b0", "title": "ب", "text": "خبر ثان عن مدينة أبها"},
        {"id": "a2", "title": "مكرر", "text": "نص آخر"},  # the first file's last record again
        '{"id": "b2", ',
        {"id": "b3", "title": "ب3", "text": "خبر ثالث عن مدينة تبوك", "date": "2015-02-30"},
    ])
    seen = []

    def on_file(import_file):
        seen.append((Path(import_file.name).name, import_file.status, import_file.imported,
                     Article.objects.filter(import_file=import_file).count()))

    job = import_paths([first, second], today=TODAY, batch_size=2, on_file=on_file)
    # Each file is reported once all its articles are saved, in the order the files came.
    assert seen == [("a.jsonl", ImportFile.Status.IMPORTED, 3, 3), ("b.jsonl", ImportFile.Status.PARTIAL, 2, 2)]
    reports = file_reports(job)
    a2 = Article.objects.get(external_id="a2").pk
    assert reports["b.jsonl"].duplicate_of == [["b.jsonl:2", a2]]
    assert [origin for origin, _ in reports["b.jsonl"].failures] == ["b.jsonl:3"]
    assert any("2015-02-30" in notice for notice in reports["b.jsonl"].notices)
    assert (job.imported, job.duplicates, job.failed) == (5, 1, 1)
    assert [r.object.external_id for r in search_articles("تبوك").results] == ["b3"]


def children_of_this_process():
    found = set()
    for task in Path("/proc/self/task").iterdir():
        try:
            found.update(int(pid) for pid in (task / "children").read_text().split())
        except OSError:  # a thread that ended meanwhile
            pass
    return found


def running(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def records(count):
    return [{"id": str(n), "title": f"عنوان {n}", "text": f"خبر رقم {n} عن مشروع في مدينة {n % 7} والناس"}
            for n in range(count)]


def test_records_are_prepared_in_a_helper_process_that_ends_with_the_import(db, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "PREPARE_IN_HELPER", True)  # the default with more than two cores
    helpers, before = set(), children_of_this_process()
    path = write_jsonl(tmp_path / "records.jsonl", records(12))
    job = import_paths([path], today=TODAY, batch_size=3, on_records=lambda n: helpers.update(children_of_this_process()))
    helpers -= before
    assert job.imported == 12
    assert helpers, "no process prepared the records"
    assert not [pid for pid in helpers if running(pid)], "a helper process outlived its import"


def test_an_import_collects_garbage_less_often_and_leaves_the_worker_as_it_found_it(db, tmp_path):
    """The worker process imports for hours: an import's collector setting must not stay behind, even when it fails."""
    import gc

    before = gc.get_threshold()
    during = []
    path = write_jsonl(tmp_path / "records.jsonl", records(6))
    job = import_paths([path], today=TODAY, batch_size=3, on_records=lambda n: during.append(gc.get_threshold()))
    assert job.imported == 6
    assert during and all(threshold[2] == max(before[2], pipeline.FULL_COLLECTION_AFTER) for threshold in during)
    assert gc.get_threshold() == before

    def interrupted(n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_paths([write_jsonl(tmp_path / "more.jsonl", records(6))], today=TODAY, batch_size=3,
                     on_records=interrupted)
    assert gc.get_threshold() == before


def test_an_import_whose_helper_process_is_killed_prepares_the_rest_itself_and_loses_nothing(db, tmp_path, caplog,
                                                                                           monkeypatch):
    monkeypatch.setattr(pipeline, "PREPARE_IN_HELPER", True)
    killed = []

    before = children_of_this_process()

    def kill_the_helper(handled):
        for pid in children_of_this_process() - before - set(killed):
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    path = write_jsonl(tmp_path / "records.jsonl", records(12))
    job = import_paths([path], today=TODAY, batch_size=3, on_records=kill_the_helper)
    assert killed
    assert "preparing records in the import process" in caplog.text
    assert (job.imported, job.failed) == (12, 0)
    assert file_reports(job)["records.jsonl"].status == ImportFile.Status.IMPORTED
    assert sorted(int(a.external_id) for a in Article.objects.all()) == list(range(12))
    assert search_articles("خبر").total == 12


def test_an_import_that_cannot_start_a_helper_process_prepares_its_records_itself(db, tmp_path, monkeypatch, caplog):
    class NoProcesses(pipeline.ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            raise BlockingIOError(11, "Resource temporarily unavailable")  # fork() at a limit on processes

    monkeypatch.setattr(pipeline, "PREPARE_IN_HELPER", True)
    monkeypatch.setattr(pipeline, "ProcessPoolExecutor", NoProcesses)
    path = write_jsonl(tmp_path / "records.jsonl", records(7))
    job = import_paths([path], today=TODAY, batch_size=3)
    assert "No record helper process" in caplog.text
    assert (job.imported, job.failed) == (7, 0)
    assert search_articles("خبر").total == 7


def test_reimporting_is_a_no_op_that_names_the_existing_articles(demo_articles):
    job = import_paths(DEMO_SAMPLES, today=TODAY)
    assert (job.imported, job.duplicates) == (0, 2)
    named = sorted(pk for f in job.files.all() for _, pk in f.duplicate_of)
    assert named == sorted(a.pk for a in demo_articles.values())
    assert {f.status for f in job.files.all()} == {ImportFile.Status.DUPLICATE}
    assert Article.objects.count() == 2


def test_duplicates_inside_one_file_are_caught(db, tmp_path):
    path = write_jsonl(tmp_path / "records.jsonl", [
        {"id": "a", "title": "أ", "text": "الخبر نفسه"},
        {"id": "b", "title": "ب", "text": "الخَبَر  نفسه"},
        {"id": "a", "title": "ج", "text": "نص آخر"},
    ])
    job = import_paths([path], today=TODAY)
    first = Article.objects.get().pk
    assert file_reports(job)["records.jsonl"].duplicate_of == [["records.jsonl:2", first], ["records.jsonl:3", first]]


def test_every_bad_file_in_an_upload_fails_alone_and_the_good_ones_import(db, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "noise.txt").write_bytes(bytes((i * 7919) % 128 + 128 for i in range(4000)))
    (tmp_path / "broken.json").write_text('[{"title": "أ", "text": "ب"},\n' * 10 + '{"title": "x" "text": "y"}]')
    (tmp_path / "picture.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "truncated.zip").write_bytes(zip_bytes({"a.txt": "نص"})[:-30])
    (tmp_path / "good.txt").write_text("عنوان الخبر\n\nخبر سليم عن مدينة جدة", encoding="utf-8")
    (tmp_path / "cp1256.txt").write_bytes("عنوان\n\nأعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في مدينة الرياض."
                                          .encode("cp1256"))
    job = import_paths([tmp_path], today=TODAY)
    reports = file_reports(job)
    assert job.imported == 2
    assert reports["good.txt"].status == reports["cp1256.txt"].status == ImportFile.Status.IMPORTED
    assert reports["cp1256.txt"].encoding in ("cp1256", "windows-1256")
    assert "وزارة الصحة" in Article.objects.get(title="عنوان").body
    for name in ("empty.txt", "binary.txt", "noise.txt", "broken.json", "picture.png", "truncated.zip"):
        assert reports[name].status == ImportFile.Status.FAILED and reports[name].message, name
    assert "empty" in reports["empty.txt"].message
    assert "line 11" in reports["broken.json"].message


def zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text.encode("utf-8") if isinstance(text, str) else text)
    return buffer.getvalue()


def test_it_imports_a_zip_with_folders_and_reports_each_member(db, tmp_path):
    path = tmp_path / "upload.zip"
    path.write_bytes(zip_bytes({
        "news/one.txt": "الخبر الأول\n\nنص عن مكة المكرمة",
        "news/more/two.jsonl": json.dumps({"id": "z2", "title": "ب", "text": "نص عن المدينة المنورة"}, ensure_ascii=False),
        "../../evil.txt": "عنوان\n\nلا ينبغي أن يُستورد",
        "empty.txt": "",
    }))
    job = import_paths([path], today=TODAY)
    reports = {f.name: f for f in job.files.all()}
    assert reports[str(path)].status == ImportFile.Status.ARCHIVE
    assert reports["upload.zip/news/one.txt"].imported == 1
    assert reports["upload.zip/news/more/two.jsonl"].imported == 1
    assert any(f.status == ImportFile.Status.FAILED and "unsafe path" in f.message for f in reports.values())
    assert Article.objects.filter(body__contains="لا ينبغي").count() == 0
    assert job.imported == 2 and job.failed == 2


@pytest.mark.skipif(not SAUDINEWSNET.exists(), reason="the shared SaudiNewsNet corpus is not beside the repository")
def test_it_imports_a_saudinewsnet_day_straight_from_its_zip(db):
    path = SAUDINEWSNET / "2015-07-23.zip"
    with zipfile.ZipFile(path) as archive:
        expected = sum(len(json.loads(archive.read(name))) for name in archive.namelist())
        empty = sum(not (item["title"].strip() or item["content"].strip())
                    for name in archive.namelist() for item in json.loads(archive.read(name)))
    job = import_paths([path], today=TODAY)
    assert job.failed == empty  # records with neither title nor text, each reported
    assert job.imported + job.duplicates + empty == expected
    article = Article.objects.exclude(source=None).first()
    assert article.date.year == 2015 and article.url.startswith("http")
    assert search_articles(article.title.split()[0]).total > 0
    # Titles as readers see them (8% of this corpus's titles carry &quot; or &#8221;) ...
    assert not Article.objects.filter(title__regex=r"&(quot|amp|#[0-9]+);").exists()
    # ... and every outlet by its Arabic name from the directory, never a feed code.
    names = set(Article.objects.values_list("source__name", flat=True))
    assert {"الشرق الأوسط", "سبق", "الوئام", "الرياض"} <= names
    assert all(name and not name.isascii() for name in names), names


# Consistency between database and index ----------------------------------


def test_an_interrupted_import_is_completed_by_the_next_one(db, tmp_path):
    # An import killed after its database commit, before its index commit:
    body = "خبر عن جدة"
    Article.objects.create(external_id="1", title="أ", body=body, fingerprint=body_fingerprint(body))
    assert search_articles("جدة").results == []
    path = write_jsonl(tmp_path / "records.jsonl", [{"id": "1", "title": "أ", "text": body}])
    job = import_paths([path], today=TODAY)
    assert (job.imported, job.duplicates) == (0, 1)
    assert [r.object.external_id for r in search_articles("جدة").results] == ["1"]
    assert not Article.objects.filter(index_pending=True).exists()


@pytest.mark.whoosh_only
def test_a_second_writer_waits_for_the_first_instead_of_failing(demo_articles):
    backend = connections["default"].get_backend()
    index = connections["default"].get_unified_index().get_index(Article)
    article = demo_articles["channel"]
    article.body += "\nكلمةمضافةللتجربة"
    article.save()
    article = index.index_queryset().get(pk=article.pk)  # loaded here: the thread only writes the index
    session = backend.write_session().__enter__()  # an import holding the write lock
    errors = []

    def admin_edit():
        # The index write of an admin edit, from another thread (its own backend).
        try:
            connections["default"].get_backend().update(index, [article])
        except Exception as error:  # noqa: BLE001 - the test reports any failure
            errors.append(error)

    assert search_articles("هيغسيث").total == 2  # searching goes on while the lock is held
    thread = threading.Thread(target=admin_edit)
    thread.start()
    thread.join(timeout=1)
    assert thread.is_alive(), errors  # waiting for the lock, not failing
    session.__exit__(None, None, None)
    thread.join(timeout=30)
    assert not thread.is_alive() and errors == []
    assert [r.object.pk for r in search_articles("كلمةمضافةللتجربة").results] == [article.pk]


def test_a_file_read_whole_over_200_mb_is_refused_before_reading_and_the_rest_imports(db, tmp_path):
    with (tmp_path / "huge.json").open("wb") as huge:
        huge.truncate(201 * 2**20)  # sparse: no disk used, never read
    (tmp_path / "good.txt").write_text("عنوان\n\nخبر سليم", encoding="utf-8")
    job = import_paths([tmp_path], today=TODAY)
    reports = file_reports(job)
    assert reports["huge.json"].status == ImportFile.Status.FAILED
    assert "larger than 200 MB" in reports["huge.json"].message
    assert job.imported == 1 and job.failed == 1


def test_a_large_json_lines_file_is_streamed_and_its_broken_lines_fail_alone(db, tmp_path, monkeypatch):
    # The thresholds of a 400 MB export, scaled down to a test's size.
    monkeypatch.setattr(readers, "STREAM_FROM_BYTES", 4096)
    monkeypatch.setattr(readers, "ENCODING_SAMPLE_BYTES", 1024)
    lines = [json.dumps({"title": f"خبر رقم {n}", "text": f"افتتحت البلدية الحديقة رقم {n} في حي الملز",
                         "date": "2016-05-0{}".format(1 + n % 9)}, ensure_ascii=False).encode() for n in range(120)]
    lines[10] = b'{"title": "\xd8\xae\xff", "text": "broken byte"}'  # not UTF-8: this line alone fails
    lines[20] = b'{"title": "no closing brace"'
    big = tmp_path / "export.jsonl"
    big.write_bytes(b"\n".join(lines) + b"\n")
    assert big.stat().st_size > 2 * readers.STREAM_FROM_BYTES
    job = import_paths([big], today=TODAY)
    report = file_reports(job)["export.jsonl"]
    assert (report.status, report.imported, job.failed) == (ImportFile.Status.PARTIAL, 118, 2)
    failures = dict(report.failures)
    assert "not valid utf-8" in failures["export.jsonl:11"]
    assert "invalid JSON" in failures["export.jsonl:21"]
    assert search_articles('"الحديقة رقم 119"').total == 1
    assert report.size == big.stat().st_size


def test_a_streamed_file_is_read_in_flat_memory(tmp_path, monkeypatch):
    import tracemalloc

    monkeypatch.setattr(readers, "STREAM_FROM_BYTES", 64 * 1024)
    monkeypatch.setattr(readers, "ENCODING_SAMPLE_BYTES", 64 * 1024)
    record = {"title": "عنوان", "text": "نص الخبر عن افتتاح مستشفى جديد في المدينة " * 20}
    path = tmp_path / "export.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(4000):
            out.write(json.dumps({**record, "id": n}, ensure_ascii=False) + "\n")
    size = path.stat().st_size
    tracemalloc.start()
    with path.open("rb") as handle:
        count = sum(isinstance(item, readers.Record) for item in readers.read_file("export.jsonl", handle))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 4000
    assert size > 5 * 2**20 and peak < size / 10  # about the encoding sample, not the file


def test_articles_of_an_import_s_first_batch_are_not_stories_of_their_own(db, tmp_path):
    records = [
        {"id": str(i), "title": f"خبر {i}", "text": "أعلنت الوزارة " + " ".join(f"كلمة{i}م{j}" for j in range(30))}
        for i in range(5)
    ]
    import_paths([write_jsonl(tmp_path / "records.jsonl", records)], today=TODAY)
    assert Article.objects.count() == 5
    assert not Story.objects.exists()  # nothing alike: no article joins a story


def test_the_demo_set_shows_the_product_on_first_run(db):
    """`make run` imports articles/demo: enough outlets, dates, categories and republished stories to show
    facets, a histogram and collapsed stories before anyone imports anything."""
    job = import_paths([DEMO_DIR], today=TODAY)
    assert job.failed == 0 and job.imported >= 32
    demo = Article.objects.filter(external_id__startswith="demo-")
    assert demo.count() >= 30
    assert demo.values("source").distinct().count() >= 10
    assert demo.values("category").distinct().count() >= 6
    assert demo.dates("date", "month").count() >= 5
    assert all(not name.isascii() for name in demo.values_list("source__name", flat=True))
    stories = {}
    for external_id, story in demo.exclude(story=None).values_list("external_id", "story_id"):
        stories.setdefault(story, set()).add(external_id)
    assert {"demo-1", "demo-2", "demo-3"} in stories.values()  # the rail line, from the agency and two papers
    assert {"demo-4", "demo-5"} in stories.values()
    assert {"demo-6", "demo-7"} in stories.values()
    assert len(stories) == 3  # no unrelated articles joined a story
    rail = Story.objects.get(articles__external_id="demo-1")
    assert rail.lead.external_id == "demo-1"  # the agency's original leads
    outcome = search_articles("", filters=SearchFilters(date_from=date(2025, 1, 1)), facets=True, collapse=True)
    # Four stories of the set and the samples' own: five places fewer than articles.
    assert outcome.places == outcome.total - 5 and len(outcome.histogram[1]) >= 10
