"""Story grouping on real stories: how many, the largest, and labelled pairs' precision and recall.

Imports SaudiNewsNet days from ../shared/data/saudinewsnet/ through the import
pipeline into a throw-away archive (default: 2015-07-21 to 2015-07-23, the
days the labelled pairs come from), then prints as JSON lines:

- articles, stories, articles in stories, and how many stories have 2, 3-5,
  6-9 and 10 or more versions;
- the largest stories: size, outlets, and the lead's title;
- precision and recall of "same story" over the labelled pairs of
  bench/story_labels.py (two articles are predicted the same story when the
  import put them in one): the sampled pairs' tuning half, held-out half and
  all of them, and the reported case's pairs;
- whether the two demo samples (one story retold by an aggregator), imported
  with the days, are one story.

    python bench/stories.py [--days N] [--work-dir DIR] [--reuse] [--largest K]

``--reuse`` reads an archive imported by an earlier run instead of importing again.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("SHARED_DIR", REPO.parent / "shared"))
CORPUS_DIR = SHARED_DIR / "data" / "saudinewsnet"
sys.path.insert(0, str(REPO))

from bench.story_labels import REPORTED, SAMPLED, split  # noqa: E402

DEMO_SAMPLES = sorted((REPO / "articles" / "demo").glob("*.txt"))


def size_band(size):
    return "2" if size == 2 else "3-5" if size <= 5 else "6-9" if size <= 9 else "10+"


def precision_recall(pairs, story_of):
    """{"pairs", "precision", "recall", ...} of "same story" for (url, url, same) pairs."""
    counts = Counter()
    missing = 0
    for first, second, same in pairs:
        if first not in story_of or second not in story_of:
            missing += 1
            continue
        predicted = story_of[first] is not None and story_of[first] == story_of[second]
        counts[("true" if predicted == same else "false") + ("_positive" if predicted else "_negative")] += 1
    tp, fp, fn = counts["true_positive"], counts["false_positive"], counts["false_negative"]
    return {
        "pairs": sum(counts.values()), "same_story": tp + fn, "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None, "false_positives": fp, "false_negatives": fn,
        "not_imported": missing,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "newsarchive-bench" / "stories")
    parser.add_argument("--reuse", action="store_true", help="read the archive an earlier run imported")
    parser.add_argument("--days", type=int, default=3, help="import the first N daily zips")
    parser.add_argument("--largest", type=int, default=10, help="list this many of the largest stories")
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR, help="the folder of SaudiNewsNet zips")
    args = parser.parse_args()
    os.environ.pop("DATABASE_URL", None)
    os.environ["SEARCH_ENGINE"] = "whoosh"
    os.environ["NEWSARCHIVE_DATA_DIR"] = str(args.work_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count

    from articles.importing.pipeline import import_paths
    from articles.models import Article, Story

    figures = {}
    if not (args.reuse and (args.work_dir / "archive.sqlite3").exists()):
        shutil.rmtree(args.work_dir, ignore_errors=True)
        args.work_dir.mkdir(parents=True)
        call_command("migrate", verbosity=0)
        zips = sorted(args.corpus.glob("*.zip"))[: args.days]
        if not zips:
            sys.exit(f"No SaudiNewsNet zips in {args.corpus}")
        started = time.perf_counter()
        # The two demo samples (a channel's report and an aggregator's rewrite) must still be one story.
        job = import_paths(zips + DEMO_SAMPLES)
        figures.update(zips=[path.name for path in zips], imported=job.imported, duplicates=job.duplicates,
                       failed=job.failed, import_seconds=round(time.perf_counter() - started, 1))
    sizes = list(Story.objects.annotate(n=Count("articles")).filter(n__gt=0).values_list("n", flat=True))
    figures.update(
        articles=Article.objects.count(), stories=len(sizes), articles_in_stories=sum(sizes),
        stories_by_size={band: n for band, n in sorted(Counter(map(size_band, sizes)).items())},
    )
    print(json.dumps(figures, ensure_ascii=False))

    largest = Story.objects.annotate(n=Count("articles")).order_by("-n", "pk")[: args.largest]
    for story in largest.select_related("lead__source"):
        outlets = Counter(Article.objects.filter(story=story).values_list("source__name", flat=True))
        print(json.dumps({"story": story.pk, "versions": story.n, "outlets": len(outlets),
                          "lead": story.lead.title if story.lead else None}, ensure_ascii=False))

    story_of = dict(Article.objects.exclude(url="").values_list("url", "story_id"))
    tuning, held_out = split(SAMPLED)
    for name, pairs in [("sampled, tuning half", tuning), ("sampled, held-out half", held_out), ("sampled, all", SAMPLED),
                        ("the reported case", REPORTED)]:
        print(json.dumps({"labelled_pairs": name, **precision_recall(pairs, story_of)}, ensure_ascii=False))
    samples = [Article.objects.filter(import_file__name__endswith=path.name).values_list("story_id", flat=True).first()
               for path in DEMO_SAMPLES]
    print(json.dumps({"demo_samples_one_story": len(samples) == 2 and samples[0] is not None
                      and samples[0] == samples[1]}))


if __name__ == "__main__":
    main()
