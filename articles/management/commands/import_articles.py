from django.core.management.base import BaseCommand, CommandError

from articles.importing.pipeline import BATCH_SIZE, import_paths


class Command(BaseCommand):
    help = "Import article files (text, Markdown, JSON Lines) or folders of them."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        report = import_paths(options["paths"], batch_size=options["batch_size"], on_file=self.write_file_report)
        self.write(
            f"{report.imported} imported, {report.duplicates} duplicates, {report.failed} failed "
            f"in {len(report.files)} files",
            level=0,
        )
        if not report.ok:
            raise CommandError("Some files or records failed to import; see the report above.")

    def write(self, message, level=1, style=None):
        if self.verbosity >= level:
            self.stdout.write(style(message) if style else message)

    def write_file_report(self, file_report):
        if file_report.error:
            self.write(f"FAILED     {file_report.name}: {file_report.error}", level=0, style=self.style.ERROR)
            return
        self.write(
            f"{'ok' if file_report.ok else 'PARTIAL':10} {file_report.name}: {len(file_report.imported)} imported, "
            f"{len(file_report.duplicates)} duplicates, {len(file_report.failed)} failed"
        )
        for origin, existing in file_report.duplicates:
            self.write(f"  duplicate  {origin}: same as article {existing}", level=2)
        for origin, message in file_report.failed:
            self.write(f"  failed     {origin}: {message}", level=0, style=self.style.ERROR)
