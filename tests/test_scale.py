"""What keeps a large archive steady: bounded index merges, a bounded story index, columns read whole.

No timings here (bench/scale.py measures them); these check the mechanisms:
an import never merges more than its bound, the optimise step merges without
changing any answer, the story grouper holds a window of days rather than
the archive, and the vectorised readers give Whoosh's own values.
"""

import json
import random
from datetime import date, timedelta

import numpy as np
import pytest
from haystack import connections
from whoosh.writing import SegmentWriter

from articles.importing import stories
from articles.importing.pipeline import import_paths
from articles.models import Article, ImportJob
from articles.search import merging
from articles.search.indexing import optimise_index, segment_count
from articles.search.ranking import SearcherStats, date_buckets, date_days, field_lengths, month_boundaries
from articles.search.service import search_articles

TODAY = date(2026, 11, 21)
WORDS = ("وزارة الصحة السعودية تعلن افتتاح مستشفى جديد في منطقة الرياض بحضور الأمير "
         "أسعار النفط ترتفع في الأسواق العالمية مجلس الوزراء يقرر الدفاع المدني ينبه").split()


def records(count, seed=1, start=date(2015, 7, 1), days=40):
    rng = random.Random(seed)
    for n in range(count):
        yield {
            "id": f"rec-{seed}-{n}",
            "title": f"خبر رقم {n}",
            "date": (start + timedelta(days=rng.randrange(days))).isoformat(),
            "source": rng.choice(["okaz", "alriyadh", "aawsat"]),
            "text": " ".join(rng.choice(WORDS) for _ in range(40)) + f" رقم{n}",
        }


def import_records(tmp_path, name, items, **options):
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in items), encoding="utf-8")
    return import_paths([path], today=TODAY, **options)


@pytest.fixture
def merges(monkeypatch):
    """Documents merged by each index commit (Whoosh's add_reader, the merge policy's only way in)."""
    merged = []
    original = SegmentWriter.add_reader

    def add_reader(writer, reader):
        merged.append(reader.doc_count_all())
        return original(writer, reader)

    monkeypatch.setattr(SegmentWriter, "add_reader", add_reader)
    return merged


def backend():
    return connections["default"].get_backend()


def search_answers(queries):
    """{query: {pk: score}} of every result (ties may change places: a merge renumbers documents)."""
    return {q: {r.pk: r.score or 0 for r in search_articles(q, limit=500, highlight=False).results} for q in queries}


def assert_same_answers(after, before):
    # A merged segment keeps Whoosh's one-byte field lengths, so average lengths
    # (and BM25 scores) move a little, as with Whoosh's own merges.
    for query, scores in before.items():
        assert after[query].keys() == scores.keys(), query
        assert after[query] == pytest.approx(scores, rel=0.02), query


# Merging --------------------------------------------------------------------


def test_index_writes_during_imports_merge_at_most_the_bound(db, tmp_path, monkeypatch, merges):
    monkeypatch.setattr(merging, "MERGE_MAX_DOCUMENTS", 40)
    monkeypatch.setattr(merging, "SMALL_SEGMENT_DOCUMENTS", 30)
    # Many small imports make many small segments: what MERGE_SMALL would fold into ever larger merges.
    for n in range(12):
        import_records(tmp_path, f"part-{n}.jsonl", records(15, seed=n), batch_size=5)
        assert sum(merges) <= 40 * (n + 1)
    per_commit = []
    original = merging.bounded_merge

    def counting(writer, segments):
        before = len(merges)
        result = original(writer, segments)
        per_commit.append(sum(merges[before:]))
        return result

    monkeypatch.setattr(merging, "bounded_merge", counting)
    import_records(tmp_path, "last.jsonl", records(15, seed=99), batch_size=5)
    assert merges, "small segments were merged"
    assert max(per_commit, default=0) <= 40
    assert Article.objects.count() == 13 * 15
    assert search_articles("مستشفى", highlight=False).total == Article.objects.filter(body__contains="مستشفى").count()


def test_pick_small_segments_leaves_big_segments_and_waits_for_several_small_ones(db, tmp_path):
    import_records(tmp_path, "a.jsonl", records(30, seed=1))
    for n in range(3):
        backend().update(connections["default"].get_unified_index().get_index(Article),
                         [Article.objects.order_by("pk")[n]])
    segments = backend().storage.open_index(schema=backend().schema)._segments()
    assert merging.pick_small_segments(segments, max_documents=10) == [] or all(
        s.doc_count_all() < merging.SMALL_SEGMENT_DOCUMENTS for s in merging.pick_small_segments(segments, 10))
    picked = merging.pick_small_segments(segments, max_documents=10**6)
    assert sum(s.doc_count_all() for s in picked) <= 10**6
    assert all(s.doc_count_all() < merging.SMALL_SEGMENT_DOCUMENTS for s in picked)


def test_optimise_merges_every_segment_and_changes_no_answer(db, tmp_path, monkeypatch):
    monkeypatch.setattr(merging, "MERGE_MIN_SEGMENTS", 10**6)  # no merges at commits: many segments
    for n in range(5):
        import_records(tmp_path, f"part-{n}.jsonl", records(20, seed=n), batch_size=7)
    queries = ["مستشفى", "أسعار النفط", '"الدفاع المدني"', "رقم1*", "الرياض -النفط"]
    before = search_answers(queries)
    assert segment_count() >= 5
    stages = []
    assert optimise_index(max_documents=45, on_stage=stages.append)
    assert any(stage.startswith("merging") for stage in stages)
    stepped = segment_count()
    assert 1 < stepped < 6
    assert_same_answers(search_answers(queries), before)
    optimise_index(on_stage=stages.append)
    assert segment_count() == 1
    assert_same_answers(search_answers(queries), before)
    assert stages[-1] == "index optimised: 1 segments"


def test_a_merge_drops_the_deleted_copies_of_saved_again_articles(db, tmp_path, monkeypatch):
    monkeypatch.setattr(merging, "MERGE_MIN_SEGMENTS", 10**6)
    for n in range(3):
        import_records(tmp_path, f"part-{n}.jsonl", records(10, seed=n))
    article = Article.objects.order_by("pk").first()
    backend().update(connections["default"].get_unified_index().get_index(Article), [article])
    assert backend().searcher().doc_count_all() == 31
    optimise_index()
    searcher = backend().searcher()
    assert (searcher.doc_count_all(), searcher.doc_count(), segment_count()) == (30, 30, 1)
    word = article.body.split()[-1]
    found = [r.pk for r in search_articles(word, highlight=False).results]
    assert str(article.pk) in found and len(found) == Article.objects.filter(body__endswith=" " + word).count()


def test_word_frequencies_are_counted_once_per_segment_and_stay_right_as_imports_add_and_merge(
        db, tmp_path, monkeypatch):
    """A search after an import looks its words up in the new segment only, and every count is
    the index's own (Whoosh's), through commits, re-saved articles and a merge."""
    from whoosh.reading import SegmentReader

    from articles.search.docsets import doc_frequency

    monkeypatch.setattr(merging, "MERGE_MIN_SEGMENTS", 10**6)
    import_records(tmp_path, "a.jsonl", records(20, seed=1))
    import_records(tmp_path, "b.jsonl", records(20, seed=2))
    lookups = []
    original = SegmentReader.doc_frequency

    def counting(reader, fieldname, text):
        lookups.append(reader._segid)
        return original(reader, fieldname, text)

    monkeypatch.setattr(SegmentReader, "doc_frequency", counting)
    words = [(field, word) for word in WORDS[:30] + ["رقم1", "ليست"] for field in ("text", "text_stem")]

    def assert_counts_are_whooshs():
        searcher = backend().searcher()
        for field, word in words:
            assert doc_frequency(searcher, field, word) == sum(
                original(leaf.reader(), field, word) for leaf, _ in searcher.leaf_searchers()), word
        return searcher

    searcher = assert_counts_are_whooshs()
    assert len(searcher.leaf_searchers()) == 2
    search_articles("وزارة الصحة", highlight=False)
    first_segments = {leaf.reader()._segid for leaf, _ in searcher.leaf_searchers()}

    import_records(tmp_path, "c.jsonl", records(20, seed=3))
    lookups.clear()
    searcher = assert_counts_are_whooshs()
    search_articles("وزارة الصحة", highlight=False)
    assert lookups and not first_segments & set(lookups)  # only the new segment was asked

    article = Article.objects.order_by("pk").first()
    backend().update(connections["default"].get_unified_index().get_index(Article), [article])
    assert_counts_are_whooshs()
    optimise_index()
    assert segment_count() == 1
    assert_counts_are_whooshs()
    assert search_articles("وزارة", highlight=False).total == Article.objects.filter(body__contains="وزارة").count()


def test_an_import_says_when_it_commits_to_the_index(db, tmp_path):
    stages = []
    job = import_records(tmp_path, "a.jsonl", records(30), on_stage=stages.append)
    assert "importing" in stages
    assert any(stage.startswith("committing 30 articles to the index") for stage in stages)
    assert ImportJob.objects.get(pk=job.pk).stage == ""  # nothing left running


class HeldCommit:
    """An import's index commits (or only its first in the background), each held until the
    import has saved enough records beside them (``enough`` of the batch sizes saved
    meanwhile, or 10 s)."""

    def __init__(self, monkeypatch, enough, first_background_only=False):
        import threading

        from articles.search import backend as search_backend

        self.enough, self.saved, self.holding, self.held = enough, [], threading.Event(), False
        original_exit = search_backend.WriteSession.__exit__

        def slow_exit(session, *exc_info):
            background = threading.current_thread().name == "index-commit"
            if not first_background_only or (background and not self.held):
                self.held = True
                self.holding.set()
                for _ in range(200):
                    if self.enough(self.saved):
                        break
                    threading.Event().wait(0.05)
                self.holding.clear()
            return original_exit(session, *exc_info)

        monkeypatch.setattr(search_backend.WriteSession, "__exit__", slow_exit)

    def on_records(self, count):
        """The import's ``on_records``: notes the batches saved while the commit is held."""
        if self.holding.is_set():
            self.saved.append(count)


def test_an_import_goes_on_saving_records_while_a_commit_runs(db, tmp_path, monkeypatch):
    """A commit along the way runs beside the import; nothing is left unindexed when it ends."""
    from articles.search import indexing

    monkeypatch.setattr(indexing, "COMMIT_EVERY", 10)
    monkeypatch.setattr(indexing, "LOAD_BATCH", 10)
    monkeypatch.setattr(indexing, "INDEX_LAG_COMMITS", 5)  # room for two batches of 20 beside a commit of 10
    commit = HeldCommit(monkeypatch, enough=lambda saved: len(saved) >= 2)  # two more batches
    stages = []
    # Batches of 20 are written in chunks of 10: a commit starts between two chunks.
    job = import_records(tmp_path, "a.jsonl", records(60), batch_size=20, on_stage=stages.append,
                         on_records=commit.on_records)
    assert len(commit.saved) >= 2  # batches saved while the index committed
    assert any(stage.endswith("; the import goes on") for stage in stages)
    # Nothing opens a writer (and waits for the lock) while the commit runs.
    assert not [after for before, after in zip(stages, stages[1:])
                if before.endswith("; the import goes on") and after == "waiting for the index write lock"]
    assert ImportJob.objects.get(pk=job.pk).imported == 60
    assert not Article.objects.filter(index_pending=True).exists()
    assert search_articles("خبر", highlight=False).total == 60


def test_while_a_commit_runs_the_import_saves_half_a_commits_worth_then_waits(db, tmp_path, monkeypatch):
    """While a background commit runs, the import saves up to INDEX_LAG_COMMITS commits' worth of
    records, then waits for it, so the index never falls far behind the import's progress; what
    waited is then indexed a few chunks per saved batch, and everything is indexed at the end."""
    from articles.search import indexing

    monkeypatch.setattr(indexing, "COMMIT_EVERY", 20)
    monkeypatch.setattr(indexing, "LOAD_BATCH", 5)
    saved_when_waiting = []

    def on_stage(stage):
        if stage == "waiting for the index commit to finish":
            saved_when_waiting.append(Article.objects.count())

    # The first commit (of 20) is held until the import waits for it (or 10 s).
    commit = HeldCommit(monkeypatch, enough=lambda saved: bool(saved_when_waiting), first_background_only=True)
    job = import_records(tmp_path, "a.jsonl", records(80), batch_size=5, on_records=commit.on_records,
                         on_stage=on_stage)
    # 20 in the commit, then 10 more (half a commit) saved beside it before the import waited.
    assert saved_when_waiting[0] == 30
    assert ImportJob.objects.get(pk=job.pk).imported == 80
    assert not Article.objects.filter(index_pending=True).exists()
    assert search_articles("خبر", highlight=False).total == 80


def test_a_refused_record_of_a_file_that_ends_while_a_commit_runs_still_fails_alone(
    db, tmp_path, monkeypatch, index_refuses_marked_articles
):
    import threading

    from articles.search import backend as search_backend
    from articles.search import indexing

    monkeypatch.setattr(indexing, "COMMIT_EVERY", 5)
    monkeypatch.setattr(indexing, "LOAD_BATCH", 5)
    second_file_done, original_exit = threading.Event(), search_backend.WriteSession.__exit__

    def slow_exit(session, *exc_info):
        if threading.current_thread().name == "index-commit":
            second_file_done.wait(10)  # the commit outlasts the second file
        return original_exit(session, *exc_info)

    monkeypatch.setattr(search_backend.WriteSession, "__exit__", slow_exit)
    first = [dict(r) for r in records(5, seed=1)]
    second = [dict(r) for r in records(3, seed=2)]
    second[1]["text"] += " " + index_refuses_marked_articles
    for name, items in (("a.jsonl", first), ("b.jsonl", second)):
        (tmp_path / name).write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in items), encoding="utf-8")

    def on_file(import_file):
        if import_file.name.endswith("b.jsonl"):
            second_file_done.set()

    job = import_paths([tmp_path / "a.jsonl", tmp_path / "b.jsonl"], today=TODAY, batch_size=5, on_file=on_file)
    refused = job.files.get(name__endswith="b.jsonl")
    assert (refused.status, refused.imported, len(refused.failures)) == ("partial", 2, 1)
    assert refused.failures[0][0].endswith("b.jsonl:2") and "could not be indexed" in refused.failures[0][1]
    assert search_articles("خبر", highlight=False).total == Article.objects.count() == 7
    assert not Article.objects.filter(index_pending=True).exists()


def test_optimise_index_command_merges_segments(db, tmp_path, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setattr(merging, "MERGE_MIN_SEGMENTS", 10**6)
    for n in range(3):
        import_records(tmp_path, f"part-{n}.jsonl", records(10, seed=n))
    out = StringIO()
    call_command("optimise_index", stdout=out)
    assert segment_count() == 1
    assert "merging" in out.getvalue() and out.getvalue().strip().endswith("1 index segments")


# Stories --------------------------------------------------------------------


def test_the_story_grouper_holds_a_window_of_days_not_the_archive(db, tmp_path, monkeypatch):
    monkeypatch.setattr(stories, "STORY_WINDOW_ARTICLES", 40)
    held = []
    original = stories.StoryGrouper.add

    def add(grouper, articles):
        original(grouper, articles)
        held.append(grouper.held())

    monkeypatch.setattr(stories.StoryGrouper, "add", add)
    # 200 articles over 100 days: a batch's days (its dates ± MAX_DAYS_APART) hold few of them.
    job = import_records(tmp_path, "a.jsonl", records(200, days=100), batch_size=10)
    assert job.imported == 200
    assert max(held) <= 40 + 10 * (2 * stories.MAX_DAYS_APART + 1) * 3
    assert max(held) < 200


def test_stories_are_still_found_across_batches_and_imports_with_a_small_window(db, tmp_path, monkeypatch):
    monkeypatch.setattr(stories, "STORY_WINDOW_ARTICLES", 5)
    body = ("أعلنت وزارة الصحة السعودية اليوم افتتاح مستشفى الملك سلمان التخصصي في مدينة الرياض بسعة خمسمائة سرير "
            "بحضور أمير منطقة الرياض وعدد من المسؤولين وقال الوزير إن المستشفى يخدم سكان الأحياء الشمالية "
            "ويضم أقساما للطوارئ والعناية المركزة وجراحة القلب والأورام")
    filler = list(records(40, seed=5, start=date(2015, 1, 1), days=200))
    first = [{"id": "orig", "title": "افتتاح مستشفى", "date": "2015-08-01", "text": body}]
    import_records(tmp_path, "a.jsonl", first + filler, batch_size=10)
    later = list(records(40, seed=6, start=date(2015, 1, 1), days=200))
    republished = [{"id": "copy", "title": "مستشفى جديد", "date": "2015-08-02", "text": "نقلا عن واس: " + body + " بالكامل"}]
    import_records(tmp_path, "b.jsonl", later + republished, batch_size=10)
    original, copy = Article.objects.get(external_id="orig"), Article.objects.get(external_id="copy")
    assert copy.story_id is not None and copy.story_id == original.story_id


def test_a_word_set_s_rarity_is_the_sum_of_its_words_idf_as_counts_change(db, tmp_path, monkeypatch):
    """Story grouping's weighted similarity sums IDF, log((N + 1) / (df + 1)) + 1, over a word set in one
    pass from kept logarithms: the same sum word by word, with the index's counts and the import's
    own, after every article the import adds, and after the kept counts are dropped for memory."""
    import math
    from collections import Counter

    import_records(tmp_path, "a.jsonl", records(30, seed=3), batch_size=10)
    monkeypatch.setattr(stories, "MIN_DOCUMENTS_FOR_IDF", 10)
    frequencies = stories.DocumentFrequencies()
    field = frequencies.field
    assert frequencies.indexed == 30

    added = Counter()

    def expected(words):
        total = frequencies.indexed + frequencies.added_docs
        return sum(math.log((total + 1) / (frequencies.searcher.doc_frequency(field, w) + added[w] + 1)) + 1
                   for w in words)

    indexed_words = [w.decode() for w in frequencies.searcher.lexicon(field)]
    common = max(indexed_words, key=lambda w: frequencies.searcher.doc_frequency(field, w))
    rare = min(indexed_words, key=lambda w: frequencies.searcher.doc_frequency(field, w))
    words = {common, rare, "كلمةجديدة"}
    assert frequencies.weight({rare}) > frequencies.weight({common})
    assert frequencies.weight(words) == pytest.approx(expected(words), rel=1e-12)
    for article_words in ({"كلمةجديدة", common}, {"كلمةجديدة"}, {rare, "اخرى"}):
        frequencies.add(article_words)
        added.update(article_words)
        assert frequencies.weight(words) == pytest.approx(expected(words), rel=1e-12)
    monkeypatch.setattr(stories, "FREQUENCY_CACHE", 2)  # kept counts dropped and read again
    assert frequencies.weight(words | {"اخرى"}) == pytest.approx(expected(words | {"اخرى"}), rel=1e-12)
    frequencies.add({rare})
    added.update({rare})
    assert frequencies.weight(words | {"اخرى"}) == pytest.approx(expected(words | {"اخرى"}), rel=1e-12)
    monkeypatch.setattr(stories, "FREQUENCY_CACHE", 200_000)
    frequencies.add({common, "اخرى"})
    added.update({common, "اخرى"})
    assert frequencies.weight(words | {"اخرى"}) == pytest.approx(expected(words | {"اخرى"}), rel=1e-12)
    monkeypatch.setattr(stories, "MIN_DOCUMENTS_FOR_IDF", 1000)  # too few articles: every word weighs 1
    assert frequencies.weight(words) == 3.0


# Columns read whole -----------------------------------------------------------


def test_columns_read_whole_equal_whooshs_values_per_document(db, tmp_path, monkeypatch):
    monkeypatch.setattr(merging, "MERGE_MIN_SEGMENTS", 10**6)
    undated = [{"id": "undated", "title": "بلا تاريخ", "text": "خبر بلا تاريخ عن النفط"}]
    import_records(tmp_path, "a.jsonl", list(records(25, seed=1)) + undated)
    import_records(tmp_path, "b.jsonl", records(25, seed=2))
    searcher = backend().searcher()
    assert len(searcher.leaf_searchers()) > 1
    for fieldname in ("text", "text_stem"):
        expected = [searcher.doc_field_length(d, fieldname, 0) for d in range(searcher.doc_count_all())]
        assert field_lengths(searcher, fieldname).tolist() == expected
    column = searcher.reader().column_reader("date", translate=True)
    expected = []
    for docnum in range(searcher.doc_count_all()):
        try:
            expected.append(column[docnum].toordinal())
        except (OverflowError, ValueError, AttributeError, IndexError):
            expected.append(0)
    days = date_days(searcher, "date")
    assert days.tolist() == expected and expected.count(0) == 1
    stats = SearcherStats(searcher)
    codes, values = stats._codes("source")
    column_codes, column_values = np.full(stats.size, -1), []
    stats._codes_from_column(searcher.reader(), "source", column_codes, column_values)
    assert [values[c] if c >= 0 else None for c in codes] == [column_values[c] if c >= 0 else None for c in column_codes]


def test_date_buckets_count_days_in_any_boundaries():
    days = np.array([date(2015, 7, 21), date(2015, 7, 31), date(2015, 8, 1), date(2016, 2, 29)], dtype=object)
    ordinals = np.array([d.toordinal() for d in days])
    months = month_boundaries(int(ordinals.min()), int(ordinals.max()))
    buckets = date_buckets(ordinals, months)
    assert buckets[0] == (date(2015, 7, 1), date(2015, 7, 31), 2)
    assert buckets[1] == (date(2015, 8, 1), date(2015, 8, 31), 1)
    assert buckets[-1] == (date(2016, 2, 1), date(2016, 2, 29), 1)
    assert len(buckets) == 8 and sum(n for _, _, n in buckets) == 4
    # Weeks, or any other boundaries a page chooses for its span.
    weeks = np.arange(date(2015, 7, 20).toordinal(), date(2015, 8, 10).toordinal(), 7)
    assert [n for _, _, n in date_buckets(ordinals, weeks)] == [1, 2]  # 20-26 July, 27 July-2 August


def test_the_page_histogram_counts_every_result_in_its_bars(db, tmp_path, editor_client):
    import_records(tmp_path, "a.jsonl", records(30, start=date(2015, 1, 1), days=300))
    outcome = search_articles("مستشفى", facets=True)
    granularity, buckets = outcome.histogram
    assert granularity == "week"  # 300 days: the smallest bar that keeps within the bar budget
    dates = Article.objects.filter(body__contains="مستشفى").values_list("date", flat=True)
    for start, end, count in buckets:
        assert count == sum(start <= d <= end for d in dates)
    assert sum(n for _, _, n in buckets) == outcome.total


@pytest.mark.parametrize("limitmb", [0.05, 64])  # many temporary runs, of many chunks each; none
def test_the_grouped_posting_pool_writes_the_segment_whoosh_s_own_pool_writes(tmp_path, monkeypatch, limitmb):
    from whoosh import fields, index

    from articles.search import pool
    from articles.search.pool import GroupedSegmentWriter

    monkeypatch.setattr(pool, "RUN_CHUNK_WORDS", 3)

    schema = fields.Schema(id=fields.ID(stored=True), text=fields.TEXT(), title=fields.TEXT(phrase=False, field_boost=2.0),
                           day=fields.NUMERIC(stored=True, sortable=True))
    rng = random.Random(5)
    documents = [(" ".join(rng.choice(WORDS) for _ in range(60)), " ".join(rng.sample(WORDS, 4))) for _ in range(300)]

    def written(writer_class):
        """Every posting, each document's stored fields, field lengths and column value."""
        folder = tmp_path / writer_class.__name__
        folder.mkdir()
        ix = index.create_in(str(folder), schema)
        writer = writer_class(ix, limitmb=limitmb)
        for n, (text, title) in enumerate(documents):
            writer.add_document(id=str(n), text=text, title=title, day=n % 7, _boost=1 + n % 3)
        writer.commit()
        found = {}
        with ix.reader() as reader:
            for fieldname, word in reader.all_terms():
                matcher = reader.postings(fieldname, word)
                found[fieldname, word] = []
                while matcher.is_active():
                    found[fieldname, word].append((matcher.id(), matcher.weight(), matcher.value()))
                    matcher.next()
            days = reader.column_reader("day")
            per_document = [(reader.stored_fields(n), reader.doc_field_length(n, "text"),
                             reader.doc_field_length(n, "title"), days[n]) for n in range(reader.doc_count_all())]
        return found, per_document

    ours, our_documents = written(GroupedSegmentWriter)
    assert (ours, our_documents) == written(SegmentWriter)
    assert len(ours) > 20 and sum(len(p) for p in ours.values()) > 300 * 20
    assert our_documents[5] == ({"id": "5", "day": 5}, 60, 4, 5)


def _segment_files(ix):
    """The postings and term table of an index's only segment, as bytes (file names carry a random id)."""
    (segment,) = ix.refresh()._segments()
    storage = segment.open_compound_file(ix.storage) if segment.is_compound() else ix.storage
    return {ext: storage.open_file(segment.make_filename(ext)).read() for ext in (".pst", ".trm")}


def _segment_blocks(ix):
    """Every term of an index's only segment: its statistics and each posting block (info and data) as Whoosh reads them."""
    found = {}
    with ix.reader() as reader:
        for fieldname, btext in reader.all_terms():
            info = reader.term_info(fieldname, btext)
            blocks = []
            matcher = reader.postings(fieldname, btext)
            while not matcher._atend:
                matcher._read_data()
                blocks.append((matcher._blocklength, matcher._maxid, matcher._maxweight, matcher._minlength,
                               matcher._maxlength, matcher._data))
                matcher._next_block()
            found[fieldname, btext] = ((info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                                        info.max_weight(), info.min_id(), info.max_id()), blocks)
    return found


@pytest.mark.parametrize("limitmb", [0.05, 64])
def test_the_archive_codec_writes_whooshs_postings_on_commit_and_on_merge(tmp_path, limitmb):
    """The grouped field writer (a word at a time, lengths read whole) writes Whoosh's own blocks and term
    statistics, block for block; only the blocks' pickles are smaller (protocol 3)."""
    import shutil

    from whoosh import fields, index
    from whoosh.codec.whoosh3 import W3Codec

    from articles.search.codec import ArchiveCodec
    from articles.search.pool import GroupedSegmentWriter

    schema = fields.Schema(id=fields.ID(stored=True), text=fields.TEXT(), title=fields.TEXT(phrase=False),
                           tag=fields.KEYWORD())
    rng = random.Random(7)
    # Common words (several blocks each) and rarer ones (a block each: the writer's own path), in texts
    # of many lengths, some words several times in one text.
    documents = [(" ".join(rng.choice(WORDS) for _ in range(rng.randrange(5, 120)))
                  + f" rare{n % 40} rare{n % 40} scarce{n % 7 * 11 + n % 3} once{n}",
                  " ".join(rng.sample(WORDS, 4)) + f" rare{n % 9}", rng.choice(["a", "b"])) for n in range(400)]

    def write(name, writer_class, codec, parts):
        folder = tmp_path / name
        folder.mkdir()
        ix = index.create_in(str(folder), schema)
        for part in parts:
            writer = writer_class(ix, limitmb=limitmb, codec=codec, compound=False)
            for n, (text, title, tag) in part:
                writer.add_document(id=str(n), text=text, title=title, tag=tag)
            writer.commit(merge=False)
        return ix

    whole = [list(enumerate(documents))]
    ours = write("ours", GroupedSegmentWriter, ArchiveCodec(), whole)
    whooshs = write("whoosh", SegmentWriter, W3Codec(compression=0), whole)
    assert _segment_blocks(ours) == _segment_blocks(whooshs)
    assert len(_segment_files(ours)[".pst"]) < 0.8 * len(_segment_files(whooshs)[".pst"])
    # A word with more postings than a block holds, so blocks follow one another.
    assert sum(WORDS[0] in text.split() for text, _, _ in documents) > 128

    thirds = [sorted(list(enumerate(documents))[k::3]) for k in range(3)]
    merged = {}
    for name, codec in (("merged-ours", ArchiveCodec()), ("merged-whoosh", W3Codec(compression=0))):
        ix = write(name, SegmentWriter, W3Codec(compression=0), thirds)
        assert len(ix._segments()) == 3
        merging.optimise(ix, codec=codec)
        merged[name] = _segment_blocks(ix)
    assert merged["merged-ours"] == merged["merged-whoosh"]


@pytest.mark.parametrize("codec_name", ["archive", "whoosh compressed", "whoosh compound"])
def test_posting_lists_read_whole_equal_whooshs_matcher(tmp_path, monkeypatch, codec_name):
    """Ranking and counts read each posting list from its bytes, values left out: the same ids and
    frequencies Whoosh's matcher steps through, for the archive's codec and for Whoosh's own
    (compressed blocks, compound segments), with positions and without, deleted documents included."""
    from whoosh import fields, index
    from whoosh.codec.whoosh3 import W3Codec

    from articles.search.analysis import ArabicStemField, ArabicTextField
    from articles.search.codec import ArchiveCodec
    from articles.search import docsets
    from articles.search.docsets import read_postings

    schema = fields.Schema(id=fields.ID(stored=True, unique=True), text=ArabicTextField(),
                           text_stem=ArabicStemField(), plain=fields.TEXT(phrase=False), tag=fields.KEYWORD())
    codec = ArchiveCodec() if codec_name == "archive" else W3Codec()
    rng = random.Random(11)
    arabic = ["الرياض", "والقوات", "وزارة", "الصحة", "السعودية", "المملكة", "مجلس", "الوزراء"]
    ix = index.create_in(str(tmp_path), schema)
    for part in range(3):  # three segments, the second with deletions
        writer = ix.writer(codec=codec) if codec_name == "archive" else ix.writer()
        for n in range(part * 300, part * 300 + 300):
            words = " ".join(rng.choice(arabic) for _ in range(rng.randrange(1, 40)))
            if n % 300 in (0, 1, 2, 299):  # ids more than 255 apart: a block of another shape
                words += " نادرة"
            writer.add_document(id=str(n), text=words, text_stem=words,
                                plain=" ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 30))),
                                tag=rng.choice(["a", "b"]))
        writer.commit(merge=False)
        if part == 1:
            with ix.writer() as deleting:
                for n in range(300, 600, 7):
                    deleting.delete_by_term("id", str(n))
    if codec_name == "whoosh compound":
        assert any(segment.is_compound() for segment in ix._segments())

    def matcher_postings(*args):
        raise AssertionError("a W3 segment read through Whoosh's matcher")

    monkeypatch.setattr(docsets, "_matcher_postings", matcher_postings)
    with ix.searcher() as searcher:
        assert searcher.reader().has_deletions()
        checked = 0
        for fieldname in ("text", "text_stem", "plain", "tag"):
            for btext in searcher.reader().lexicon(fieldname):
                expected, deleted = [], set()
                for leaf, offset in searcher.leaf_searchers():
                    reader = leaf.reader()
                    if (fieldname, btext) not in reader:
                        continue
                    matcher = reader.postings(fieldname, btext)  # deleted documents left out
                    while matcher.is_active():
                        expected.append((matcher.id() + offset, matcher.weight()))
                        matcher.next()
                    deleted |= {n + offset for n in range(reader.doc_count_all()) if reader.is_deleted(n)}
                parts = list(read_postings(searcher, fieldname, btext))
                assert set().union(*(gone for _, _, gone in parts)) == deleted
                found = [(int(i), float(f)) for ids, freqs, _ in parts for i, f in zip(ids, freqs)]
                assert [posting for posting in found if posting[0] not in deleted] == expected, btext.decode("utf-8")
                assert all(0 <= docnum < searcher.doc_count_all() for docnum, _ in found)
                checked += len(found)
        # Words in more articles than a block holds, so blocks follow one another.
        assert max(searcher.doc_frequency("text", word) for word in arabic) > 3 * 128
        assert checked > 10_000


def test_a_word_found_once_is_indexed_with_whooshs_encoding_of_its_position():
    """Positions of words found once come from a cache: they must decode to each word's own positions."""
    from articles.search.analysis import ArabicStemField, ArabicTextField, stem_words, surface_words

    texts = [" ".join(random.Random(seed).choice(WORDS) for _ in range(30)) + " كلمة فريدة" for seed in range(5)]
    for field, positioned in ((ArabicTextField(), lambda t: enumerate(surface_words(t))), (ArabicStemField(), stem_words)):
        for text in texts * 2:  # the second time from the cache
            expected = {}
            for position, word in positioned(text):
                expected.setdefault(word.encode("utf-8"), []).append(position)
            postings = {word: field.format.decode_positions(value) for word, _, _, value in field.index(text)}
            assert postings == expected
            assert any(len(positions) == 1 for positions in postings.values())
            if isinstance(field, ArabicTextField):
                assert any(len(positions) > 1 for positions in postings.values())


def test_an_index_written_before_the_pk_column_still_finds_every_article_and_gains_it(db, search_index):
    """Archives indexed by an earlier version: their segments have no pk column until they are rewritten."""
    from whoosh import index as whoosh_index

    from articles.search.analysis import PK_COLUMN
    from articles.search.indexing import reindex_articles

    old = [Article.objects.create(title=f"قديم {n}", body=f"تقرير الميزانية السنوية رقم {n}") for n in range(3)]
    backend = connections["default"].get_backend()
    backend.setup()
    schema = backend.schema.copy()
    schema.remove(PK_COLUMN)
    search_index.mkdir(exist_ok=True)
    whoosh_index.create_in(str(search_index), schema)  # the index as an earlier version made it
    connections.reload("default")
    backend = connections["default"].get_backend()
    backend.setup()
    writer = whoosh_index.open_dir(str(search_index)).writer()
    for document in backend.prepare_documents(
        connections["default"].get_unified_index().get_index(Article), old
    ):
        document.pop(PK_COLUMN)
        writer.add_document(**document)
    writer.commit()
    assert PK_COLUMN not in whoosh_index.open_dir(str(search_index)).schema
    assert {r.object for r in search_articles("الميزانية", collapse=True).results} == set(old)

    new = Article.objects.create(title="جديد", body="تقرير الميزانية الجديد")
    reindex_articles([new.pk])
    assert PK_COLUMN in whoosh_index.open_dir(str(search_index)).schema
    assert {r.object for r in search_articles("الميزانية", collapse=True).results} == set(old) | {new}
    stats = connections["default"].get_backend().stats()
    docnums = [stats.searcher.document_number(django_id=str(article.pk)) for article in old + [new]]
    assert stats.pks_for(docnums).tolist() == [article.pk for article in old + [new]]

    # Saved again, an article of a segment without the column is found by
    # its ID and replaced: one live copy.
    reindex_articles([old[0].pk])
    searcher = connections["default"].get_backend().searcher()
    assert (searcher.doc_count_all(), searcher.doc_count()) == (5, 4)
    assert sorted(r.object.pk for r in search_articles("الميزانية").results) == sorted(a.pk for a in old + [new])


def test_saved_again_articles_keep_one_live_copy_and_new_ones_cost_no_lookup_per_segment(db, tmp_path, monkeypatch):
    from whoosh.reading import SegmentReader

    monkeypatch.setattr(merging, "MERGE_MIN_SEGMENTS", 10**6)
    for n in range(3):
        import_records(tmp_path, f"part-{n}.jsonl", records(10, seed=n))
    assert segment_count() == 3
    again = list(Article.objects.order_by("pk")[::6])  # some of every segment
    backend().update(connections["default"].get_unified_index().get_index(Article), again)
    backend().update(connections["default"].get_unified_index().get_index(Article), again[:2])
    searcher = backend().searcher()
    assert (searcher.doc_count_all(), searcher.doc_count()) == (30 + len(again) + 2, 30)
    for article in again:
        word = article.body.split()[-1]
        found = [r.pk for r in search_articles(word, highlight=False).results]
        assert found.count(str(article.pk)) == 1

    # New articles have pks no segment holds: found absent in the pk column,
    # not by a term lookup per article and segment.
    lookups = []
    contains, first_id = SegmentReader.__contains__, SegmentReader.first_id
    monkeypatch.setattr(SegmentReader, "__contains__", lambda self, term: lookups.append(term) or contains(self, term))
    monkeypatch.setattr(SegmentReader, "first_id",
                        lambda self, field, text: lookups.append((field, text)) or first_id(self, field, text))
    job = import_records(tmp_path, "part-3.jsonl", records(10, seed=3))
    assert job.imported == 10
    assert [term for term in lookups if term[0] == "id"] == []
    assert backend().searcher().doc_count() == 40
