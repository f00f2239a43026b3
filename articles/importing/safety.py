"""Values from files made safe to store on any database, and to print.

Whatever a file holds, what reaches the database must be storable on SQLite
and PostgreSQL alike: PostgreSQL refuses NUL characters in text and JSON,
neither stores a lone UTF-16 surrogate (``"\\udc80"`` in JSON decodes to
one), and PostgreSQL refuses a value longer than its column where SQLite
would keep it. So text is cleaned and cut here, before any duplicate check
compares it, and never by the database.
"""

import hashlib
import re
from dataclasses import fields, replace

# Lone surrogates (a valid pair never survives decoding as two code points)
# and NUL, which PostgreSQL cannot store.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# C0 and C1 control characters but tab and newline, and ESC sequences as a
# whole: printed raw they move the cursor or recolour an admin's terminal.
_TERMINAL_UNSAFE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def storable(text, max_length=None):
    """``text`` without NUL and lone surrogates (a surrogate becomes U+FFFD), cut to ``max_length``."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)
    return text[:max_length] if max_length is not None else text


def storable_name(text, max_length):
    """A path or name made ``storable`` and, when too long, cut in the middle so its end (the file name) stays."""
    text = storable(text)
    if len(text) <= max_length:
        return text
    keep = max_length - 1
    return f"{text[:keep // 2]}…{text[-(keep - keep // 2):]}"


def storable_json(value):
    """A JSON-able value (lists, dicts, strings) with every string made ``storable``."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, list):
        return [storable_json(item) for item in value]
    if isinstance(value, dict):
        return {storable(key): storable_json(item) for key, item in value.items()}
    return value


def fit_identifier(value, max_length):
    """An external id that fits its column and stays unique.

    Ids longer than the column keep their beginning and end with a digest
    of the whole id, so two ids that differ only past the cut stay two ids
    (and the same long id always maps to the same stored one).
    """
    value = storable(value).strip()
    if len(value) <= max_length:
        return value
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:24]
    return f"{value[:max_length - len(digest) - 1]}~{digest}"


def storable_record(record):
    """A reader's ``Record`` with every text field ``storable``."""
    changes = {f.name: storable(getattr(record, f.name)) for f in fields(record)
               if isinstance(getattr(record, f.name), str)}
    return replace(record, **changes)


def terminal_safe(text):
    """``text`` with control characters and escape sequences shown, not obeyed (``\\x1b[31m`` → ``\\x1b[31m`` as text)."""
    return _TERMINAL_UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))
