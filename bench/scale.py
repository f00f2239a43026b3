"""The archive at several times the real corpus: import rate, memory, disk, pages, exports.

Builds a synthetic corpus from the SaudiNewsNet zips in ../shared/data/
(``SHARED_DIR`` when the repository is elsewhere), deterministically (seeded):
article n is the real article n mod 31,030 of replica n // 31,030, its date
shifted by that many whole years (so replicas never meet as duplicates or
stories), its title, outlet, author and URL kept, and its body made of 8-20
real sentences of the same outlet. The records are written as JSON Lines
files of ``--per-file`` records under the work folder (a temporary folder
by default; never the repository), then imported into a fresh archive with
the import pipeline (what ``import_articles`` runs). Prints, as JSON lines:

- the corpus written; raw Whoosh with its defaults (bench/whoosh_baseline.py)
  indexing the same texts and answering the same queries, in this run;
- the import rate per 10% slice, with the CPU per article each slice cost
  the main process and the index writers (which side grows, if it slows
  down), the longest time no record was handled, every index stage
  (commit, merge) with its duration, and the peak memory of every process
  of the import (the main one and the index writers it starts, sampled
  from /proc: RSS and the private part);
- sizes on disk; the backend call and search_articles (bench/corpus.py),
  warm, and the first call in a fresh process; the search page
  (bench/page.py); exports over HTTP (bench/export.py).

    python bench/scale.py --size 100000 [--work-dir DIR] [--seed 13] [--skip-raw] [--skip-exports]

``--size 31030 --real`` imports the real zips instead (the issue's "real 31k").
``--keep-raw`` keeps raw Whoosh's index (a few GB at 310k) for the next run with
``--reuse --keep-raw``, which then only times its queries.
``--rebuild`` ends with ``manage.py rebuild_index`` on the archive: its time and the
peak memory of its processes.
"""

import argparse
import json
import multiprocessing
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from corpus import CORPUS_DIR, QUERIES, backend_call, percentile, search_latency  # noqa: E402

REAL_SIZE = 31_030
SENTENCE_END = re.compile(r"(?<=[.!؟?])\s+|\n+")
MIN_SENTENCE_CHARS = 20


# The corpus -------------------------------------------------------------

def real_articles(corpus_dir=CORPUS_DIR):
    for path in sorted(corpus_dir.glob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            for name in sorted(archive.namelist()):
                if name.endswith(".json"):
                    yield from json.loads(archive.read(name))


def synthetic_records(size, seed):
    """``size`` records (dicts as the JSON Lines files hold them), the same for the same seed."""
    articles = list(real_articles())
    sentences = {}
    for article in articles:
        pool = sentences.setdefault(article["source"], [])
        pool.extend(s.strip() for s in SENTENCE_END.split(article.get("content") or "") if len(s.strip()) >= MIN_SENTENCE_CHARS)
    rng = random.Random(seed)
    for n in range(size):
        replica, i = divmod(n, len(articles))
        article = articles[i]
        pool = sentences[article["source"]] or [article.get("content") or article["title"]]
        when = datetime.fromisoformat(article["date_extracted"])
        yield {
            "id": f"scale-{replica}-{i}",
            "source": article["source"],
            "url": f"{article['url']}#replica-{replica}",
            "date_extracted": when.replace(year=when.year + replica).isoformat(sep=" "),
            "title": article["title"],
            "author": article.get("author") or "",
            "content": "\n".join(rng.choice(pool) for _ in range(rng.randint(8, 20))),
        }


def build_corpus(out_dir, size, seed, per_file):
    """The JSON Lines files of the synthetic corpus (reused when already built with the same recipe)."""
    recipe = {"size": size, "seed": seed, "per_file": per_file, "version": 1}
    manifest = out_dir / "manifest.json"
    if manifest.exists() and json.loads(manifest.read_text()) == recipe:
        return sorted(out_dir.glob("part-*.jsonl"))
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    handle, paths = None, []
    for n, record in enumerate(synthetic_records(size, seed)):
        if n % per_file == 0:
            if handle:
                handle.close()
            paths.append(out_dir / f"part-{n // per_file + 1:04d}.jsonl")
            handle = paths[-1].open("w", encoding="utf-8")
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    if handle:
        handle.close()
    manifest.write_text(json.dumps(recipe))
    return paths


def corpus_texts(paths):
    """(id, title + body) for raw Whoosh, as the archive indexes title and body."""
    for path in paths:
        if path.suffix == ".zip":
            for article in real_articles(path.parent):
                yield article["url"], article["title"] + "\n" + (article.get("content") or "")
            return
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                yield record["id"], record["title"] + "\n" + record["content"]


# Memory -----------------------------------------------------------------

def _status(pid):
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    kb = lambda name: int(fields.get(name, "0 kB").split()[0])  # noqa: E731
    return {"rss": kb("VmRSS"), "private": kb("RssAnon"), "ppid": int(fields["PPid"])}


def process_tree(root):
    """The pids of ``root`` and its descendants (from /proc/PID/task/TID/children, not all of /proc)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                todo.extend(int(child) for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split())
            except OSError:
                pass
    return found


class MemorySampler(threading.Thread):
    """Peak RSS (and its private part) of this process (or ``root``) and every descendant, sampled from /proc."""

    def __init__(self, interval=0.5, root=None):
        super().__init__(daemon=True)
        self.interval = interval
        self.root = root or os.getpid()
        self.peaks = {}  # pid -> {"rss", "private", "role"}
        self.peak_total_kb = 0
        self.stopped = threading.Event()

    def _tree(self):
        return {pid: _status(pid) for pid in process_tree(self.root)}

    def run(self):
        while True:  # a sample at once, then every interval until stopped (a short run still has one)
            tree = self._tree()
            self.peak_total_kb = max(self.peak_total_kb, sum(s["rss"] for s in tree.values() if s))
            for pid, status in tree.items():
                if not status:
                    continue
                peak = self.peaks.setdefault(pid, {"rss": 0, "private": 0, "role": "main" if pid == self.root else "child"})
                peak["rss"] = max(peak["rss"], status["rss"])
                peak["private"] = max(peak["private"], status["private"])
            if self.stopped.wait(self.interval):
                return

    def stop(self):
        self.stopped.set()
        self.join()
        import resource

        main_hwm = int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))
        children = [p for p in self.peaks.values() if p["role"] == "child"]
        return {
            "main_peak_rss_mb": round(main_hwm / 1024),
            "children_sampled": len(children),
            "child_peak_rss_mb": round(max((p["rss"] for p in children), default=0) / 1024),
            "child_peak_private_mb": round(max((p["private"] for p in children), default=0) / 1024),
            # Exact for children already reaped (the sample can miss a short peak).
            "reaped_children_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
            "process_tree_peak_rss_mb": round(self.peak_total_kb / 1024),
        }


# The import -------------------------------------------------------------

class ImportProgress:
    """Records handled over time: the rate per 10% slice, the longest pause, the index stages."""

    def __init__(self, total):
        self.total = total
        self.done = 0
        self.started = self.last = time.perf_counter()
        self.longest_pause = (0.0, 0)
        self.marks = [(0, self.started)]
        self.cpu_marks = [process_tree_cpu()]  # (this process, its children) CPU seconds at each mark
        self.stages = []  # [stage, started, seconds]

    def on_records(self, count):
        now = time.perf_counter()
        if now - self.last > self.longest_pause[0]:
            self.longest_pause = (now - self.last, self.done)
        self.last = now
        before, self.done = self.done, self.done + count
        if self.done * 10 // self.total > before * 10 // self.total:
            self.marks.append((self.done, now))
            self.cpu_marks.append(process_tree_cpu())
            in_slice = self.done - self.marks[-2][0]
            (main, children), (main_before, children_before) = self.cpu_marks[-1], self.cpu_marks[-2]
            print(json.dumps({"imported_records": self.done, "elapsed_s": round(now - self.started, 1),
                              "slice_per_s": round(in_slice / (now - self.marks[-2][1]), 1),
                              # Which side's work per article grows, if the import slows down.
                              "slice_main_cpu_ms_per_article": round((main - main_before) * 1000 / in_slice, 2),
                              "slice_writers_cpu_ms_per_article": round((children - children_before) * 1000 / in_slice, 2)}),
                  flush=True)

    def on_stage(self, stage):
        now = time.perf_counter()
        if self.stages and self.stages[-1][2] is None:
            self.stages[-1][2] = now - self.stages[-1][1]
        self.stages.append([stage, now, None])

    def figures(self):
        slices = [round((b[0] - a[0]) / (b[1] - a[1]), 1) for a, b in zip(self.marks, self.marks[1:]) if b[1] > a[1]]
        slow = {}
        for stage, _, seconds in self.stages:
            if stage and seconds is not None:
                kind = stage.split(" ")[0]
                slow[kind] = max(slow.get(kind, 0), round(seconds, 1))
        # What the index side did when: [stage, started at (s into the import), lasted (s)].
        timeline = [[stage, round(at - self.started, 1), round(seconds, 1)]
                    for stage, at, seconds in self.stages if stage and seconds is not None]
        return {"rate_per_10pct_slice": slices,
                "last_slice_vs_first": round(slices[-1] / slices[0], 2) if len(slices) > 1 else None,
                "longest_pause_s": round(self.longest_pause[0], 1), "longest_pause_at_record": self.longest_pause[1],
                "longest_index_stage_s": slow, "index_stages": timeline}


def process_tree_cpu():
    """(CPU seconds of this process, of all its children: reaped ones and those still running)."""
    times = os.times()
    ticks = os.sysconf("SC_CLK_TCK")
    running = 0.0
    for pid in process_tree(os.getpid())[1:]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        running += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return times.user + times.system, times.children_user + times.children_system + running


def cpu_seconds():
    """CPU seconds of this process and its finished children: the fair measure on a shared machine."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def folder_mb(path):
    if path.is_file():
        return round(path.stat().st_size / 1e6, 1)
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6, 1) if path.exists() else 0


def first_call_figures(work_dir, repeat):
    """The first backend call, the server's start (warm-up) and its first search page in fresh processes (ms)."""
    queries = [q for texts in QUERIES.values() for q in texts][:repeat]
    backend, start, page = [], [], []
    for query in queries:
        output = subprocess.run([sys.executable, __file__, "--first-call", query, "--work-dir", str(work_dir)],
                                check=True, capture_output=True, text=True).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        backend.append(figures["backend_ms"])
        start.append(figures["server_start_ms"])
        page.append(figures["page_ms"])
    return {"first_call_processes": len(queries),
            "first_backend_call_ms_median": round(statistics.median(backend), 1),
            "first_backend_call_ms_p95": round(percentile(backend, 0.95), 1),
            "server_start_ms_median": round(statistics.median(start), 1),
            "first_page_ms_median": round(statistics.median(page), 1),
            "first_page_ms_p95": round(percentile(page, 0.95), 1)}


def first_call(query):
    from django.contrib.auth import get_user_model
    from django.test import Client

    started = time.perf_counter()
    backend_call(query)
    backend_ms = (time.perf_counter() - started) * 1000
    # What a server process does as it starts: load the views, warm the search.
    started = time.perf_counter()
    import newsarchive.wsgi  # noqa: F401
    start_ms = (time.perf_counter() - started) * 1000
    user = get_user_model().objects.filter(username="bench_editor").first()
    client = Client()
    client.force_login(user)
    started = time.perf_counter()
    client.get("/", {"q": query})
    page_ms = (time.perf_counter() - started) * 1000
    print(json.dumps({"backend_ms": backend_ms, "server_start_ms": start_ms, "page_ms": page_ms}))


def raw_whoosh(paths, work_dir, repeat, keep=False):
    """Raw Whoosh's indexing figures and query times; ``keep``: leave its index in the work
    folder, and time the queries on the one left there by an earlier run instead of building."""
    from whoosh import index
    from whoosh.qparser import OrGroup, QueryParser

    from whoosh_baseline import build_index, time_queries

    index_dir = work_dir / "whoosh_raw_index"
    if keep and index.exists_in(str(index_dir)):
        ix = index.open_dir(str(index_dir))
        yield {"whoosh": "raw, defaults, built by an earlier run", "articles": ix.doc_count()}
    else:
        shutil.rmtree(index_dir, ignore_errors=True)
        cpu = cpu_seconds()
        ix, figures = build_index(corpus_texts(paths), index_dir)
        cpu = cpu_seconds() - cpu
        yield {"whoosh": "raw, defaults", **figures, "cpu_s": round(cpu, 1),
               "articles_per_cpu_s": round(figures["articles"] / cpu, 1)}
    parsers = {"AND": QueryParser("text", ix.schema), "OR": QueryParser("text", ix.schema, group=OrGroup)}
    with ix.searcher() as searcher:
        started = time.perf_counter()
        searcher.search(parsers["AND"].parse("تهيئة"), limit=20)
        yield {"whoosh": "raw", "first_query_ms": round((time.perf_counter() - started) * 1000, 1)}
        for label, texts in QUERIES.items():
            for grouping, parser in parsers.items():
                yield {"whoosh": "raw", "queries": label, "grouping": grouping, **time_queries(searcher, parser, texts * repeat)}
    ix.close()
    if not keep:
        shutil.rmtree(index_dir, ignore_errors=True)


def raw_whoosh_rows(paths, work_dir, repeat, keep):
    return list(raw_whoosh(paths, work_dir, repeat, keep))


def in_child(function, *args):
    """``function(*args)`` in a fresh process: the memory building the corpus and raw
    Whoosh's index take is never counted as the import's (this process's) peak."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--real", action="store_true", help="import the real zips (31,030 articles)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--per-file", type=int, default=10_000)
    parser.add_argument("--work-dir", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--port", type=int, default=8500)
    parser.add_argument("--skip-raw", action="store_true", help="no raw Whoosh comparison")
    parser.add_argument("--keep-raw", action="store_true",
                        help="keep raw Whoosh's index in the work folder; reuse one kept by an earlier run")
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument("--no-optimise", action="store_true", help="measure pages on the segments the import left")
    parser.add_argument("--reuse", action="store_true", help="measure an archive imported by an earlier run")
    parser.add_argument("--rebuild", action="store_true",
                        help="last, time manage.py rebuild_index on the archive and sample its processes' memory")
    parser.add_argument("--first-call", help=argparse.SUPPRESS)
    args = parser.parse_args()
    label = "real" if args.real else f"synthetic-{args.size}"
    work_dir = args.work_dir or Path(tempfile.gettempdir()) / "newsarchive-bench" / f"scale-{label}"
    work_dir.mkdir(parents=True, exist_ok=True)
    os.environ["NEWSARCHIVE_DATA_DIR"] = str(work_dir / "archive")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    sys.path.insert(0, str(REPO))
    if args.first_call:
        import django

        django.setup()
        return first_call(args.first_call)

    if args.real:
        paths = sorted(CORPUS_DIR.glob("*.zip"))
        print(json.dumps({"corpus": "real", "files": len(paths)}), flush=True)
    else:
        started = time.perf_counter()
        paths = in_child(build_corpus, work_dir / "corpus", args.size, args.seed, args.per_file)
        print(json.dumps({"corpus": "synthetic", "size": args.size, "seed": args.seed, "files": len(paths),
                          "corpus_mb": folder_mb(work_dir / "corpus"), "build_s": round(time.perf_counter() - started, 1)}),
              flush=True)
    if not args.skip_raw:
        for row in in_child(raw_whoosh_rows, paths, work_dir, args.repeat, args.keep_raw):
            print(json.dumps(row, ensure_ascii=False), flush=True)

    archive = work_dir / "archive"
    if not args.reuse:
        shutil.rmtree(archive, ignore_errors=True)
    import django

    django.setup()
    from django.core.management import call_command

    from articles.importing.pipeline import import_paths
    from articles.search.indexing import segment_count

    if not args.reuse:
        call_command("migrate", verbosity=0)
        progress = ImportProgress(REAL_SIZE if args.real else args.size)
        sampler = MemorySampler()
        sampler.start()
        started, cpu = time.perf_counter(), cpu_seconds()
        job = import_paths(paths, on_records=progress.on_records, on_stage=progress.on_stage)
        elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        memory = sampler.stop()
        progress.on_stage(None)
        print(json.dumps({"segments_after_import": segment_count()}), flush=True)
        print(json.dumps({"imported": job.imported, "duplicates": job.duplicates, "failed": job.failed,
                          "import_s": round(elapsed, 1), "articles_per_s": round(job.imported / elapsed, 1),
                          "cpu_s": round(cpu, 1), "articles_per_cpu_s": round(job.imported / cpu, 1),
                          "load_average": os.getloadavg()[0],
                          **progress.figures(), **memory}), flush=True)
    if not args.no_optimise:
        # The scheduled step after an import (the worker's, import_articles' last): merge the segments.
        from articles.search.indexing import optimise_index

        before = segment_count()
        sampler = MemorySampler()
        sampler.start()
        started = time.perf_counter()
        optimise_index(on_stage=lambda stage: print(json.dumps({"stage": stage}, ensure_ascii=False), flush=True))
        print(json.dumps({"optimise_s": round(time.perf_counter() - started, 1), "segments_before": before,
                          "segments_after": segment_count(),
                          "optimise_peak_rss_mb": round(sampler.stop()["process_tree_peak_rss_mb"])}), flush=True)
    print(json.dumps({"database_mb": folder_mb(archive / "archive.sqlite3"),
                      "index_mb": folder_mb(archive / "whoosh_index"), "originals_mb": folder_mb(archive / "media"),
                      "index_segments": len(list((archive / "whoosh_index").glob("*.seg")))}), flush=True)

    for row in search_latency(args.repeat):
        print(json.dumps(row, ensure_ascii=False), flush=True)
    from page import measure_pages

    for row in measure_pages(args.repeat):
        print(json.dumps({"page": True, **row}, ensure_ascii=False), flush=True)
    print(json.dumps(first_call_figures(work_dir, 10)), flush=True)

    if not args.skip_exports:
        from export import run_exports

        # Direct exports stay under EXPORT_MAX_DIRECT_ROWS at every size: one replica's year at most.
        cases = [
            ("one day", {"date_from": "2015-07-21", "date_to": "2015-07-21"}),
            ("2015", {"date_from": "2015-01-01", "date_to": "2015-12-31"}),
            ("2015, full text", {"date_from": "2015-01-01", "date_to": "2015-12-31", "text": "1"}),
            ("a word, 2015", {"q": "السعودية", "date_from": "2015-01-01", "date_to": "2015-12-31"}),
            ("two words, 2015", {"q": "وزارة الصحة", "date_from": "2015-01-01", "date_to": "2015-12-31"}),
        ]
        for row in run_exports(archive, args.port, cases):
            print(json.dumps(row, ensure_ascii=False), flush=True)

    if args.rebuild:
        print(json.dumps(rebuild_figures(archive)), flush=True)


def rebuild_figures(archive):
    """``manage.py rebuild_index`` in its own process: its time, and the peak memory of it and its writers."""
    from articles.models import Article

    articles = Article.objects.count()
    sampler = MemorySampler()
    sampler.start()
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "rebuild_index", "--noinput"], cwd=REPO, check=True,
                   env={**os.environ, "NEWSARCHIVE_DATA_DIR": str(archive)}, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    memory = sampler.stop()
    return {"rebuild_index_s": round(elapsed, 1), "rebuild_articles_per_s": round(articles / elapsed, 1),
            # The command and the index writers it starts (this process only waits).
            "rebuild_process_peak_rss_mb": memory["child_peak_rss_mb"],
            "rebuild_process_peak_private_mb": memory["child_peak_private_mb"],
            "rebuild_tree_peak_rss_mb": memory["process_tree_peak_rss_mb"]}


if __name__ == "__main__":
    main()
