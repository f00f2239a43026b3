"""Raw Whoosh 2.7.4 with its defaults, on the same data as the archive.

A baseline for bench/retrieval.py and bench/corpus.py: the snn_title2body
corpus from ../shared/data/eval/ goes into a plain Whoosh index (schema
``id=ID(stored=True, unique=True), text=TEXT()``, i.e. the default
StandardAnalyzer, no Arabic handling), written with one ``ix.writer()`` and
one ``commit()``. Prints indexing speed and index size, then for the 1,000
headline queries and the one-, two- and three-word lists of bench/corpus.py,
parsed with the default ``QueryParser`` (AND) and with ``group=OrGroup``:
median and p95 milliseconds of parse plus ``searcher.search(q, limit=20)``
on one reused searcher, and the zero-hit rate.

    .venv/bin/python bench/whoosh_baseline.py [--limit N] [--work-dir DIR]
"""

import argparse
import gzip
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from whoosh import index
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import OrGroup, QueryParser

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import QUERIES, SHARED_DIR  # noqa: E402  (the same word lists as the archive's corpus benchmark)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SET_DIR = SHARED_DIR / "data" / "eval" / "snn_title2body"


def articles(set_dir, limit):
    with gzip.open(set_dir / "corpus.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in itertools.islice(lines, limit):
            article = json.loads(line)
            yield article["id"], article["title"] + "\n" + article["text"]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def build_index(documents, index_dir):
    """A fresh index with Whoosh's defaults from (id, text) pairs; returns it and the indexing figures."""
    schema = Schema(id=ID(stored=True, unique=True), text=TEXT())
    index_dir.mkdir(parents=True, exist_ok=True)
    # The clock starts before create_in so setup, reading and commit are all counted,
    # as the archive's import figures count its whole pipeline.
    started = time.perf_counter()
    ix = index.create_in(str(index_dir), schema)
    writer = ix.writer()
    count = 0
    for identifier, text in documents:
        writer.add_document(id=identifier, text=text)
        count += 1
    writer.commit()
    elapsed = time.perf_counter() - started
    size = sum(path.stat().st_size for path in index_dir.iterdir())
    return ix, {
        "articles": count,
        "index_seconds": round(elapsed, 1),
        "index_articles_per_second": round(count / elapsed, 1),
        "index_mb": round(size / 1e6, 1),
    }


def time_queries(searcher, parser, texts):
    """Median and p95 ms of parse + search (the archive's figures include its parsing too)."""
    times = []
    zero_hits = 0
    for text in texts:
        started = time.perf_counter()
        results = searcher.search(parser.parse(text), limit=20)
        times.append((time.perf_counter() - started) * 1000)
        zero_hits += results.scored_length() == 0
    return {
        "runs": len(texts),
        "zero_hit_rate": round(zero_hits / len(texts), 4),
        "query_ms_median": round(statistics.median(times), 2),
        "query_ms_p95": round(percentile(times, 0.95), 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set-dir", type=Path, default=DEFAULT_SET_DIR)
    parser.add_argument("--limit", type=int, help="use only the first N articles")
    parser.add_argument("--work-dir", type=Path, help="where to build the index (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each word list")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="whoosh-baseline-") as temp:
        # A subfolder, so an existing --work-dir never gets stale segments mixed in.
        index_dir = (args.work_dir or Path(temp)) / "whoosh_baseline_index"
        if index_dir.exists():
            sys.exit(f"{index_dir} exists; remove it or pick another --work-dir")
        ix, figures = build_index(articles(args.set_dir, args.limit), index_dir)
        print(json.dumps({"whoosh": "defaults", **figures}, ensure_ascii=False))

        lines = (args.set_dir / "queries.jsonl").read_text(encoding="utf-8").splitlines()
        headlines = [json.loads(line)["text"] for line in lines if line.strip()]
        query_sets = {"headlines": headlines}
        query_sets.update({label: texts * args.repeat for label, texts in QUERIES.items()})
        parsers = {"AND": QueryParser("text", ix.schema), "OR": QueryParser("text", ix.schema, group=OrGroup)}

        with ix.searcher() as searcher:
            searcher.search(parsers["AND"].parse("تهيئة"), limit=20)  # open the readers before timing
            for label, texts in query_sets.items():
                for grouping, query_parser in parsers.items():
                    row = {"queries": label, "grouping": grouping, "page_of": 20}
                    row.update(time_queries(searcher, query_parser, texts))
                    print(json.dumps(row, ensure_ascii=False), flush=True)
        ix.close()


if __name__ == "__main__":
    main()
