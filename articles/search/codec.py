"""Whoosh's own index format (W3), written without zlib's set-up cost.

On the machines measured, every ``zlib.compress`` call cost 0.3-0.9 ms
however small its input: setting up a compressor with the default 32 KB
window and memory level dominates. Whoosh calls it once per stored document
and once per posting block, which made compression about a third of an
index commit. This codec writes the same format: posting blocks
uncompressed (the format's "compression 0", readable by any Whoosh), stored
fields as zlib streams made with a small window and memory level (about ten
times cheaper to start; ``zlib.decompress`` reads them as before). Segments
record Whoosh's plain W3 codec, so they are read exactly as before and the
index stays a plain Whoosh index.
"""

import zlib

from whoosh import columns
from whoosh.codec.whoosh3 import W3Codec, W3PerDocWriter


def _quick_compress(data, level):
    compressor = zlib.compressobj(1, zlib.DEFLATED, 9, 1)
    return compressor.compress(data) + compressor.flush()


class _QuickCompressedBytesColumn(columns.CompressedBytesColumn):
    class Writer(columns.CompressedBytesColumn.Writer):
        def __init__(self, dbfile, level, module):
            super().__init__(dbfile, level, module)
            self._compress = _quick_compress


_STORED_COLUMN = columns.PickleColumn(_QuickCompressedBytesColumn())


class _PerDocWriter(W3PerDocWriter):
    def _create_column(self, fieldname, column):
        super()._create_column(fieldname, _STORED_COLUMN if fieldname == "_stored" else column)


class ArchiveCodec(W3Codec):
    def __init__(self):
        super().__init__(compression=0)

    def per_document_writer(self, storage, segment):
        return _PerDocWriter(self, storage, segment)

    def new_segment(self, storage, indexname):
        segment = super().new_segment(storage, indexname)
        segment._codec = W3Codec()  # how it is read: Whoosh's own codec
        return segment
