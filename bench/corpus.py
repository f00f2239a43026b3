"""Importing the whole SaudiNewsNet corpus, and searching at that size.

Imports the 18 zips in ../shared/data/saudinewsnet/ (each a JSON array of
articles, as the publisher ships them) straight into a fresh database and
index through the import pipeline, and prints articles per second end to
end, peak memory, index size, how many articles were grouped into stories,
and search-call latency (median, p95) for one-, two- and three-word queries.

    python bench/corpus.py [--work-dir DIR] [--reuse] [--days N] [--reindex]

``--days N`` imports only the first N zips (to see memory stay flat as the
corpus grows).
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS_DIR = REPO.parent / "shared" / "data" / "saudinewsnet"

QUERIES = {
    "one word": ["السعودية", "الرياض", "النفط", "الحوثيين", "الهلال", "التعليم", "داعش", "مكة", "الاقتصاد", "الصحة"],
    "two words": ["وزارة الصحة", "الأمن العام", "أسعار النفط", "مجلس الوزراء", "كأس العالم", "البنك المركزي",
                  "خادم الحرمين", "الدفاع المدني", "سوق الأسهم", "الأمم المتحدة"],
    "three words": ["وزارة التعليم العالي", "أمير منطقة الرياض", "هيئة الأمر بالمعروف", "الحرس الوطني السعودي",
                    "مجلس التعاون الخليجي", "ولي العهد الأمير", "أسعار النفط العالمية", "الدوري السعودي للمحترفين",
                    "مركز الملك سلمان", "الهلال الأحمر السعودي"],
}


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "newsarchive-bench" / "saudinewsnet")
    parser.add_argument("--reuse", action="store_true", help="keep an already imported corpus")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each query")
    parser.add_argument("--days", type=int, default=None, help="import only the first N daily zips")
    parser.add_argument("--corpus-dir", type=Path, default=CORPUS_DIR,
                        help="the SaudiNewsNet zips (default: ../shared/data/saudinewsnet beside the repository)")
    parser.add_argument("--reindex", action="store_true", help="also time rebuilding the index alone")
    args = parser.parse_args()
    work_dir = args.work_dir
    work_dir.mkdir(parents=True, exist_ok=True)
    os.environ["NEWSARCHIVE_DATA_DIR"] = str(work_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    from articles.importing.pipeline import import_paths
    from django.db.models import Count

    from articles.models import Article, Story
    from articles.search.service import search_articles

    figures = {}
    if not (args.reuse and (work_dir / "archive.sqlite3").exists()):
        for name in ("archive.sqlite3", "whoosh_index"):
            path = work_dir / name
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
        zips = sorted(args.corpus_dir.glob("*.zip"))[: args.days]
        started = time.perf_counter()
        job = import_paths(zips)
        elapsed = time.perf_counter() - started
        figures.update(
            zips=len(zips),
            imported=job.imported,
            duplicates=job.duplicates,
            failed=job.failed,
            import_seconds=round(elapsed, 1),
            articles_per_second=round(job.imported / elapsed, 1),
            peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            writer_children_peak_rss_mb=round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        )
    figures["articles"] = Article.objects.count()
    figures["articles_in_stories"] = Article.objects.exclude(story=None).count()
    figures["stories"] = Story.objects.count()
    figures["largest_story"] = max(Story.objects.annotate(n=Count("articles")).values_list("n", flat=True), default=0)
    index_dir = work_dir / "whoosh_index"
    figures["index_mb"] = round(sum(f.stat().st_size for f in index_dir.iterdir() if f.is_file()) / 1e6, 1)
    figures["database_mb"] = round((work_dir / "archive.sqlite3").stat().st_size / 1e6, 1)
    print(json.dumps(figures, ensure_ascii=False))

    if args.reindex:
        # Index alone (what raw Whoosh's figure measures): rebuild from the database.
        from haystack import connections

        from articles.search.indexing import IndexQueue

        connections["default"].get_backend().clear()
        pks = list(Article.objects.values_list("pk", flat=True))
        started = time.perf_counter()
        with IndexQueue(commit_every=len(pks) + 1) as queue:
            queue.add(pks)
        elapsed = time.perf_counter() - started
        print(json.dumps({"reindexed": len(pks), "index_seconds": round(elapsed, 1),
                          "index_articles_per_second": round(len(pks) / elapsed, 1)}))

    from haystack import connections

    from articles.search.backend import SearchPlan
    from articles.search.query import parse_query

    backend = connections["default"].get_backend()
    search_articles("تهيئة", highlight=False)
    for label, queries in QUERIES.items():
        # The backend's search call alone (ranking, counting, loading the page's 20 objects).
        times = []
        for _ in range(args.repeat):
            for query in queries:
                started = time.perf_counter()
                backend.search(SearchPlan(parsed=parse_query(query)), start_offset=0, end_offset=20)
                times.append((time.perf_counter() - started) * 1000)
        print(json.dumps({"queries": label, "call": "backend.search", "search_ms_median": round(statistics.median(times), 1),
                          "search_ms_p95": round(percentile(times, 0.95), 1)}, ensure_ascii=False))
    for label, queries in QUERIES.items():
        for highlight in (False, True):
            times = []
            for _ in range(args.repeat):
                for query in queries:
                    started = time.perf_counter()
                    search_articles(query, limit=20, highlight=highlight)
                    times.append((time.perf_counter() - started) * 1000)
            print(json.dumps({
                "queries": label,
                "call": "search_articles",
                "page_of": 20,
                "with_snippets": highlight,
                "search_ms_median": round(statistics.median(times), 1),
                "search_ms_p95": round(percentile(times, 0.95), 1),
            }, ensure_ascii=False))


if __name__ == "__main__":
    main()
