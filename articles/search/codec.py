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

Writing a segment's postings was the other half of a commit: Whoosh's
``add_postings`` handles each posting through four calls and looks up its
document's field length one ``struct`` read at a time (an article gives
some 450 postings). ``ArchiveFieldWriter`` reads each field's lengths whole
once and adds a word's postings as a group, block by block; the blocks,
their statistics and the term table are Whoosh's.

A block's data (ids, weights, positions) is pickled with protocol 3, where
Whoosh uses protocol 2: protocol 2 writes each posting's positions (bytes)
as a call of ``_codecs.encode`` on a string, which made pickling a fifth of
a commit, reading a block back six times slower, and the block twice the
size. ``pickle.loads`` reads either, so Whoosh reads these segments as its
own; ``docsets`` reads both in place.
"""

import heapq
import itertools
import pickle
import zlib
from array import array
from operator import itemgetter, sub

import numpy as np
from whoosh import columns
from whoosh.codec.base import OutOfOrderError
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter, W3PerDocReader, \
    W3PerDocWriter, W3PostingsWriter, W3TermInfo, _lenfield
from whoosh.filedb.filetables import _lengths as _HASH_ROW_LENGTHS
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

# How a posting block's data is pickled (see the module's docstring); its info stays protocol 2, as Whoosh's.
BLOCK_DATA_PROTOCOL = 3

# Whoosh's one-byte field length, decoded; None where the byte is 0 (no length), as Whoosh reads it.
_LENGTH_OF_BYTE = [None] + [byte_to_length(b) for b in range(1, 256)]


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


def fixed_column(reader, doccount):
    """A whole numeric column of one segment as a numpy array (raw values, the default past its end).

    Whoosh reads such a column one value at a time through ``struct``; an
    archive of 300,000 articles took seconds per column to open.
    """
    typecode = np.dtype(">" + reader._typecode)
    count = min(reader._count, doccount)
    values = np.full(doccount, reader._default, dtype=typecode.newbyteorder("="))
    if count:
        values[:count] = np.frombuffer(reader._dbfile.get(reader._basepos, count * typecode.itemsize), dtype=typecode)
    return values


class _FieldLengths:
    """Each document's length in a field, as Whoosh's ``doc_field_length`` gives it, read whole per field."""

    def __init__(self, perdoc):
        self.perdoc = perdoc
        self.fields = {}

    def __call__(self, fieldname):
        if fieldname not in self.fields:
            self.fields[fieldname] = self._read(fieldname)
        return self.fields[fieldname]

    def _read(self, fieldname):
        perdoc = self.perdoc
        if perdoc is None:
            return None  # no lengths: Whoosh counts 0 for every document
        if not isinstance(perdoc, W3PerDocReader):
            count = perdoc.doc_count_all()
            return [perdoc.doc_field_length(docnum, fieldname) for docnum in range(count)]
        count = perdoc.doc_count_all()
        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return None
        return [_LENGTH_OF_BYTE[b] for b in fixed_column(column, count).tolist()]


def _grouped(items):
    """Whoosh's posting stream (field, word, document, weight, value) as ((field, word), postings) groups,
    each word's postings one flat list: document, weight, value, document, ..."""
    for key, postings in itertools.groupby(items, key=lambda item: (item[0], item[1])):
        group = []
        for _, _, docnum, weight, value in postings:
            group += (docnum, weight, value)
        yield key, group


def merge_word_groups(sources):
    """Word-group streams, each in word order, merged by word: a word in several comes once, its
    postings joined in source order (the sources hold earlier documents first)."""
    if len(sources) == 1:
        yield from sources[0]
        return
    for key, parts in itertools.groupby(heapq.merge(*sources, key=itemgetter(0)), key=itemgetter(0)):
        group = next(parts)[1]
        for _, more in parts:
            group = group + more
        yield key, group


class WordGroups:
    """Postings grouped by word, ((field, word bytes), [document, weight, value, document, ...]) in word order:
    what ``ArchiveFieldWriter.add_postings`` takes whole; any other field writer reads them one by one."""

    def __init__(self, groups):
        self._groups = groups

    def groups(self):
        return self._groups

    def __iter__(self):
        for (fieldname, btext), postings in self._groups:
            for docnum, weight, value in zip(postings[0::3], postings[1::3], postings[2::3]):
                yield fieldname, btext, docnum, weight, value


class ArchivePostingsWriter(W3PostingsWriter):
    def add_group(self, postings, lengths):
        """``add_posting`` for each of a word's ``postings`` (document, weight, value, document, ...),
        a block's worth at a time."""
        limit = self._blocklimit
        all_ids, all_weights, all_values = postings[0::3], postings[1::3], postings[2::3]
        start, count = 0, len(all_ids)
        while start < count:
            if len(self._ids) >= limit:
                self._write_block()
            end = start + limit - len(self._ids)
            ids, weights = all_ids[start:end], all_weights[start:end]
            self._ids.extend(ids)
            self._weights.extend(weights)
            heaviest = max(weights)
            if heaviest > self._maxweight:
                self._maxweight = heaviest
            self._values.extend(filter(None, all_values[start:end]))
            start = end
            if lengths is not None:
                known = [size for size in map(lengths.__getitem__, ids) if size]
                if known:
                    shortest, longest = min(known), max(known)
                    if self._minlength is None or shortest < self._minlength:
                        self._minlength = shortest
                    if longest > self._maxlength:
                        self._maxlength = longest

    def _write_block(self, last=False):
        """Whoosh 2.7's ``_write_block``, its bytes made by ``_block_bytes``."""
        self._terminfo.add_block(self)
        self._postfile.write(_block_bytes(self, self._format, self._ids, self._weights, self._values, self._maxweight,
                                          self._minlength, self._maxlength, first=not self._blockcount, last=last))
        self._blockcount += 1
        self._new_block()


def _block_bytes(postwriter, format_, ids, weights, values, maxweight, minlength, maxlength, first, last):
    """A posting block of ``postwriter`` (its id kind and compression) for a field of ``format_``, as
    Whoosh 2.7's ``_write_block`` writes it (with its ``_mini_*`` minifying), the data pickled with ``BLOCK_DATA_PROTOCOL``; ``weights`` an array of 32-bit floats, ``values``
    the non-empty ones. Preceded by the term's header when ``first``; the length is negative when
    ``last``. One bytes object: one write."""
    count = len(weights)
    if weights.count(1.0) == count:
        mini_weights = None
    elif weights.count(weights[0]) == count:
        mini_weights = weights[0]
    else:
        mini_weights = tuple(weights)
    # Whoosh's delta_encode, in C.
    mini_ids = tuple(ids) if postwriter._byteids else tuple(map(sub, ids, itertools.chain((0,), ids)))
    fixedsize = format_.fixed_value_size()
    if fixedsize is None or fixedsize < 0:
        mini_values = tuple(values)
    elif fixedsize == 0:
        mini_values = None
    else:
        mini_values = b"".join(values)
    databytes = pickle.dumps((mini_ids, mini_weights, mini_values), BLOCK_DATA_PROTOCOL)
    compression = postwriter._compression
    if compression:
        databytes = zlib.compress(databytes, compression)
    infobytes = pickle.dumps((count, ids[-1], maxweight, compression, length_to_byte(minlength),
                              length_to_byte(maxlength)), 2)
    blocklength = len(infobytes) + len(databytes)
    return b"".join((WHOOSH3_HEADER_MAGIC if first else b"", pack_int(-blocklength if last else blocklength),
                     infobytes, databytes))


class _CountedFile:
    """A file being written whose position is counted, not asked of the system.

    Whoosh asks a segment's postings and term files for their position
    several times per word (``tell``), and a buffered file's ``tell`` is a
    system call: a thirteenth of a writer's CPU on real articles.
    """

    def __init__(self, file):
        self._file = file
        self._position = file.tell()

    def write(self, data):
        written = self._file.write(data)
        self._position += written
        return written

    def tell(self):
        return self._position

    def seek(self, *args):
        self._position = self._file.seek(*args)
        return self._position

    def __getattr__(self, name):
        return getattr(self._file, name)


class ArchiveFieldWriter(W3FieldWriter):
    def _create_file(self, ext):
        structfile = super()._create_file(ext)
        structfile.file = _CountedFile(structfile.file)
        return structfile

    def add_postings(self, schema, lengths, items):
        """Whoosh's ``add_postings``, a word at a time; ``items`` may offer ``groups()`` (the grouped pool).

        (Whoosh's version also skips postings of document -1, which Whoosh
        2.5 made for spelling words; Whoosh 2.7 writes none.)
        """
        groups = items.groups() if hasattr(items, "groups") else _grouped(items)
        field_lengths = _FieldLengths(lengths)
        lastkey = lastfield = None
        for key, postings in groups:
            fieldname, btext = key
            if lastkey is not None and key <= lastkey:
                raise OutOfOrderError(f"{lastkey!r} .. {key!r}")
            lastkey = key
            if fieldname != lastfield:
                if lastfield is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                lastfield = fieldname
                lengths_of_field = field_lengths(fieldname)
            postwriter = self._postwriter
            if postwriter._inlinelimit * 3 <= len(postings) <= postwriter._blocklimit * 3:
                self._add_one_block_term(btext, postings, lengths_of_field)
            else:
                self.start_term(btext)
                postwriter.add_group(postings, lengths_of_field)
                self.finish_term()
        if lastfield is not None:
            self.finish_field()

    def _add_one_block_term(self, btext, postings, lengths):
        """``start_term``, ``add_group`` and ``finish_term`` for a word whose postings make one block (most
        words): the block, its statistics and the term's row in one pass, without the posting writer's
        per-block state. A word's per-call overhead was half of writing a segment."""
        ids = postings[0::3]
        weights = array("f", postings[1::3])  # stored as 32-bit floats, and summed as such
        if lengths is not None and (known := [size for size in map(lengths.__getitem__, ids) if size]):
            minlength, maxlength = min(known), max(known)
        else:
            minlength, maxlength = None, 0
        maxweight = max(0, max(weights))
        postfile = self._postfile
        offset = postfile.tell()
        postfile.write(_block_bytes(self._postwriter, self._format, ids, weights, list(filter(None, postings[2::3])),
                                    maxweight, minlength, maxlength, first=True, last=True))
        extent = postfile.tell() - offset
        row = W3TermInfo._struct.pack(False, sum(weights), len(ids), length_to_byte(minlength),
                                      length_to_byte(maxlength), maxweight, ids[0], ids[-1]) \
            + pack_long(offset) + pack_int(extent)
        self._add_term_row(pack_ushort(self._fieldid) + btext, row)

    def _add_term_row(self, key, row):
        """Whoosh's ``OrderedHashWriter.add`` (the term table), its three writes made one."""
        table = self._tindex
        if key <= table.lastkey:
            raise ValueError(f"Keys must increase: {table.lastkey!r}..{key!r}")
        dbfile = table.dbfile
        position = dbfile.tell()
        table.index.append(position)
        dbfile.write(b"".join((_HASH_ROW_LENGTHS.pack(len(key), len(row)), key, row)))
        hashed = table.hashfn(key)
        table.buckets[hashed & 255].append((hashed, position))
        table.lastkey = key


class ArchiveCodec(W3Codec):
    def __init__(self):
        super().__init__(compression=0)

    def field_writer(self, storage, segment):
        return ArchiveFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return ArchivePostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                     compression=self._compression, inlinelimit=self._inlinelimit)

    def per_document_writer(self, storage, segment):
        return _PerDocWriter(self, storage, segment)

    def new_segment(self, storage, indexname):
        segment = super().new_segment(storage, indexname)
        segment._codec = W3Codec()  # how it is read: Whoosh's own codec
        return segment
