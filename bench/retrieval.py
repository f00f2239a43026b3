"""Retrieval quality and speed of the archive's own search.

Imports each evaluation corpus from ../shared/data/eval/ through the import
pipeline into a fresh database and index, then runs every query through
``search_articles`` (the search page's code path, default query semantics)
and prints MRR@10, Recall@10, Recall@100, nDCG@10, the zero-hit rate and
query times.

    python bench/retrieval.py [--sets xquad_ar snn_title2body xquad_plus_news] [--engine whoosh opensearch]
                              [--work-dir DIR] [--reuse]

Each query set is split in two fixed halves (``half_of``): tune constants on
"tune" and report "held_out" beside it. With --reuse, an index built by an
earlier run is kept when the analysis (``articles.text``, ``analysis.py``)
has not changed since; otherwise the set is imported again.

Each set and engine runs in its own process, with its own data folder. With
``--engine opensearch`` the index lives on the cluster at OPENSEARCH_URL
(`make opensearch`), in an index of its own per set (``bench-<set>``).
"""

import argparse
import gzip
import hashlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EVAL_DIR = REPO.parent / "shared" / "data" / "eval"
SETS = ["xquad_ar", "snn_title2body", "xquad_plus_news"]
# Lucene 9.9.1 ArabicAnalyzer + BM25, measured on the same files (../shared/data/README.md).
LUCENE_MRR10 = {"xquad_ar": 0.923, "snn_title2body": 0.631, "xquad_plus_news": 0.830}


def half_of(query_id):
    """"tune" or "held_out": a fixed split of each query set, the same on every run and machine.

    Constants are chosen on the tuning half; the held-out half says whether
    they carry over to questions they were not chosen on.
    """
    return "tune" if hashlib.sha1(query_id.encode("utf-8")).digest()[0] % 2 == 0 else "held_out"
ENGINES = ["whoosh", "opensearch"]


def corpus_file(set_dir, work_dir):
    """The corpus as a .jsonl file the importer reads (decompressed if needed)."""
    plain = set_dir / "corpus.jsonl"
    if plain.exists():
        return plain
    target = work_dir / "corpus.jsonl"
    if not target.exists():
        with gzip.open(set_dir / "corpus.jsonl.gz", "rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out)
    return target


def save_merged_ids(job, corpus, work_dir):
    """{article pk: ids of the records imported as its exact duplicates}, kept for --reuse."""
    lines = corpus.read_text(encoding="utf-8").splitlines()
    merged = {}
    for import_file in job.files.all():
        for origin, pk in import_file.duplicate_of:
            line = int(origin.rsplit(":", 1)[1])
            merged.setdefault(pk, []).append(str(json.loads(lines[line - 1])["id"]))
    (work_dir / "merged_ids.json").write_text(json.dumps(merged))


def analysis_fingerprint(set_dir, work_dir, documents=300):
    """A hash of what the index fields hold for the corpus's first documents.

    An index built with the same analysis can be reused (--reuse); one built
    before the analysis changed cannot.
    """
    from articles.search.analysis import stem_words, surface_words

    digest = hashlib.sha1()
    with open(corpus_file(set_dir, work_dir), encoding="utf-8") as lines:
        for _, line in zip(range(documents), lines):
            record = json.loads(line)
            text = f"{record.get('title') or ''}\n{record.get('text') or ''}"
            digest.update(repr((surface_words(text), stem_words(text))).encode("utf-8"))
    return digest.hexdigest()


def read_qrels(path):
    qrels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            query_id, doc_id, relevance = line.split("\t")
            if int(relevance) > 0:
                qrels.setdefault(query_id, set()).add(doc_id)
    return qrels


def score(ranked, relevant):
    """(reciprocal rank @10, recall@10, recall@100, nDCG@10) for one query."""
    rr = 0.0
    dcg = 0.0
    for rank, doc_id in enumerate(ranked[:10], start=1):
        if doc_id in relevant:
            rr = rr or 1.0 / rank
            dcg += 1.0 / math.log2(rank + 1)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), 10) + 1))
    return (
        rr,
        len(relevant.intersection(ranked[:10])) / len(relevant),
        len(relevant.intersection(ranked[:100])) / len(relevant),
        dcg / ideal,
    )


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def copy_database(source_dir, work_dir):
    """Start from another run's imported database (say Whoosh's): only the index is built here."""
    for name in ("archive.sqlite3", "merged_ids.json"):
        shutil.copyfile(source_dir / name, work_dir / name)


def reindex_all():
    """Seconds to write every article of the database into an emptied index, as an import does."""
    from haystack import connections

    from articles.models import Article
    from articles.search.indexing import IndexQueue

    connections["default"].get_backend().clear()
    pks = list(Article.objects.values_list("pk", flat=True))
    started = time.perf_counter()
    with IndexQueue() as queue:
        queue.add(pks)
    return time.perf_counter() - started


def run_one(set_name, eval_dir, work_dir, reuse, engine="whoosh", database_from=None):
    set_dir = eval_dir / set_name
    work_dir.mkdir(parents=True, exist_ok=True)
    os.environ["NEWSARCHIVE_DATA_DIR"] = str(work_dir)
    os.environ["SEARCH_ENGINE"] = engine
    os.environ.setdefault("OPENSEARCH_INDEX", f"bench-{set_name.replace('_', '-')}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    from articles.importing.pipeline import import_paths
    from articles.models import Article
    from articles.search.service import search_articles

    figures = {"set": set_name, "engine": engine}
    fingerprint = analysis_fingerprint(set_dir, work_dir)
    fingerprint_file = work_dir / "analysis.sha1"
    same_analysis = fingerprint_file.exists() and fingerprint_file.read_text() == fingerprint
    if database_from:
        copy_database(database_from / set_name, work_dir)
        call_command("migrate", verbosity=0)
        elapsed = reindex_all()
        figures["index_seconds"] = round(elapsed, 1)
        figures["index_articles_per_second"] = round(Article.objects.count() / elapsed, 1)
    elif not (reuse and same_analysis and (work_dir / "archive.sqlite3").exists()):
        for name in ("archive.sqlite3", "whoosh_index"):
            path = work_dir / name
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
        if engine == "opensearch":
            from haystack import connections

            connections["default"].get_backend().clear()
        corpus = corpus_file(set_dir, work_dir)
        started = time.perf_counter()
        report = import_paths([corpus])
        elapsed = time.perf_counter() - started
        save_merged_ids(report, corpus, work_dir)
        fingerprint_file.write_text(fingerprint)
        figures["import_seconds"] = round(elapsed, 1)
        figures["import_articles_per_second"] = round(report.imported / elapsed, 1)
        figures["imported"] = report.imported
        figures["duplicates"] = report.duplicates
    figures["articles"] = Article.objects.count()
    from corpus import index_mb  # bench/ is this script's folder

    figures["index_mb"] = index_mb(engine, work_dir)

    merged = {int(pk): ids for pk, ids in json.loads((work_dir / "merged_ids.json").read_text()).items()}
    qrels = read_qrels(set_dir / "qrels.tsv")
    queries = [json.loads(line) for line in (set_dir / "queries.jsonl").read_text(encoding="utf-8").splitlines() if line]
    search_articles("تهيئة", limit=10, highlight=False)  # open the searcher before timing
    totals = {name: [0.0, 0.0, 0.0, 0.0, 0] for name in ("all", "tune", "held_out")}
    zero_hits = 0
    fallbacks = 0
    times = []
    for query in queries:
        started = time.perf_counter()
        outcome = search_articles(query["text"], limit=100, highlight=False)
        times.append((time.perf_counter() - started) * 1000)
        # A record imported as a duplicate of another is found through that article.
        ranked = [doc_id for result in outcome.results
                  for doc_id in [result.object.external_id, *merged.get(result.object.pk, [])]]
        zero_hits += not ranked
        fallbacks += outcome.fallback
        for name in ("all", half_of(query["id"])):
            for i, value in enumerate(score(ranked, qrels.get(query["id"], set()))):
                totals[name][i] += value
            totals[name][4] += 1
    n = len(queries)
    figures.update(
        {
            "queries": n,
            "MRR@10": round(totals["all"][0] / n, 3),
            "Recall@10": round(totals["all"][1] / n, 3),
            "Recall@100": round(totals["all"][2] / n, 3),
            "nDCG@10": round(totals["all"][3] / n, 3),
            "MRR@10_tune": round(totals["tune"][0] / max(1, totals["tune"][4]), 3),
            "MRR@10_held_out": round(totals["held_out"][0] / max(1, totals["held_out"][4]), 3),
            "Recall@10_held_out": round(totals["held_out"][1] / max(1, totals["held_out"][4]), 3),
            "lucene_MRR@10": LUCENE_MRR10.get(set_name),
            "zero_hit_rate": round(zero_hits / n, 4),
            "fallback_rate": round(fallbacks / n, 3),
            "query_ms_median": round(statistics.median(times), 1),
            "query_ms_p95": round(percentile(times, 0.95), 1),
        }
    )
    print(json.dumps(figures, ensure_ascii=False))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=SETS, choices=SETS)
    parser.add_argument("--engine", nargs="+", default=["whoosh"], choices=ENGINES)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "newsarchive-bench")
    parser.add_argument("--reuse", action="store_true", help="keep an already imported corpus (query tuning)")
    parser.add_argument("--database-from", type=Path,
                        help="a work dir of an earlier run (e.g. WORK/whoosh): copy its databases and time indexing alone")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        engine = args.engine[0]
        run_one(args.one, args.eval_dir, args.work_dir / engine / args.one, args.reuse, engine, args.database_from)
        return
    for set_name in args.sets:
        for engine in args.engine:
            command = [sys.executable, __file__, "--one", set_name, "--engine", engine,
                       "--eval-dir", str(args.eval_dir), "--work-dir", str(args.work_dir)]
            if args.reuse:
                command.append("--reuse")
            if args.database_from:
                command += ["--database-from", str(args.database_from)]
            subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
