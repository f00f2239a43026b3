"""Export speed and the serving process's memory, over real HTTP.

Serves the archive imported by bench/corpus.py (the whole SaudiNewsNet
corpus) with ``manage.py runserver`` in a subprocess, logs in as a
researcher, and downloads CSV exports of about 3,000 rows and of every
article, without and with full text. Prints rows per second and the server
process's peak resident memory (VmHWM) after each export, so memory that
grows with the row count would show.

    python bench/export.py [--work-dir DIR] [--port 8765]

Run bench/corpus.py first (same --work-dir).
"""

import argparse
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from scale import MemorySampler  # bench/ is this script's folder

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "bench-export-password-1"


def manage(work_dir, *args):
    env = {**os.environ, "NEWSARCHIVE_DATA_DIR": str(work_dir)}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True,
                          capture_output=True, text=True).stdout


def peak_rss_mb(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) // 1024


def login(base):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/").read()
    token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    form = urllib.parse.urlencode({"username": "bench_researcher", "password": PASSWORD, "csrfmiddlewaretoken": token})
    request = urllib.request.Request(f"{base}/accounts/login/", data=form.encode(), headers={"Referer": base})
    opener.open(request).read()
    return opener


def wait_for(base, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{base}/accounts/login/").read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "newsarchive-bench" / "saudinewsnet")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not (args.work_dir / "archive.sqlite3").exists():
        raise SystemExit(f"No imported corpus in {args.work_dir}: run bench/corpus.py first.")
    cases = [
        ("about 3,000 rows", {"date_from": "2015-07-21", "date_to": "2015-07-21"}),
        ("every article", {"date_from": "2015-01-01"}),
        ("about 3,000 rows, full text", {"date_from": "2015-07-21", "date_to": "2015-07-21", "text": "1"}),
        ("every article, full text", {"date_from": "2015-01-01", "text": "1"}),
        ("a word query", {"q": "السعودية"}),
    ]
    for row in run_exports(args.work_dir, args.port, cases):
        print(json.dumps(row, ensure_ascii=False))


def run_exports(work_dir, port, cases):
    """Serve ``work_dir``'s archive and download a CSV export for each (label, params); yields figure rows."""
    manage(work_dir, "shell", "-c", (
        "from django.contrib.auth import get_user_model; from articles.roles import assign_role; "
        f"u, _ = get_user_model().objects.get_or_create(username='bench_researcher'); u.set_password('{PASSWORD}'); "
        "u.save(); assign_role(u, 'researcher')"
    ))
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NEWSARCHIVE_DATA_DIR": str(work_dir)}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--nothreading", f"127.0.0.1:{port}"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(base)
        opener = login(base)
        yield {"server_rss_mb_after_login": peak_rss_mb(server.pid)}
        for label, params in cases:
            query = urllib.parse.urlencode({**params, "format": "csv", "confirm": "1", "sort": "newest"})
            # The confirmation page says how many rows the export has (its first request opens the index).
            started = time.perf_counter()
            confirm = opener.open(f"{base}/export/?{query.replace('confirm=1', 'confirm=')}").read().decode()
            confirm_ms = (time.perf_counter() - started) * 1000
            rows = int(re.search(r'data-rows="(\d+)"', confirm).group(1))
            # The server and the processes it starts (export workers and their fork server).
            sampler = MemorySampler(0.2, root=server.pid)
            sampler.start()
            started = time.perf_counter()
            with opener.open(f"{base}/export/?{query}") as response:
                first_byte = time.perf_counter() - started
                while response.read(1 << 16):
                    pass  # drained, not parsed: the server's speed is measured, not the client's
            elapsed = time.perf_counter() - started
            sampler.stop()
            yield {
                "export": label,
                "rows": rows,
                "seconds": round(elapsed, 2),
                "rows_per_second": round(rows / elapsed),
                "first_byte_ms": round(first_byte * 1000),
                "confirm_page_ms": round(confirm_ms),
                "server_peak_rss_mb": peak_rss_mb(server.pid),
                "server_and_workers_peak_rss_mb": round(sampler.peak_total_kb / 1024),
                "server_processes": len(sampler.peaks),
            }
    finally:
        server.terminate()
        server.wait()

if __name__ == "__main__":
    main()
