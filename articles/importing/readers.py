"""Reading article files into records: one reader per format.

A reader yields ``Record`` objects, or ``RecordError`` for a record it could
not read (a bad line in a JSON Lines file fails alone). A file it cannot read
at all raises ``FileError`` with a message for the person who sent it.
"""

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

# Files larger than this are refused before reading: an article file is small.
MAX_FILE_BYTES = 200 * 1024 * 1024


class FileError(Exception):
    """The whole file cannot be imported; the message says why, for an admin."""


@dataclass
class RecordError:
    origin: str
    message: str


@dataclass
class Record:
    origin: str  # where it came from, for the report: "file.jsonl:12"
    title: str
    body: str
    source: str = ""
    date: date = None
    url: str = ""
    author: str = ""
    external_id: str = ""
    title_derived: bool = False


def read_text(path):
    data = path.read_bytes()
    if not data.strip():
        raise FileError("الملف فارغ / the file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileError(
            f"الملف ليس نصًّا بترميز UTF-8 (بايت غير صالح في الموضع {error.start}) / "
            f"not UTF-8 text (invalid byte at position {error.start})"
        )
    if "\x00" in text:
        raise FileError("الملف ثنائي وليس نصًّا / the file is binary, not text")
    return text


_SENTENCE_END = re.compile(r"[.!?؟。]\s|[.!?؟]$|\n")
HEADLINE_WORDS = 12


def derive_headline(body):
    """A short headline from the first sentence, for articles without a title line."""
    first = _SENTENCE_END.split(body.strip(), maxsplit=1)[0].strip()
    words = first.split()
    if len(words) > HEADLINE_WORDS:
        return " ".join(words[:HEADLINE_WORDS]) + " …"
    return first


def split_title(text):
    """(title, body, derived): the first line is a title when a blank line follows it."""
    lines = text.strip().splitlines()
    if len(lines) > 2 and not lines[1].strip() and len(lines[0]) <= 300:
        return lines[0].strip(), "\n".join(lines[2:]).strip(), False
    body = text.strip()
    return derive_headline(body), body, True


def read_text_file(path):
    title, body, derived = split_title(read_text(path))
    yield Record(origin=path.name, title=title, body=body, title_derived=derived)


def parse_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return datetime.utcfromtimestamp(value).date()
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValueError(f"تاريخ غير مفهوم / unreadable date {value!r}")


def record_from_mapping(data, origin):
    if not isinstance(data, dict):
        return RecordError(origin, "السجل ليس كائن JSON / the record is not a JSON object")
    body = str(data.get("text") or "").strip()
    if not body:
        return RecordError(origin, "السجل بلا نص / the record has no text")
    title = str(data.get("title") or "").strip()
    try:
        published = parse_date(data.get("date"))
    except ValueError as error:
        return RecordError(origin, str(error))
    return Record(
        origin=origin,
        title=title or derive_headline(body),
        title_derived=not title,
        body=body,
        source=str(data.get("source") or "").strip(),
        date=published,
        url=str(data.get("url") or "").strip(),
        author=str(data.get("author") or "").strip(),
        external_id=str(data.get("id") or "").strip(),
    )


def read_jsonl_file(path):
    text = read_text(path)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        origin = f"{path.name}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            yield RecordError(origin, f"سطر JSON غير صالح / invalid JSON: {error.msg} (column {error.colno})")
            continue
        yield record_from_mapping(data, origin)


READERS = {
    ".txt": read_text_file,
    ".md": read_text_file,
    ".jsonl": read_jsonl_file,
}


def reader_for(path):
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise FileError(f"نوع ملف غير مدعوم / unsupported file type {path.suffix or '(none)'}; supported: {known}")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise FileError(f"الملف أكبر من الحد / the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    return reader
