from django.core.management.base import BaseCommand

from articles.search.indexing import optimise_index, segment_count


class Command(BaseCommand):
    help = (
        "Merge the search index's segments (imports leave several; searches are faster on few). "
        "Searching goes on meanwhile; other index writes wait for each step."
    )

    def add_arguments(self, parser):
        parser.add_argument("--max-documents", type=int, default=None,
                            help="merge in steps of at most this many articles (default: all into one segment)")

    def handle(self, *args, **options):
        self.stdout.write(f"{segment_count()} index segments")
        optimise_index(max_documents=options["max_documents"], on_stage=self.stdout.write)
        self.stdout.write(f"{segment_count()} index segments")
