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

A word's postings are one flat list, document, weight, value, document, ...
(``codec.py`` reads it in strides): a tuple per posting held four times
the memory, and a writer that fills its memory limit later writes fewer
temporary runs to merge again at its commit.

A run is written as marshalled chunks of many words, each behind its
length: ``marshal.load`` from a file reads every bytes object through a
Python-level ``readinto`` call, which made re-reading the runs a tenth of a
real import's CPU; ``marshal.loads`` of a chunk read whole is six times faster.
"""

import marshal

from whoosh.writing import PostingPool, SegmentWriter

from articles.search.codec import merge_word_groups

# Estimated bytes held per distinct word and per posting (Python objects;
# a posting is three pointers in its word's list, its weight and value
# objects mostly shared, see analysis._postings).
WORD_BYTES = 200
POSTING_BYTES = 40
# Words per marshalled chunk of a run: few enough that a run being merged holds little.
RUN_CHUNK_WORDS = 2000
_CHUNK_LENGTH_BYTES = 8


class GroupedPostingPool(PostingPool):
    def __init__(self, tempstore, segment, limitmb=128, **kwargs):
        super().__init__(tempstore, segment, limitmb=limitmb, **kwargs)
        self.words = {}  # field -> {word bytes: [document, weight, value bytes, document, ...]}

    def add(self, item):
        fieldname, tbytes, docnum, weight, vbytes = item
        self.add_field(fieldname, docnum, ((tbytes, 0, weight, vbytes),), 1.0, False)

    def add_field(self, fieldname, docnum, items, boost, scorable):
        """A document's postings in one field (``field.index``'s (word, frequency, weight, value)
        items), weights times ``boost``; returns the field's length (0 unless ``scorable``).
        ``GroupedSegmentWriter.add_document`` calls it once per field, where Whoosh's writer
        calls ``add`` with a tuple per posting (some 600 an article)."""
        words = self.words.get(fieldname)
        if words is None:
            words = self.words[fieldname] = {}
            self.fieldnames.add(fieldname)
        length = size = 0
        for tbytes, freq, weight, vbytes in items:
            length += freq
            group = words.get(tbytes)
            if group is None:
                group = words[tbytes] = []
                size += WORD_BYTES + len(tbytes)
            group += (docnum, weight if boost == 1 else weight * boost, vbytes)
            size += POSTING_BYTES + (len(vbytes) if vbytes else 0)
        self.currentsize += size
        if self.currentsize > self.limit:
            self.save()
        return length if scorable else 0

    def _sorted_groups(self):
        for fieldname in sorted(self.words):
            words = self.words[fieldname]
            for tbytes in sorted(words):
                yield (fieldname, tbytes), words[tbytes]

    def save(self):
        if not self.words:
            return
        path, handle = self._new_run()
        with handle:
            entries = list(self._sorted_groups())
            for start in range(0, len(entries), RUN_CHUNK_WORDS):
                chunk = marshal.dumps(entries[start:start + RUN_CHUNK_WORDS])
                handle.write(len(chunk).to_bytes(_CHUNK_LENGTH_BYTES, "little"))
                handle.write(chunk)
        self.runs.append(path)
        self.words = {}
        self.currentsize = 0

    def _read_groups(self, path):
        with self._open_run(path) as handle:
            while header := handle.read(_CHUNK_LENGTH_BYTES):
                for key, group in marshal.loads(handle.read(int.from_bytes(header, "little"))):
                    yield tuple(key), group
        self._remove_run(path)

    def word_groups(self):
        """Every word's postings, ((field, word bytes), [document, weight, value, document, ...]) in word order."""
        sources = [self._read_groups(path) for path in self.runs] + [self._sorted_groups()]
        self.runs = []
        # Runs were written in document order: for one word, earlier runs hold earlier documents.
        yield from merge_word_groups(sources)
        self.words = {}

    def items(self, maxfiles=None):
        """Every posting as Whoosh's pool gives it: sorted by field, word, then document."""
        for (fieldname, tbytes), group in self.word_groups():
            for docnum, weight, vbytes in zip(group[0::3], group[1::3], group[2::3]):
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
        self.words = {}


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


def add_document(writer, fields):
    """Whoosh 2.7's ``SegmentWriter.add_document``, each field's postings handed to the grouped
    pool at once (``GroupedPostingPool.add_field``): the writer's other work is Whoosh's, step for step."""
    writer._check_state()
    perdocwriter = writer.perdocwriter
    schema = writer.schema
    docnum = writer.docnum
    pool = writer.pool
    docboost = writer._doc_boost(fields)
    fieldnames = sorted([name for name in fields.keys() if not name.startswith("_")])
    writer._check_fields(schema, fieldnames)

    perdocwriter.start_doc(docnum)
    for fieldname in fieldnames:
        value = fields.get(fieldname)
        if value is None:
            continue
        field = schema[fieldname]
        length = 0
        if field.indexed:
            fieldboost = writer._field_boost(fields, fieldname, docboost)
            length = pool.add_field(fieldname, docnum, field.index(value), fieldboost, field.scorable)
        if field.separate_spelling():
            spellfield = field.spelling_fieldname(fieldname)
            for word in field.spellable_words(value):
                pool.add((spellfield, word.encode("utf-8"), 0, 1, None))
        vformat = field.vector
        if vformat:
            vitems = vformat.word_values(value, field.analyzer, mode="index")
            vitems = sorted((text, weight, vbytes) for text, _, weight, vbytes in vitems)
            perdocwriter.add_vector_items(fieldname, field, vitems)
        customval = fields.get("_stored_%s" % fieldname, value)
        perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
        column = field.column_type
        if column and customval is not None:
            perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
    perdocwriter.finish_doc()
    writer._added = True
    writer.docnum += 1


class GroupedSegmentWriter(SegmentWriter):
    """Whoosh's segment writer with the grouped pool."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        use_grouped_pool(self)

    def add_document(self, **fields):
        add_document(self, fields)
