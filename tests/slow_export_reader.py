"""An export reader that takes its time over each slice, so a test can stop a worker in the middle of one.

A module of its own: export workers unpickle it by name.
"""

import time

from articles.search.service import ExportReader


class SlowExportReader(ExportReader):
    def rows(self, hits, start=0, chunk_size=1000):
        time.sleep(0.3)
        return super().rows(hits, start, chunk_size)
