import signal
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.importing.pipeline import BATCH_SIZE, import_paths
from articles.importing.report import describe_file
from articles.importing.safety import terminal_safe
from articles.search.indexing import optimise_index
from articles.search.merging import MAX_SEGMENTS, OPTIMISE_STEP_DOCUMENTS


class Command(BaseCommand):
    help = "Import article files (text, Markdown, JSON, JSON Lines, CSV/TSV, HTML), folders and zips of them."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--no-optimise", action="store_true",
            help="do not merge the index's segments afterwards (manage.py optimise_index does it later)",
        )

    def handle(self, *args, **options):
        # A supervisor's SIGTERM ends the import like Ctrl-C: the job is
        # marked failed with the reason, and what was saved is indexed.
        signal.signal(signal.SIGTERM, _stop)
        self.verbosity = options["verbosity"]
        show_progress = not options["no_progress"] and self.verbosity > 0
        with tqdm(unit=" records", disable=not show_progress, file=self.stderr, dynamic_ncols=True) as self.bar:
            job = import_paths(
                options["paths"],
                batch_size=options["batch_size"],
                on_file=self.write_file_report,
                on_records=self.bar.update,
                on_stage=self.bar.set_description_str,
            )
            if not options["no_optimise"]:
                optimise_index(max_documents=OPTIMISE_STEP_DOCUMENTS, on_stage=self.bar.set_description_str,
                               when_over=MAX_SEGMENTS)
        for import_file in job.files.filter(status="failed", parent=None):
            if not import_file.original:  # refused before reading, so not reported yet
                self.write_file_report(import_file)
        self.write(
            f"{job.imported} imported, {job.duplicates} duplicates, {job.failed} failed "
            f"in {job.files.exclude(status='archive').count()} files (import {job.pk})",
            level=0,
        )
        if job.failed:
            raise CommandError("Some files or records failed to import; see the report above.")

    def write(self, message, level=1, style=None):
        if self.verbosity >= level:
            # File and member names come from uploads: their control
            # characters are shown, not obeyed by the terminal.
            message = terminal_safe(message)
            # tqdm writes the line and its end separately; Django's wrapper
            # would add a newline to each, so write to the stream it wraps.
            tqdm.write(style(message) if style else message, file=getattr(self.stdout, "_out", self.stdout))

    def write_file_report(self, import_file):
        failed = import_file.status == "failed"
        lines = describe_file(import_file, details=self.verbosity >= 2)
        self.write(lines[0], level=0 if failed else 1, style=self.style.ERROR if failed else None)
        for line in lines[1:]:
            self.write("  " + line, level=0 if "failed" in line else 2)


def _stop(signum, frame):
    sys.exit(128 + signum)
