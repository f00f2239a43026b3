"""Keeping Whoosh's segments few without ever stalling an import.

Every commit writes a segment, and Whoosh's default policy (``MERGE_SMALL``)
may pick most of the index at any commit: at 260,000 articles one commit of
an import merged 23 segments (231,000 articles) for 37 minutes, through
temporary sort files, while nothing was imported. So:

- Writes commit with ``bounded_merge``: it merges only small segments (the
  residue of single-article saves and short imports), at most
  ``MERGE_MAX_DOCUMENTS`` documents at one commit, so no commit waits on a
  merge for more than seconds.
- Merging big segments is a separate, explicit step, ``optimise``: run by
  ``manage.py optimise_index`` and by the worker after an import that left
  more than ``MAX_SEGMENTS`` segments. It merges in steps of at most
  ``max_documents`` (releasing the write lock between steps, so an admin's
  save waits for one step, not the whole) and says what it is doing through
  ``on_stage``. Searches go on meanwhile on the previous segments.
- Merges stream the segments' postings, already sorted, into the new segment
  (a k-way merge of each word's postings, read a block at a time) instead of
  re-sorting them through the writer's pool and temporary files as Whoosh's
  ``add_reader`` does.
"""

import os

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from articles.search.codec import WordGroups, merge_word_groups


def _env_int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


# A commit merges at most this many documents of small segments.
MERGE_MAX_DOCUMENTS = _env_int("WHOOSH_MERGE_MAX_DOCUMENTS", 10_000)
# A segment is small (merged at commits) below this many documents.
SMALL_SEGMENT_DOCUMENTS = MERGE_MAX_DOCUMENTS // 4
# Small segments are merged once there are this many (merging at every
# commit would rewrite the same documents again and again).
MERGE_MIN_SEGMENTS = 4
# After an import, the worker optimises when more segments than this remain,
# in steps of at most OPTIMISE_STEP_DOCUMENTS articles: a Whoosh merge
# rewrites every posting in Python (about as costly as indexing them), so
# each step holds the write lock for a bounded time.
MAX_SEGMENTS = _env_int("WHOOSH_MAX_SEGMENTS", 8)
OPTIMISE_STEP_DOCUMENTS = _env_int("WHOOSH_OPTIMISE_STEP_DOCUMENTS", 100_000)


def pick_small_segments(segments, max_documents=MERGE_MAX_DOCUMENTS):
    """The segments ``bounded_merge`` merges: the smallest, at most ``max_documents`` documents in all."""
    small = sorted((s for s in segments if s.doc_count_all() < SMALL_SEGMENT_DOCUMENTS), key=lambda s: s.doc_count_all())
    chosen, total = [], 0
    for segment in small:
        if total + segment.doc_count_all() > max_documents:
            break
        chosen.append(segment)
        total += segment.doc_count_all()
    return chosen if len(chosen) >= MERGE_MIN_SEGMENTS else []


def bounded_merge(writer, segments):
    """A Whoosh ``mergetype``: merge small segments only, never more than ``MERGE_MAX_DOCUMENTS`` documents."""
    chosen = pick_small_segments(segments)
    for segment in chosen:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    chosen_ids = {segment.segment_id() for segment in chosen}
    return [segment for segment in segments if segment.segment_id() not in chosen_ids]


def _word_groups(reader, fieldnames, startdoc, docmap):
    """A segment's postings by word, ((field, word), [new docnum, weight, value, new docnum, ...]), in the order a
    writer takes them.

    Read a block at a time from Whoosh 2.7's W3LeafMatcher (its ``_ids``,
    ``_weights`` and ``_values``, as ``docsets.read_postings`` does), not a
    posting at a time through the matcher's methods.
    """
    for fieldname in sorted(fieldnames):
        for btext in reader.lexicon(fieldname):
            matcher = reader.postings(fieldname, btext)
            deleted = frozenset()
            if isinstance(matcher, FilterMatcher):  # the segment's deleted documents
                deleted, matcher = matcher._ids, matcher.child
            postings = []
            if isinstance(matcher, W3LeafMatcher):
                while not matcher._atend:
                    matcher._read_ids()
                    matcher._read_weights()
                    matcher._read_values()
                    postings.extend(zip(matcher._ids, matcher._weights, matcher._values))
                    matcher._next_block()
            else:
                while matcher.is_active():
                    postings.append((matcher.id(), matcher.weight(), matcher.value()))
                    matcher.next()
            group = []
            for docnum, weight, value in postings:
                if docnum not in deleted:
                    group += (docmap[docnum] if docmap is not None else startdoc + docnum, weight, value)
            if group:
                yield (fieldname, btext), group


def merge_segments(index, pick, timeout=0.0, delay=0.05, codec=None):
    """Merge the segments ``pick(segments)`` chooses into one, streaming their postings.

    Returns the number of documents merged (0 when ``pick`` chose fewer than two).
    """
    writer = SegmentWriter(index, timeout=timeout, delay=delay, codec=codec)
    readers = []
    try:
        chosen = pick(writer.segments)
        if len(chosen) < 2:
            writer.cancel()
            return 0
        schema = writer.schema
        streams = []
        for segment in chosen:
            reader = SegmentReader(writer.storage, schema, segment)
            readers.append(reader)
            fieldnames = set(schema.names()) | {name for name in reader.indexed_field_names() if name in schema}
            startdoc = writer.docnum
            docmap = writer.write_per_doc(fieldnames, reader)
            indexed = [name for name in fieldnames if name in reader.indexed_field_names()]
            streams.append(_word_groups(reader, indexed, startdoc, docmap))
        writer.perdocwriter.close()
        lengths = writer.per_document_reader() if writer.codec.length_stats else None
        writer.fieldwriter.add_postings(schema, lengths, WordGroups(merge_word_groups(streams)))
        writer.fieldwriter.close()
        if lengths:
            lengths.close()
        writer._close_segment()
        writer._assemble_segment()
        chosen_ids = {segment.segment_id() for segment in chosen}
        kept = [segment for segment in writer.segments if segment.segment_id() not in chosen_ids]
        for reader in readers:
            reader.close()
        readers = []
        writer._commit_toc(kept + [writer.get_segment()])
        writer._finish()
        return sum(segment.doc_count() for segment in chosen)
    except BaseException:
        for reader in readers:
            reader.close()
        if not writer.is_closed:
            writer.cancel()
        raise


def optimise(index, max_documents=None, on_stage=None, timeout=0.0, codec=None):
    """Merge the index's segments, in steps of at most ``max_documents`` (None: all into one).

    Each step takes the smallest segments that fit and commits; the write
    lock is released between steps. Returns the number of steps.
    """

    def pick(segments):
        ordered = sorted(segments, key=lambda s: s.doc_count_all())
        chosen, total = [], 0
        for segment in ordered:
            if max_documents and chosen and total + segment.doc_count_all() > max_documents:
                break
            chosen.append(segment)
            total += segment.doc_count_all()
        if on_stage and len(chosen) > 1:
            on_stage(f"merging {len(chosen)} of {len(segments)} index segments ({total:,} articles)")
        return chosen

    steps = 0
    while merge_segments(index, pick, timeout=timeout, codec=codec):
        steps += 1
        index = index.refresh()
    if on_stage:
        on_stage(f"index optimised: {len(index._segments())} segments")
    return steps
