import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.search.service import SORTS, search_articles


def read_queries(path):
    """(id, text) pairs from a file of one query per line, or JSON Lines {"id","text"}."""
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}")
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                data = json.loads(line)
                yield str(data["id"]), str(data["text"])
            except (json.JSONDecodeError, KeyError, TypeError):
                raise CommandError(f"{path}:{number}: expected a JSON object with \"id\" and \"text\"")
        else:
            yield str(number), line


class Command(BaseCommand):
    help = "Search the archive and print ranked results (for scripts and evaluation)."

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="?", default=None)
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--sort", choices=sorted(SORTS), default="relevance")
        parser.add_argument("--queries", metavar="FILE", help="one query per line, or JSON Lines {\"id\",\"text\"}")

    def handle(self, *args, **options):
        if bool(options["query"]) == bool(options["queries"]):
            raise CommandError("Give either a QUERY or --queries FILE.")
        if options["limit"] < 1:
            raise CommandError("--limit must be at least 1.")
        if options["queries"]:
            for query_id, text in read_queries(options["queries"]):
                outcome = search_articles(text, limit=options["limit"], sort=options["sort"], highlight=False)
                ranked = [dict(zip(self.COLUMNS[:4], self.row(r, rank))) for rank, r in enumerate(outcome.results, 1)]
                self.stdout.write(json.dumps({"id": query_id, "results": ranked}, ensure_ascii=False))
            return
        outcome = search_articles(options["query"], limit=options["limit"], sort=options["sort"], highlight=False)
        for problem in outcome.problems:
            self.stderr.write(problem)
        rows = [self.row(result, rank) for rank, result in enumerate(outcome.results, 1)]
        if options["format"] == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(self.COLUMNS)
            writer.writerows(rows)
        else:
            self.stdout.write(
                json.dumps(
                    {
                        "query": outcome.text,
                        "total": outcome.total,
                        "fallback": outcome.fallback,
                        "results": [dict(zip(self.COLUMNS, row)) for row in rows],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )

    COLUMNS = ("rank", "id", "external_id", "score", "title", "source", "date")

    @staticmethod
    def row(result, rank):
        article = result.object
        return (
            rank,
            article.pk,
            article.external_id,
            round(float(result.score), 4),
            article.title,
            article.source.name if article.source else "",
            article.date.isoformat() if article.date else "",
        )
