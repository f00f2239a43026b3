from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.exporting import FORMATS, export_search
from articles.models import ExportLog
from articles.search.service import SORTS, SearchFilters, iter_search
from articles.importing.dates import parse_date_value


def iso_date(value):
    found = parse_date_value(value)
    if not found:
        raise CommandError(f"Not a date: {value!r} (use YYYY-MM-DD).")
    return found.date


class Command(BaseCommand):
    help = "Export every result of a search (with its filters and sort) as CSV, JSON Lines or Excel."

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="?", default="")
        parser.add_argument("--source", action="append", default=[], help="a source name (repeatable)")
        parser.add_argument("--category", action="append", default=[], help="a category (repeatable)")
        parser.add_argument("--from", dest="date_from", type=iso_date)
        parser.add_argument("--to", dest="date_to", type=iso_date)
        parser.add_argument("--sort", choices=sorted(SORTS), default="relevance")
        parser.add_argument("--format", choices=sorted(FORMATS), default="csv")
        parser.add_argument("-o", "--output", required=True, metavar="FILE")
        parser.add_argument("--text", action="store_true", help="include each article's full text")
        parser.add_argument("--arabic-headers", action="store_true")
        parser.add_argument("--user", help="record the export under this username")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        filters = SearchFilters(
            sources=tuple(options["source"]), categories=tuple(options["category"]),
            date_from=options["date_from"], date_to=options["date_to"],
        )
        if not options["query"] and not filters:
            raise CommandError("Give a query, a filter, or both.")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user named {options['user']!r}.")
        stream = iter_search(options["query"], sort=options["sort"], filters=filters, include_text=options["text"])
        log = ExportLog.objects.create(
            user=user, query=options["query"], filters=filters.as_json(), sort=options["sort"],
            format=options["format"], include_text=options["text"], rows=stream.total,
        )
        disable = options["no_progress"] or options["verbosity"] == 0
        with open(options["output"], "wb") as out, tqdm(
            total=stream.total, unit=" rows", disable=disable, file=self.stderr
        ) as bar:
            export_search(stream, options["format"], out, include_text=options["text"],
                          arabic_headers=options["arabic_headers"], on_row=lambda: bar.update())
        log.mark_finished()
        self.stdout.write(f"{stream.total} rows written to {options['output']} (export {log.pk})")

