"""Writing search results as CSV, JSON Lines and Excel, one row at a time.

Researchers export whole result sets (100,000 rows and more), so every writer
takes any iterable of rows and never holds more than one batch: a generator
over a queryset's ``iterator()`` goes in, text chunks or a file come out. The
views and the management command choose the rows; this module only writes.

Spreadsheets execute cells that look like formulas, and our text comes from
outside (titles, authors, bodies), so CSV and XLSX cells go through
``neutralise`` (OWASP "CSV Injection"). JSON Lines is for programs and keeps
text exactly as stored.
"""

import json
import re
from collections import deque, namedtuple
from datetime import date


from articles.search.highlight import HighlightTerms, plain_snippet

# ``kind`` tells the writers which native type a column holds: JSON writes
# null and Excel an empty cell for an empty non-text value, and Excel gets
# real dates and numbers.
Column = namedtuple("Column", "key header arabic_header kind", defaults=("text",))

COLUMNS = [
    Column("id", "id", "المعرف", "int"),
    Column("external_id", "external_id", "المعرف الخارجي"),
    Column("title", "title", "العنوان"),
    Column("source", "source", "المصدر"),
    Column("original_source", "original_source", "المصدر الأصلي"),
    Column("publisher", "publisher", "الناشر"),
    Column("date", "date", "التاريخ", "date"),
    Column("date_precision", "date_precision", "دقة التاريخ"),
    Column("category", "category", "التصنيف"),
    Column("author", "author", "الكاتب"),
    Column("url", "url", "الرابط"),
    Column("story_id", "story_id", "معرف القصة", "int"),
    Column("is_story_lead", "is_story_lead", "رئيسية القصة", "bool"),
    Column("score", "score", "درجة الصلة", "float"),
    Column("rank", "rank", "الترتيب", "int"),
    Column("snippet", "snippet", "المقتطف"),
    Column("text", "text", "النص"),
]

BATCH_ROWS = 100
XLSX_DATE_FORMAT = "yyyy-mm-dd"
# Excel refuses longer cells (it reports the workbook as damaged).
XLSX_MAX_CELL = 32767
# The control characters XML cannot carry (openpyxl's ILLEGAL_CHARACTERS_RE).
XML_ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
XLSX_CUT_MARK = " …"


def columns(include_text=False, with_scores=True):
    """The columns to write: no score/rank when results are not ranked (sorted by date)."""
    skip = set()
    if not include_text:
        skip.add("text")
    if not with_scores:
        skip.update({"score", "rank"})
    return [column for column in COLUMNS if column.key not in skip]


def _name(source):
    return source.name if source is not None else ""


def article_row(article, rank=None, score=None, terms=None, include_text=False):
    """One article as {column key: value}; select_related source, original_source, story.

    ``source`` credits the outlet that wrote the story (the original when the
    text names one), ``publisher`` is the outlet this copy came from.
    """
    row = {
        "id": article.pk,
        "external_id": article.external_id,
        "title": article.title,
        "source": _name(article.original_source or article.source),
        "original_source": _name(article.original_source),
        "publisher": _name(article.source),
        "date": article.date.isoformat() if article.date else "",
        "date_precision": article.date_precision,
        "category": article.category,
        "author": article.author,
        "url": article.url,
        "story_id": article.story_id or "",
        "is_story_lead": bool(article.is_story_lead),
        "score": round(score, 4) if score is not None else "",
        "rank": int(rank) if rank is not None else "",
        # Without query words the passage is simply the opening of the body;
        # with them, it opens at the first match (see plain_snippet).
        "snippet": plain_snippet(article.body, terms if terms else HighlightTerms(), first_match=True),
    }
    if include_text:
        row["text"] = article.body
    return row


_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Whitespace and invisible format characters (bidi marks are common in Arabic
# text) that an importer may trim or a reader cannot see before a trigger.
_LEADING_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]*")


def neutralise(value):
    """The text a spreadsheet cell should hold for ``value``, never a formula.

    A string starting with = + - @ tab or CR gets a leading apostrophe, so it
    shows as written and cannot run. The check also looks past leading
    whitespace and invisible marks: some importers trim them (LibreOffice's
    "trim spaces", scripts that strip), and " =HYPERLINK(…)" must not become
    live there. Numbers and booleans are values, not text: written as they are.

    >>> neutralise("=1+2"), neutralise(" @SUM(A1)"), neutralise(-2), neutralise(None)
    ("'=1+2", "' @SUM(A1)", '-2', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        return str(value)
    if not value or value[0].isalnum():
        return value  # the common case (a letter or digit first), decided without a regex
    if value.startswith(_TRIGGERS) or value[_LEADING_INVISIBLE.match(value).end():].startswith(_TRIGGERS):
        return "'" + value
    return value



def _cells(row, cols):
    # row[key], not row.get: rows built without the text column but written
    # with it are a caller's bug and should fail, not export blanks.
    return [row[column.key] for column in cols]


def _neutralised_cells(row, cols):
    """``neutralise`` of every cell; text that starts with a letter or digit, most of it, without the call."""
    cells = _cells(row, cols)
    for i, value in enumerate(cells):
        if value.__class__ is not str or (value and not value[0].isalnum()):
            cells[i] = neutralise(value)
    return cells


def stream_csv(rows, columns, arabic_headers=False):
    """RFC 4180 CSV text chunks, header first, then BATCH_ROWS rows a chunk.

    The BOM comes once, before the header: Excel needs it to read UTF-8
    (Arabic is garbled without it), and pandas reads it with
    ``encoding="utf-8-sig"``. The header chunk is yielded before any row is
    read, so a streaming response starts at once. The caller encodes to UTF-8.
    """
    yield csv_header(columns, arabic_headers)
    lines = []
    for row in rows:
        lines.append(csv_line(_neutralised_cells(row, columns)))
        if len(lines) == BATCH_ROWS:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def csv_header(columns, arabic_headers=False):
    """The BOM and the header line (see ``stream_csv``)."""
    return "\ufeff" + csv_line([neutralise(c.arabic_header if arabic_headers else c.header) for c in columns])


def _csv_field(value):
    text = value if value.__class__ is str else str(value)
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def csv_line(cells):
    """One CSV record as ``csv.writer(quoting=QUOTE_MINIMAL, lineterminator="\\r\\n")`` writes it
    (a cell quoted when it holds a quote, comma or line break; ``None`` empty), a few times
    faster on long cells: the csv module copies a cell character by character, and a
    full-text export's bodies run to thousands of characters."""
    if len(cells) == 1 and cells[0] in ("", None):
        return '""\r\n'  # a lone empty cell, quoted, or the record would be an empty line
    try:
        line = ",".join(cells)
    except TypeError:  # a cell that is not text (None, a number)
        pass
    else:
        # Most records need no quoting at all: seen at once on the joined line.
        if line.count(",") == len(cells) - 1 and '"' not in line and "\n" not in line and "\r" not in line:
            return line + "\r\n"
    return ",".join(["" if cell is None else _csv_field(cell) for cell in cells]) + "\r\n"


# Line breaks that json.dumps leaves raw but str.splitlines() and some JSON
# Lines readers split on; escaped they stay one record per line.
_JSON_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def _native(value, column):
    if value == "" and column.kind != "text":
        return None
    return value


def stream_jsonl(rows, columns):
    """JSON Lines chunks: one object per row, keys in column order, native types.

    Empty dates, scores, ranks and story ids are null, not "".
    """
    lines = []
    for row in rows:
        record = {c.key: _native(v, c) for c, v in zip(columns, _cells(row, columns))}
        lines.append(json.dumps(record, ensure_ascii=False).translate(_JSON_LINE_BREAKS) + "\n")
        if len(lines) == BATCH_ROWS:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def _xlsx_value(value, column):
    if value == "" or value is None:
        return None
    if column.kind == "date":
        return value if isinstance(value, date) else date.fromisoformat(value)
    if not isinstance(value, str):
        return value
    # XML cannot carry most control characters; openpyxl would raise on them.
    value = neutralise(XML_ILLEGAL_CHARACTERS.sub("", value))
    if len(value) > XLSX_MAX_CELL:
        value = value[: XLSX_MAX_CELL - len(XLSX_CUT_MARK)] + XLSX_CUT_MARK
    return value


def write_xlsx(rows, columns, file, arabic_headers=False):
    """An Excel workbook with one sheet "results", saved into ``file`` (path or binary file).

    Write-only mode sends each row to a temporary file as it comes (strings
    inline, no shared-string table), so memory stays flat however many rows.
    Dates are real Excel dates, numbers are numbers, text is neutralised like
    CSV and cut to Excel's 32,767 characters a cell. Nothing can be sent
    before ``save``: the zip is assembled at the end.
    """
    # Imported here: openpyxl takes a noticeable part of a fresh process's first page.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("results")
    sheet.sheet_view.rightToLeft = bool(arabic_headers)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        header.append(WriteOnlyCell(sheet, value=neutralise(column.arabic_header if arabic_headers else column.header)))
        header[-1].font = bold
    sheet.append(header)
    for row in rows:
        cells = []
        for column, value in zip(columns, _cells(row, columns)):
            value = _xlsx_value(value, column)
            if column.kind == "date" and value is not None:
                value = WriteOnlyCell(sheet, value=value)
                value.number_format = XLSX_DATE_FORMAT
            cells.append(value)
        sheet.append(cells)
    workbook.save(file)


FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def search_rows(stream, include_text=False, on_row=None):
    """Rows for every result of a ``service.iter_search`` stream, in page order."""
    return _rows(stream.rows, stream.terms, stream.scored, include_text, on_row)


def _rows(articles, terms, scored, include_text, on_row=None):
    for rank, score, article in articles:
        if on_row:
            on_row()
        yield article_row(
            article,
            rank=rank if scored else None,
            score=score if scored else None,
            terms=terms,
            include_text=include_text,
        )


def export_chunks(stream, fmt, include_text=False, arabic_headers=False, on_row=None):
    """CSV (header first) or JSON Lines text chunks for every result of ``stream``, in page order.

    An export of at least ``EXPORT_PARALLEL_MIN_ROWS`` rows is written by
    ``EXPORT_PROCESSES`` worker processes, each reading its own slices of
    the results from the database and writing them, while this process
    passes the slices on in order: reading a body, finding its first match
    and writing its line take 60-100 µs a row, and one process is one core.
    """
    cols = columns(include_text=include_text, with_scores=stream.scored)
    processes = _export_processes(stream)
    if processes < 2:
        rows = search_rows(stream, include_text=include_text, on_row=on_row)
        yield from stream_csv(rows, cols, arabic_headers=arabic_headers) if fmt == "csv" else stream_jsonl(rows, cols)
        return
    if fmt == "csv":
        yield csv_header(cols, arabic_headers)
    job = _SliceJob(stream.reader, stream.terms, stream.scored, include_text, fmt, cols)
    for text, count in _parallel_slices(job, stream.hits, processes):
        if on_row:
            for _ in range(count):
                on_row()
        yield text


# Rows a worker reads and writes at a time: big enough that passing a slice
# between processes costs little, small enough that the slices in flight
# (two per worker) stay a few megabytes even with full text.
EXPORT_SLICE_ROWS = 1000


def _export_processes(stream):
    """How many worker processes write ``stream``'s export: 0 for this process alone."""
    from django.conf import settings
    from django.db import connections

    connection = connections["default"]
    if (
        settings.EXPORT_PROCESSES < 2
        or stream.total < max(1, settings.EXPORT_PARALLEL_MIN_ROWS)
        or stream.reader is None
        # Workers have connections of their own: they could not see rows of
        # an open transaction, nor a database held in this process's memory.
        or connection.in_atomic_block
        or (connection.vendor == "sqlite" and connection.is_in_memory_db())
    ):
        return 0
    return min(settings.EXPORT_PROCESSES, -(-stream.total // EXPORT_SLICE_ROWS))


_SliceJob = namedtuple("_SliceJob", "reader terms scored include_text fmt cols")
_worker_job = None


def _start_worker(database_name, pickled_job):
    """A worker process (Django is set up: ``export_workers``): the serving process's database, the job kept."""
    import pickle

    from django.db import connections

    global _worker_job
    connections["default"].settings_dict["NAME"] = database_name  # a test database, too
    _worker_job = pickle.loads(pickled_job)
    # Ready only when warm: until then the serving process writes the slices.
    _worker_job.reader.prime()
    if _worker_job.terms:
        _worker_job.terms.candidates, _worker_job.terms.written_candidates  # patterns compiled


def _write_slice(start, hits, job=None):
    """(text, rows written) of the results ``hits``, which begin at position ``start + 1``."""
    job = job or _worker_job
    rows = list(_rows(job.reader.rows(hits, start), job.terms, job.scored, job.include_text))
    if job.fmt == "csv":
        return "".join([csv_line(_neutralised_cells(row, job.cols)) for row in rows]), len(rows)
    return "".join(stream_jsonl(rows, job.cols)), len(rows)


def _worker_ready():
    return True


def _parallel_slices(job, hits, processes):
    """``_write_slice`` of every slice of ``hits``, in order, by ``processes`` workers and this process.

    Until the first worker is ready (the fork server's first start takes
    about a second), this process writes the slices itself. Then up to two slices a worker (and
    two more) are given out ahead, and while the next slice to pass on is
    not ready, this process writes the furthest one no worker has taken yet,
    so no core waits. A pool that breaks (a worker that cannot start or is
    killed) leaves the rest to this process; an error in a slice is raised.

    Workers are forked from a fork server that has set Django up
    (``export_workers``), never from this process: forking a threaded
    server can copy a lock another thread holds. However the consumer stops
    (an export finished, a download cancelled, an error), the workers are
    stopped before this returns.
    """
    import pickle
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import get_context

    from django.db import connections

    def here(start):
        return _write_slice(start, hits[start:start + EXPORT_SLICE_ROWS], job)

    database_name = str(connections["default"].settings_dict["NAME"])
    context = get_context("forkserver")
    context.set_forkserver_preload(["articles.export_workers"])
    pool = ProcessPoolExecutor(processes, mp_context=context, initializer=_start_worker,
                               initargs=(database_name, pickle.dumps(job)))
    starts = iter(range(0, len(hits), EXPORT_SLICE_ROWS))
    pending = deque()  # [start, Future or its result], in page order

    def give_out():
        while len(pending) < 2 * processes + 2:
            start = next(starts, None)
            if start is None:
                return
            entry = [start, None]  # queued before it is submitted: a pool that breaks on submit loses no slice
            pending.append(entry)
            entry[1] = pool.submit(_write_slice, start, hits[start:start + EXPORT_SLICE_ROWS])

    # The first worker's start waits for the fork server to set Django up:
    # asked for from a thread, while this process writes the first slices.
    starter = ThreadPoolExecutor(1)
    ready = starter.submit(lambda: pool.submit(_worker_ready).result())
    try:
        for start in starts:
            yield here(start)
            if ready.done():
                break
        if ready.exception() is not None:  # no worker could start
            raise BrokenProcessPool(ready.exception())
        give_out()
        while pending:
            head = pending[0]
            while isinstance(head[1], Future) and not head[1].done():
                taken = next((entry for entry in reversed(pending)
                              if isinstance(entry[1], Future) and entry[1].cancel()), None)
                if taken is None:
                    wait([head[1]], return_when=FIRST_COMPLETED)
                    break
                taken[1] = here(taken[0])
            written = head[1].result() if isinstance(head[1], Future) else head[1]
            pending.popleft()  # only now: a slice lost with a broken pool is written below
            yield written
            give_out()
    except BrokenProcessPool:
        # The pool waits for every worker before it shuts down; one still
        # starting when another died can keep it waiting for ever (Python 3.11).
        for process in list((pool._processes or {}).values()):
            process.kill()
        for entry in pending:
            yield entry[1] if isinstance(entry[1], tuple) else here(entry[0])
        for start in starts:
            yield here(start)
    finally:
        starter.shutdown(wait=True)
        pool.shutdown(wait=True, cancel_futures=True)


def export_search(stream, fmt, out, include_text=False, arabic_headers=False, on_row=None):
    """Write every result of ``stream`` to the binary file ``out`` as ``fmt``."""
    if fmt == "xlsx":
        cols = columns(include_text=include_text, with_scores=stream.scored)
        rows = search_rows(stream, include_text=include_text, on_row=on_row)
        write_xlsx(rows, cols, out, arabic_headers=arabic_headers)
        return
    for chunk in export_chunks(stream, fmt, include_text=include_text, arabic_headers=arabic_headers, on_row=on_row):
        out.write(chunk.encode("utf-8"))
