"""Zip archives of article files, opened defensively, one member at a time.

An admin uploads a zip of a newsroom export; the same upload box takes zips
from anywhere, so nothing in one is trusted: member names may climb out of
the folder ("../../x"), headers may understate sizes, a kilobyte may expand
to gigabytes. Each member is checked and read alone, in chunks, stopping as
soon as it passes a limit, and at most one member's bytes are in memory at a
time. A bad member fails alone (yielded with its ``FileError``); an archive
that cannot be read, or is too big as a whole, raises ``FileError``.
"""

import io
import zipfile
import zlib

from articles.importing.readers import MAX_FILE_BYTES, FileError

MAX_ARCHIVE_BYTES = 2 * 1024 * 1024 * 1024  # all members together, expanded
MAX_ARCHIVE_MEMBERS = 100_000
MAX_RATIO = 100  # text deflates 3 to 10 times; a thousandfold is a bomb
RATIO_FLOOR = 1024 * 1024  # smaller members may be as repetitive as they like: they cannot hurt
CHUNK_BYTES = 1024 * 1024

CORRUPT_ARCHIVE = "الملف المضغوط تالف أو مقطوع / the zip file is corrupt or truncated"
UNSAFE = "مسار غير آمن داخل الملف المضغوط / unsafe path inside the zip"
ENCRYPTED = "الملف مشفّر بكلمة مرور / the member is encrypted (password-protected)"
CORRUPT_MEMBER = "الملف تالف / corrupt member"


class _ArchiveTooBig(FileError):
    """Raised while reading a member, but about the whole archive."""

    def __init__(self):
        super().__init__(
            f"الملف المضغوط أكبر من الحد بعد فكّه / the zip expands to more than {_mb(MAX_ARCHIVE_BYTES)} MB"
        )


def iter_zip_members(name, data):
    """``(path, bytes)`` for each file in the zip, or ``(path, FileError)`` for one that cannot be taken.

    Paths read "archive.zip/folder/file.txt". Folders, macOS "__MACOSX/"
    resource forks and dot-files (".DS_Store") are skipped silently.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise FileError(CORRUPT_ARCHIVE) from None
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise FileError(
            f"الملف المضغوط يحوي ملفات كثيرة جدًّا / the zip has {len(members):,} members, "
            f"more than {MAX_ARCHIVE_MEMBERS:,}"
        )
    if sum(member.file_size for member in members) > MAX_ARCHIVE_BYTES:
        raise _ArchiveTooBig()
    expanded = 0  # counted from what is actually read, not from the headers
    with archive:
        for member in members:
            parts = _parts(member.filename)
            if parts is None:
                yield f"{name}/{member.filename}", FileError(UNSAFE)
                continue
            if member.is_dir() or not parts or _hidden(parts):
                continue
            path = "/".join([name, *parts])
            try:
                content = _read_member(archive, member, MAX_ARCHIVE_BYTES - expanded)
            except _ArchiveTooBig:
                raise
            except FileError as error:
                yield path, error
                continue
            expanded += len(content)
            yield path, content


def _parts(filename):
    """The member's path as folder names, or None when it would land outside the folder it is unpacked into."""
    filename = filename.replace("\\", "/")  # zips made on Windows
    first = filename.split("/")[0]
    if filename.startswith("/") or (len(first) == 2 and first[1] == ":"):  # "/etc/x", "C:/x"
        return None
    parts = [part for part in filename.split("/") if part not in ("", ".")]
    if ".." in parts:
        return None
    return parts


def _hidden(parts):
    return parts[0] == "__MACOSX" or any(part.startswith(".") for part in parts)


def _read_member(archive, member, archive_room):
    """The member's bytes, read in chunks and abandoned as soon as a limit is passed, whatever the header said."""
    if member.flag_bits & 0x1:
        raise FileError(ENCRYPTED)
    compressed = member.compress_size
    _check_size(member.file_size, compressed)
    chunks = []
    size = 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                size += len(chunk)
                if size > archive_room:
                    raise _ArchiveTooBig()
                _check_size(size, compressed)
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):  # a bad CRC or a broken deflate stream
        raise FileError(CORRUPT_MEMBER) from None
    except NotImplementedError:
        raise FileError("طريقة ضغط غير مدعومة / unsupported compression method") from None
    except RuntimeError:  # zipfile's word for "needs a password" when the flag was missing
        raise FileError(ENCRYPTED) from None
    return b"".join(chunks)


def _check_size(size, compressed):
    if size >= RATIO_FLOOR and size > MAX_RATIO * max(compressed, 1):
        raise FileError(
            f"رُفض: يبدو قنبلة ضغط / refused: looks like a zip bomb "
            f"(compressed {_kb(compressed)} KB expands to {_mb(size)} MB)"
        )
    if size > MAX_FILE_BYTES:
        raise FileError(f"الملف أكبر من الحد / the file is larger than {_mb(MAX_FILE_BYTES)} MB")


def _kb(size):
    return max(1, round(size / 1024))


def _mb(size):
    return round(size / (1024 * 1024))
