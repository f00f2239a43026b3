"""One index writer on real articles: what adding and committing cost per article.

The first ``--articles`` SaudiNewsNet articles (../shared/data/saudinewsnet,
or ``SHARED_DIR``), each as the archive indexes it (its text in the surface
and the stem field), go through one of the archive's index writers
(``pool.GroupedSegmentWriter`` with ``codec.ArchiveCodec``, the writer memory
of ``WHOOSH_WRITER_MEMORY_MB``) and, in the same run, through Whoosh's own
``SegmentWriter`` and codec with the same schema, memory and documents.
Prints, per writer, the CPU milliseconds per article of ``add_document`` and
of ``commit`` (the segment written), and the index's size. A writer
process of an import does this work for its share of the articles, so this
is where to see a change to the pool or the codec without the rest of an import.

    .venv/bin/python bench/index_writer.py [--articles 6000] [--work-dir DIR]
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def documents(count):
    from articles.search.analysis import STEM_SUFFIX
    from scale import real_articles

    found = []
    for n, record in enumerate(real_articles()):
        if n >= count:
            break
        text = f"{record.get('title') or ''}\n{record.get('content') or ''}"
        found.append({"id": f"articles.article.{n}", "django_ct": "articles.article", "django_id": str(n),
                      "text": text, "text" + STEM_SUFFIX: text})
    return found


def timed_writer(name, folder, schema, docs, make_writer):
    from whoosh import index

    folder.mkdir()
    ix = index.create_in(str(folder), schema)
    writer = make_writer(ix)
    started = time.process_time()
    for doc in docs:
        writer.add_document(**doc)
    added = time.process_time()
    writer.commit()
    committed = time.process_time()
    size = sum(path.stat().st_size for path in folder.iterdir())
    return {"writer": name, "articles": len(docs),
            "add_ms_per_article": round((added - started) * 1000 / len(docs), 3),
            "commit_ms_per_article": round((committed - added) * 1000 / len(docs), 3),
            "index_mb": round(size / 1e6, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=6000)
    parser.add_argument("--work-dir", type=Path)
    args = parser.parse_args()
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="bench-writer-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    os.environ["NEWSARCHIVE_DATA_DIR"] = str(work_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    import django

    django.setup()
    from haystack import connections
    from whoosh.codec.whoosh3 import W3Codec
    from whoosh.writing import SegmentWriter

    from articles.search.backend import WRITER_CODEC, WRITER_MEMORY_MB
    from articles.search.pool import GroupedSegmentWriter

    backend = connections["default"].get_backend()
    backend.setup()
    docs = documents(args.articles)
    writers = [
        ("archive", lambda ix: GroupedSegmentWriter(ix, limitmb=WRITER_MEMORY_MB, codec=WRITER_CODEC)),
        ("whoosh", lambda ix: SegmentWriter(ix, limitmb=WRITER_MEMORY_MB, codec=W3Codec())),
    ]
    for name, make_writer in writers:
        print(json.dumps(timed_writer(name, work_dir / f"index-{name}", backend.schema, docs, make_writer)), flush=True)


if __name__ == "__main__":
    main()
