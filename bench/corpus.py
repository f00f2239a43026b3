"""Importing the whole SaudiNewsNet corpus, and searching at that size.

Imports the 18 zips in ../shared/data/saudinewsnet/ (each a JSON array of
articles, as the publisher ships them) straight into a fresh database and
index through the import pipeline, and prints articles per second end to
end, peak memory, index size, how many articles were grouped into stories,
and search-call latency (median, p95) for one-, two- and three-word queries.

    python bench/corpus.py [--work-dir DIR] [--reuse] [--days N] [--reindex] [--database sqlite|postgres|both]
                           [--engine whoosh|opensearch]

``--days N`` imports only the first N zips (to see memory stay flat as the
corpus grows). ``--database postgres`` runs the same on a throw-away
PostgreSQL cluster (``.ci/with-postgres``, started and removed by the
benchmark); ``both`` runs SQLite, then PostgreSQL. ``--engine opensearch``
puts the index on the cluster at OPENSEARCH_URL (`make opensearch`), index
``bench-saudinewsnet``.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# ../shared beside the clone; SHARED_DIR when the repository is checked out elsewhere.
SHARED_DIR = Path(os.environ.get("SHARED_DIR", REPO.parent / "shared"))
CORPUS_DIR = SHARED_DIR / "data" / "saudinewsnet"

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


def run_elsewhere(args):
    """Run this benchmark again per database; PostgreSQL's inside a throw-away cluster."""
    argv, skip = [], False
    for arg in sys.argv[1:]:
        if not skip and arg != "--database" and not arg.startswith("--database="):
            argv.append(arg)
        skip = arg == "--database"
    status = 0
    for database in ("sqlite", "postgres") if args.database == "both" else (args.database,):
        command = [sys.executable, __file__, "--database", database, *argv]
        if database == "postgres":
            command = [str(REPO / ".ci" / "with-postgres"), *command]
        env = {**os.environ, "NEWSARCHIVE_BENCH_POSTGRES": "1"} if database == "postgres" else os.environ
        status |= subprocess.call(command, env=env)
    return status


def database_bytes(work_dir):
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
    return (work_dir / "archive.sqlite3").stat().st_size


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "newsarchive-bench" / "saudinewsnet")
    parser.add_argument("--reuse", action="store_true", help="keep an already imported corpus")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each query")
    parser.add_argument("--days", type=int, default=None, help="import only the first N daily zips")
    parser.add_argument("--reindex", action="store_true", help="also time rebuilding the index alone")
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR, help="the folder of SaudiNewsNet zips")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--engine", choices=("whoosh", "opensearch"), default="whoosh")
    args = parser.parse_args()
    if args.database == "both" or (args.database == "postgres" and not os.environ.get("NEWSARCHIVE_BENCH_POSTGRES")):
        sys.exit(run_elsewhere(args))
    if args.database == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    work_dir = args.work_dir / args.database
    if args.engine != "whoosh":
        work_dir = work_dir / args.engine
    os.environ["SEARCH_ENGINE"] = args.engine
    os.environ.setdefault("OPENSEARCH_INDEX", "bench-saudinewsnet")
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

    figures = {"database": args.database, "engine": args.engine}
    if args.database == "postgres" or not (args.reuse and (work_dir / "archive.sqlite3").exists()):
        for name in ("archive.sqlite3", "whoosh_index"):
            path = work_dir / name
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        call_command("migrate", verbosity=0)  # a throw-away cluster's database is new, like a new SQLite file
        if args.engine == "opensearch":
            from haystack import connections

            connections["default"].get_backend().clear()
        zips = sorted(args.corpus.glob("*.zip"))[: args.days]
        if not zips:
            sys.exit(f"No SaudiNewsNet zips in {args.corpus}")
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
    figures["index_mb"] = index_mb(args.engine, work_dir)
    figures["database_mb"] = round(database_bytes(work_dir) / 1e6, 1)
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

    for row in search_latency(args.repeat):
        print(json.dumps(row, ensure_ascii=False))


def index_mb(engine, work_dir):
    if engine == "opensearch":
        from haystack import connections

        backend = connections["default"].get_backend()
        stats = backend.conn.indices.stats(index=backend.index_name, metric="store")
        return round(stats["_all"]["primaries"]["store"]["size_in_bytes"] / 1e6, 1)
    index_dir = work_dir / "whoosh_index"
    return round(sum(f.stat().st_size for f in index_dir.iterdir() if f.is_file()) / 1e6, 1)


def backend_call(query):
    """The backend's search call alone for ``query`` (ranking, counting, loading the page's 20 objects)."""
    from haystack import connections

    from articles.search.backend import SearchPlan
    from articles.search.query import parse_query

    return connections["default"].get_backend().search(SearchPlan(parsed=parse_query(query)), start_offset=0, end_offset=20)


def search_latency(repeat):
    """Rows of median and p95 ms of the backend call and of search_articles per QUERIES list (Django set up)."""
    from articles.search.service import search_articles

    search_articles("تهيئة", highlight=False)
    rows = []
    for label, queries in QUERIES.items():
        times = []
        for _ in range(repeat):
            for query in queries:
                started = time.perf_counter()
                backend_call(query)
                times.append((time.perf_counter() - started) * 1000)
        rows.append({"queries": label, "call": "backend.search", "search_ms_median": round(statistics.median(times), 1),
                     "search_ms_p95": round(percentile(times, 0.95), 1)})
    for label, queries in QUERIES.items():
        for highlight in (False, True):
            times = []
            for _ in range(repeat):
                for query in queries:
                    started = time.perf_counter()
                    search_articles(query, limit=20, highlight=highlight)
                    times.append((time.perf_counter() - started) * 1000)
            rows.append({
                "queries": label,
                "call": "search_articles",
                "page_of": 20,
                "with_snippets": highlight,
                "search_ms_median": round(statistics.median(times), 1),
                "search_ms_p95": round(percentile(times, 0.95), 1),
            })
    # What the search page asks for: a page with snippets, facet counts, the
    # histogram, story sizes and (when results are few) a suggestion.
    times = []
    for _ in range(repeat):
        for query in [q for queries in QUERIES.values() for q in queries]:
            started = time.perf_counter()
            search_articles(query, limit=20, highlight=True, facets=True)
            times.append((time.perf_counter() - started) * 1000)
    rows.append({"queries": "all", "call": "search page (search_articles with facets)", "page_of": 20,
                 "search_ms_median": round(statistics.median(times), 1),
                 "search_ms_p95": round(percentile(times, 0.95), 1)})
    return rows


if __name__ == "__main__":
    main()
