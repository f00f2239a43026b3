"""Whoosh's posting pool, grouped by word instead of sorted posting by posting.

A Whoosh writer keeps every posting of a segment as a (field, word, document,
weight, value) tuple, sorts them all, and when its memory limit fills writes
the sorted tuples to a temporary file, to be merged again at the commit.
Profiled on the SaudiNewsNet corpus, that sorting, writing and re-reading
was about half of all indexing time (an article gives some 600 postings).

This pool keeps the postings of each (field, word) together in the order
they come, which is document order: a segment's documents are added in
order, and the segments a merge reads come one after another. Only the
distinct words are sorted, once; when the memory limit fills, the groups
are written to a temporary file in word order and merged by word at the
end. It yields exactly the stream Whoosh's pool yields, so the segment
written is the same.

A run is written as marshalled chunks of many words, each behind its
length: ``marshal.load`` from a file reads every bytes object through a
Python-level ``readinto`` call, which made re-reading the runs a tenth of a
real import's CPU; ``marshal.loads`` of a chunk read whole is six times faster.
"""

import marshal

from whoosh.writing import PostingPool, SegmentWriter

from articles.search.codec import merge_word_groups

# Estimated bytes held per distinct word and per posting (Python objects).
WORD_BYTES = 200
POSTING_BYTES = 120
# Words per marshalled chunk of a run: few enough that a run being merged holds little.
RUN_CHUNK_WORDS = 2000
_CHUNK_LENGTH_BYTES = 8


class GroupedPostingPool(PostingPool):
    def __init__(self, tempstore, segment, limitmb=128, **kwargs):
        super().__init__(tempstore, segment, limitmb=limitmb, **kwargs)
        self.groups = {}  # (field, word bytes) -> [(document, weight, value bytes), ...]

    def add(self, item):
        fieldname, tbytes, docnum, weight, vbytes = item
        key = (fieldname, tbytes)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = []
            self.fieldnames.add(fieldname)
            self.currentsize += WORD_BYTES + len(tbytes)
        group.append((docnum, weight, vbytes))
        self.currentsize += POSTING_BYTES + (len(vbytes) if vbytes else 0)
        if self.currentsize > self.limit:
            self.save()

    def _sorted_groups(self):
        for key in sorted(self.groups):
            yield key, self.groups[key]

    def save(self):
        if not self.groups:
            return
        path, handle = self._new_run()
        with handle:
            entries = list(self._sorted_groups())
            for start in range(0, len(entries), RUN_CHUNK_WORDS):
                chunk = marshal.dumps(entries[start:start + RUN_CHUNK_WORDS])
                handle.write(len(chunk).to_bytes(_CHUNK_LENGTH_BYTES, "little"))
                handle.write(chunk)
        self.runs.append(path)
        self.groups = {}
        self.currentsize = 0

    def _read_groups(self, path):
        with self._open_run(path) as handle:
            while header := handle.read(_CHUNK_LENGTH_BYTES):
                for key, group in marshal.loads(handle.read(int.from_bytes(header, "little"))):
                    yield tuple(key), group
        self._remove_run(path)

    def word_groups(self):
        """Every word's postings, ((field, word bytes), [(document, weight, value), ...]) in word order."""
        sources = [self._read_groups(path) for path in self.runs] + [self._sorted_groups()]
        self.runs = []
        # Runs were written in document order: for one word, earlier runs hold earlier documents.
        yield from merge_word_groups(sources)
        self.groups = {}

    def items(self, maxfiles=None):
        """Every posting as Whoosh's pool gives it: sorted by field, word, then document."""
        for (fieldname, tbytes), group in self.word_groups():
            for docnum, weight, vbytes in group:
                yield fieldname, tbytes, docnum, weight, vbytes

    def iter_postings(self):
        return GroupedPostings(self)

    def reduce_to(self, target, k):
        raise NotImplementedError("GroupedPostingPool serves writers that finish their own segments")

    def cleanup(self):
        for path in self.runs:
            try:
                self._remove_run(path)
            except OSError:
                pass
        self.runs = []
        self.groups = {}


class GroupedPostings:
    """The pool's postings, one by one as Whoosh reads them, or by word (``groups``) for
    ``codec.ArchiveFieldWriter``, which then skips flattening and regrouping them."""

    def __init__(self, pool):
        self.pool = pool
        self._items = None

    def groups(self):
        return self.pool.word_groups()

    def __iter__(self):
        return self

    def __next__(self):
        if self._items is None:
            self._items = self.pool.items()
        return next(self._items)


def use_grouped_pool(writer):
    """Give a new Whoosh writer (nothing added yet) the grouped pool, with the same memory limit."""
    old = writer.pool
    if isinstance(old, GroupedPostingPool):
        return
    assert not old.current and not old.runs, "the writer has postings already"
    writer.pool = GroupedPostingPool(writer._tempstorage, writer.newsegment, limitmb=old.limit / (1024 * 1024))


class GroupedSegmentWriter(SegmentWriter):
    """Whoosh's segment writer with the grouped pool."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        use_grouped_pool(self)
