"""Compile locale/*/LC_MESSAGES/django.po to .mo with polib (no GNU gettext needed on the machine)."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def compile_catalogs(locale_dirs=None):
    """Write each django.po's .mo beside it when missing or older; returns the paths written."""
    written = []
    for folder in locale_dirs or settings.LOCALE_PATHS:
        for po_path in sorted(Path(folder).glob("*/LC_MESSAGES/django.po")):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            written.append(mo_path)
    return written


class Command(BaseCommand):
    help = "Compile the project's translation catalogues (locale/*/LC_MESSAGES/django.po) to .mo files."

    def handle(self, *args, **options):
        for path in compile_catalogs():
            self.stdout.write(f"compiled {path}")
