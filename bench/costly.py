"""Costly queries against ordinary ones, on the whole SaudiNewsNet corpus.

Renders the search page (full request cycle, facets and histogram) for the
queries that used to take seconds (a two-letter prefix, sixty short
prefixes, twenty-seven excluded prefixes, a 255-letter unknown word) and for
ordinary three-word queries, and prints each one's median milliseconds and
its ratio to the ordinary median. Then runs the ordinary queries while
``--threads`` threads send costly ones, and while as many send ordinary
ones, and prints both. Targets: worst costly < 10x ordinary and < 300 ms;
ordinary queries under costly load < 2x what they take under as much
ordinary load. Run bench/corpus.py first (same --work-dir).

    python bench/costly.py [--work-dir DIR] [--repeat 5] [--threads 8]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from corpus import QUERIES  # noqa: E402

PREFIXES = ("الم الس الع الح الت الا الق الب الد الر الش الص الط الف الك الل الن اله الو الي "
            "وال بال لل فال كال مست تست است ينت يست منت ممل مدي حكو وزا شرك جام طلا ملك امي "
            "سعو ريا جدة مكة نفط سوق اسه بنك دول عرب خلي حوث يمن سور عرا مصر ترك ايرا امر").split()
COSTLY = {
    "two-letter prefix": "ال*",
    "three-letter prefix": "الم*",
    "60 prefixes": " ".join(p + "*" for p in PREFIXES[:60]),
    "27 excluded prefixes": "السعودية " + " ".join("-" + p + "*" for p in PREFIXES[:27]),
    "255-letter word": "ق" * 255,
}


def timed(client, query):
    started = time.perf_counter()
    response = client.get("/", {"q": query})
    assert response.status_code == 200, response.status_code
    return (time.perf_counter() - started) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "newsarchive-bench" / "saudinewsnet")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    if not (args.work_dir / "archive.sqlite3").exists():
        raise SystemExit(f"No imported corpus in {args.work_dir}: run bench/corpus.py first.")
    os.environ["NEWSARCHIVE_DATA_DIR"] = str(args.work_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from articles.models import Article
    from articles.roles import assign_role

    user, _ = get_user_model().objects.get_or_create(username="bench_editor")
    assign_role(user, "editor")

    def client():
        c = Client()
        c.force_login(user)
        return c

    main_client = client()
    timed(main_client, "تهيئة")  # open the searcher and load ranking statistics
    ordinary_queries = QUERIES["three words"]
    ordinary = [timed(main_client, q) for _ in range(args.repeat) for q in ordinary_queries]
    ordinary_ms = statistics.median(ordinary)
    print(json.dumps({"articles": Article.objects.count(), "ordinary three-word median ms": round(ordinary_ms, 1)}))
    worst = 0.0
    for label, query in COSTLY.items():
        first = timed(main_client, query)  # a new prefix is expanded once per index version
        values = [timed(main_client, query) for _ in range(args.repeat)]
        median = statistics.median(values)
        worst = max(worst, median)
        print(json.dumps({"query": label, "first_ms": round(first, 1), "median_ms": round(median, 1),
                          "x_ordinary": round(median / ordinary_ms, 2)}, ensure_ascii=False))
    print(json.dumps({"worst costly median ms": round(worst, 1), "x_ordinary": round(worst / ordinary_ms, 2)}))

    def under_load(queries):
        """Median ms of the ordinary queries while ``--threads`` threads send ``queries`` in a loop."""
        stop = threading.Event()

        def hammer():
            c = client()
            i = 0
            while not stop.is_set():
                timed(c, queries[i % len(queries)])
                i += 1

        threads = [threading.Thread(target=hammer, daemon=True) for _ in range(args.threads)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        loaded = [timed(main_client, q) for _ in range(args.repeat) for q in ordinary_queries]
        stop.set()
        for thread in threads:
            thread.join()
        return statistics.median(loaded)

    # One process serves every thread (as `runserver` and one WSGI worker do),
    # so any load slows a query: costly load is compared with as many
    # threads sending ordinary queries.
    ordinary_load_ms = under_load(QUERIES["two words"])
    costly_load_ms = under_load(list(COSTLY.values()))
    print(json.dumps({"threads": args.threads, "ordinary median ms alone": round(ordinary_ms, 1),
                      "under ordinary load": round(ordinary_load_ms, 1), "under costly load": round(costly_load_ms, 1),
                      "costly load / ordinary load": round(costly_load_ms / ordinary_load_ms, 2)}))


if __name__ == "__main__":
    main()
