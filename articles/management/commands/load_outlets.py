"""Load the directory of news outlets (articles/data/outlets.json, or --file) and bring the index in step."""

from django.core.management.base import BaseCommand

from articles.models import Article, Source, SourceAlias
from articles.outlets import DIRECTORY, load_directory, read_directory
from articles.search.indexing import reindex_articles


class Command(BaseCommand):
    help = "Add the outlets of the directory (feed code, Arabic name, country, domains, aliases) as sources."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DIRECTORY), help="a JSON list of outlets (default: the shipped one)")

    def handle(self, *args, file, **options):
        entries = read_directory(file)
        changed = load_directory(Source, SourceAlias, Article, entries)
        pending = list(Article.objects.filter(index_pending=True).values_list("pk", flat=True))
        if pending:
            reindex_articles(pending)
        self.stdout.write(f"{len(entries)} outlets; {len(changed)} sources renamed or merged; {len(pending)} articles reindexed")
