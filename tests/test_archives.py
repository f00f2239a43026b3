"""Zip archives: members read one at a time, hostile archives refused, and the real corpus read whole.

No database: archives are pure functions of (name, bytes). Hostile zips are
crafted here, in memory.
"""

import collections
import io
import random
import struct
import zipfile

import pytest

from articles.importing import archives
from articles.importing.archives import iter_zip_members
from articles.importing.readers import FileError, Record, RecordError, read_file
from tests.base import SAUDINEWSNET

CORPUS = SAUDINEWSNET


def make_zip(members, compression=zipfile.ZIP_DEFLATED):
    """A zip in memory from {name: bytes}; a name ending in "/" is a folder entry."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def central_entry(data, index):
    """Offset of the index-th central directory entry, to forge its fields."""
    offset = -1
    for _ in range(index + 1):
        offset = data.index(b"PK\x01\x02", offset + 1)
    return offset


def members(name, data):
    """(path, bytes or the error's message) for each member."""
    return [(path, content if isinstance(content, bytes) else str(content))
            for path, content in iter_zip_members(name, data)]


def test_it_yields_every_file_with_its_folder_path_and_skips_the_rest():
    data = make_zip({
        "a.txt": "خبر".encode(),
        "july/": b"",
        "july/week1/b.jsonl": b'{"text": "x"}',
        "__MACOSX/july/._b.jsonl": b"\x00\x05\x16\x07",
        "july/.DS_Store": b"\x00\x00",
        ".git/config": b"[core]",
        "./c.csv": b"text\nx\n",
    })
    assert members("batch.zip", data) == [
        ("batch.zip/a.txt", "خبر".encode()),
        ("batch.zip/july/week1/b.jsonl", b'{"text": "x"}'),
        ("batch.zip/c.csv", b"text\nx\n"),
    ]


@pytest.mark.parametrize("unsafe", [
    "../../x.txt", "july/../../x.txt", "/etc/passwd", "C:/Windows/x.txt", "..\\..\\x.txt",
])
def test_it_refuses_a_member_whose_path_climbs_out_and_keeps_the_others(unsafe):
    data = make_zip({unsafe: b"evil", "ok.txt": b"fine"})
    found = members("batch.zip", data)
    assert found == [
        (f"batch.zip/{unsafe}", "مسار غير آمن داخل الملف المضغوط / unsafe path inside the zip"),
        ("batch.zip/ok.txt", b"fine"),
    ]


@pytest.mark.parametrize("data", [
    make_zip({"a.txt": b"x" * 5000})[:-30],  # cut inside the central directory
    make_zip({"a.txt": b"x" * 5000})[:40],
    b"PK\x03\x04 not really a zip",
    "خبر".encode(),
])
def test_it_refuses_a_corrupt_or_truncated_zip(data):
    with pytest.raises(FileError, match="the zip file is corrupt or truncated"):
        list(iter_zip_members("batch.zip", data))


def test_it_refuses_a_zip_bomb_from_its_header_without_expanding_it():
    """300 MB of zeros, written in chunks so the test stays small in memory; it compresses to about 1 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("a.txt", "خبر".encode())
        with archive.open("zeros.txt", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(bytes(1024 * 1024))
    found = members("bomb.zip", buffer.getvalue())
    assert found[0] == ("bomb.zip/a.txt", "خبر".encode())
    path, message = found[1]
    assert path == "bomb.zip/zeros.txt"
    assert message.startswith("رُفض: يبدو قنبلة ضغط / refused: looks like a zip bomb (compressed ")
    assert message.endswith("KB expands to 300 MB)")


def test_it_refuses_a_member_that_expands_more_than_a_hundredfold():
    found = members("a.zip", make_zip({"zeros.txt": bytes(5 * 1024 * 1024)}))
    assert "refused: looks like a zip bomb (compressed 5 KB expands to 5 MB)" in found[0][1]


def test_it_keeps_a_small_member_however_well_it_compresses():
    assert members("a.zip", make_zip({"spaces.txt": b" " * 100_000})) == [("a.zip/spaces.txt", b" " * 100_000)]


def test_it_refuses_a_member_larger_than_a_file_may_be(monkeypatch):
    monkeypatch.setattr(archives, "MAX_FILE_BYTES", 1024 * 1024)
    big = random.Random(0).randbytes(1024 * 1024 + 1)  # incompressible: too big, not a bomb
    found = members("a.zip", make_zip({"big.txt": big, "small.txt": b"ok"}))
    assert found == [("a.zip/big.txt", "الملف أكبر من الحد / the file is larger than 1 MB"), ("a.zip/small.txt", b"ok")]


def test_it_does_not_trust_a_header_that_understates_the_size():
    data = bytearray(make_zip({"a.txt": b"ok", "zeros.txt": bytes(5 * 1024 * 1024)}))
    entry = central_entry(data, 1)
    data[entry + 24:entry + 28] = struct.pack("<I", 1000)  # "uncompressed size: 1000 bytes"
    found = members("a.zip", bytes(data))
    assert found[0] == ("a.zip/a.txt", b"ok")
    assert found[1][0] == "a.zip/zeros.txt" and isinstance(found[1][1], str)  # refused, never expanded


def test_it_refuses_an_encrypted_member():
    data = bytearray(make_zip({"secret.txt": b"x" * 100, "ok.txt": b"ok"}))
    entry = central_entry(data, 0)
    data[entry + 8] |= 0x1  # the "encrypted" flag
    assert members("a.zip", bytes(data)) == [
        ("a.zip/secret.txt", "الملف مشفّر بكلمة مرور / the member is encrypted (password-protected)"),
        ("a.zip/ok.txt", b"ok"),
    ]


def test_it_refuses_a_corrupt_member_and_keeps_the_others():
    data = bytearray(make_zip({"a.txt": b"first article text", "b.txt": b"second"}, zipfile.ZIP_STORED))
    at = data.index(b"first article text")
    data[at] ^= 0xFF  # the stored bytes no longer match their CRC
    assert members("a.zip", bytes(data)) == [("a.zip/a.txt", "الملف تالف / corrupt member"), ("a.zip/b.txt", b"second")]


def test_it_refuses_an_archive_with_too_many_members(monkeypatch):
    monkeypatch.setattr(archives, "MAX_ARCHIVE_MEMBERS", 3)
    data = make_zip({f"{n}.txt": b"x" for n in range(4)})
    with pytest.raises(FileError, match="the zip has 4 members, more than 3"):
        list(iter_zip_members("a.zip", data))


def test_it_refuses_an_archive_that_expands_past_its_limit(monkeypatch):
    monkeypatch.setattr(archives, "MAX_ARCHIVE_BYTES", 1024 * 1024)
    data = make_zip({"a.txt": b"a" * 600_000, "b.txt": b"b" * 600_000}, zipfile.ZIP_STORED)
    with pytest.raises(FileError, match="the zip expands to more than 1 MB"):
        list(iter_zip_members("a.zip", data))


def test_it_hands_on_a_nested_zip_which_is_then_refused_by_type():
    inner = make_zip({"a.txt": b"x"})
    [(path, content)] = iter_zip_members("outer.zip", make_zip({"inner.zip": inner}))
    assert (path, content) == ("outer.zip/inner.zip", inner)
    with pytest.raises(FileError, match="unsupported file type .zip"):
        list(read_file(path, content))


def test_it_reads_the_saudinewsnet_corpus_whole():
    """Every one of the 31,030 articles comes out: as a record (297 of them headline only), or (57 with
    neither title nor text) as a "no text" error."""
    if not CORPUS.is_dir():
        pytest.skip(f"the corpus is not at {CORPUS}")
    zips = sorted(CORPUS.glob("*.zip"))
    counts = collections.Counter()
    for path in zips:
        for member, content in iter_zip_members(path.name, path.read_bytes()):
            assert isinstance(content, bytes), (member, content)
            for item in read_file(member, content):
                counts[type(item).__name__] += 1
                if isinstance(item, RecordError):
                    assert item.message == "السجل بلا نص / the record has no text"
                else:
                    assert isinstance(item, Record) and item.body and item.encoding == "utf-8"
    assert len(zips) == 18
    assert counts == {"Record": 30_973, "RecordError": 57}
