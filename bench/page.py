"""Server time of the search page on the whole SaudiNewsNet corpus.

Renders the search page through Django's full request cycle (middleware,
view, search with facets and histogram, template) for one-, two- and
three-word queries, with and without filters, and prints the median and p95
milliseconds. Run bench/corpus.py first (same --work-dir).

    python bench/page.py [--work-dir DIR] [--repeat 5]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from corpus import QUERIES, percentile  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "newsarchive-bench" / "saudinewsnet")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not (args.work_dir / "archive.sqlite3").exists():
        raise SystemExit(f"No imported corpus in {args.work_dir}: run bench/corpus.py first.")
    os.environ["NEWSARCHIVE_DATA_DIR"] = str(args.work_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    for row in measure_pages(args.repeat):
        print(json.dumps(row, ensure_ascii=False))


def measure_pages(repeat, filters=None):
    """Rows of page-time figures for the QUERIES, with and without filters (Django set up)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from articles.models import Source
    from articles.roles import assign_role

    user, _ = get_user_model().objects.get_or_create(username="bench_editor")
    assign_role(user, "editor")
    client = Client()
    client.force_login(user)
    if filters is None:
        busiest = Source.objects.annotate(n=Count("articles")).order_by("-n").first()
        filters = {"source": [busiest.name, "okaz"], "date_from": "2015-07-25", "date_to": "2015-08-05"}
    client.get("/", {"q": "تهيئة"})  # open the searcher and load ranking statistics
    times = {}
    for label, queries in QUERIES.items():
        for filtered in (False, True):
            key = (label, filtered)
            times[key] = []
            for _ in range(repeat):
                for query in queries:
                    started = time.perf_counter()
                    response = client.get("/", {"q": query, **(filters if filtered else {})})
                    times[key].append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200
    rows = []
    for (label, filtered), values in times.items():
        rows.append({"queries": label, "filters": filtered, "page_ms_median": round(statistics.median(values), 1),
                     "page_ms_p95": round(percentile(values, 0.95), 1)})
    for filtered in (False, True):
        values = [t for (_, f), v in times.items() if f == filtered for t in v]
        rows.append({"queries": "all", "filters": filtered, "page_ms_median": round(statistics.median(values), 1),
                     "page_ms_p95": round(percentile(values, 0.95), 1)})
    everything = [t for values in times.values() for t in values]
    rows.append({"all": len(everything), "page_ms_median": round(statistics.median(everything), 1),
                 "page_ms_p95": round(percentile(everything, 0.95), 1)})
    return rows

if __name__ == "__main__":
    main()
