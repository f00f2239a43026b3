"""Reading uploaded bytes into records: encodings, every format, and the files that must be refused.

No database: readers are pure functions of (name, bytes or an open binary file).
"""

import codecs
import io
import json
import random
import socket

import pytest

from articles.importing import readers
from articles.importing.decoding import decode_bytes
from articles.importing.readers import FileError, FileNotice, Record, RecordError, read_file

LONG = (
    "أعلنت وزارة الصحة السعودية اليوم عن تسجيل حالات جديدة في عدد من مناطق المملكة. "
    "وقال المتحدث الرسمي باسم الوزارة إن الوضع تحت السيطرة، وإن الفرق الطبية تعمل على مدار الساعة. "
    "وأضاف أن المواطنين والمقيمين مطالبون بالالتزام بالتعليمات الصادرة عن الجهات المختصة."
)
SHORT = "مرحبا بالعالم"
HEADLINES = [
    "الرياض",
    "شواطئ تبوك تستقبل زوارها بأربعة مهرجانات",
    "نصر وهلال ولندن",
    "هجرات..",
    "أخبارهم",
    "سعود.. فقدٌ بلا حدود",
    "لماذا نحن منافقون؟ (2-2)",
    'الـ"Keek".. حتى لا يضحك العالم علينا!',
]


def read_all(name, data):
    return list(read_file(name, data))


def records(name, data):
    return [item for item in read_file(name, data) if isinstance(item, Record)]


def refusal(name, data):
    with pytest.raises(FileError) as error:
        read_all(name, data)
    return str(error.value)


# Encodings


@pytest.mark.parametrize("text, data, encoding", [
    (LONG, LONG.encode("utf-8"), "utf-8"),
    (LONG, codecs.BOM_UTF8 + LONG.encode("utf-8"), "utf-8-sig"),
    (LONG, LONG.encode("utf-16"), "utf-16"),  # with a BOM, in the machine's byte order
    (LONG, codecs.BOM_UTF16_BE + LONG.encode("utf-16-be"), "utf-16"),
    (LONG, LONG.encode("utf-16-le"), "utf-16-le"),  # Windows tools sometimes drop the BOM
    (LONG, LONG.encode("cp1256"), "windows-1256"),
    (SHORT, SHORT.encode("cp1256"), "windows-1256"),
    (LONG, LONG.encode("iso-8859-6"), "iso-8859-6"),
    (SHORT, SHORT.encode("iso-8859-6"), "iso-8859-6"),
    (LONG.replace("،", ","), LONG.replace("،", ",").encode("cp720"), "cp720"),  # DOS: no Arabic comma
])
def test_it_decodes_each_encoding_to_the_original_text(text, data, encoding):
    assert decode_bytes(data) == (text, encoding)


@pytest.mark.parametrize("headline", HEADLINES)
def test_it_never_reads_a_windows_1256_headline_as_another_code_page(headline):
    assert decode_bytes(headline.encode("cp1256")) == (headline, "windows-1256")


def test_it_reports_the_encoding_on_each_record():
    [record] = records("a.txt", LONG.encode("cp1256"))
    assert (record.body, record.encoding) == (LONG, "windows-1256")


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4,
    random.Random(1).randbytes(4000),
    bytes(random.Random(2).choices(range(1, 32), k=4000)),  # control characters, no NUL
    "".join(map(chr, range(1, 32))).encode("utf-16") * 10,
])
def test_it_refuses_binary_content_even_with_a_txt_extension(data):
    assert refusal("photo.txt", data) == "الملف ثنائي وليس نصًّا / the file is binary, not text"


@pytest.mark.parametrize("size", [12, 300, 20_000])
def test_it_refuses_text_whose_encoding_it_cannot_tell(size):
    noise = bytes(random.Random(size).choices(range(0x80, 0x100), k=size))
    assert "could not detect the file's text encoding with confidence" in refusal("a.txt", noise)


def test_it_refuses_a_utf8_bom_followed_by_invalid_utf8():
    assert "invalid byte at position 2" in refusal("a.txt", codecs.BOM_UTF8 + b"ok\xff")


# Whole-file refusals


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n", codecs.BOM_UTF8 + b" \n", codecs.BOM_UTF16_LE])
def test_it_refuses_an_empty_file(data):
    assert refusal("a.jsonl", data) == "الملف فارغ / the file is empty"


@pytest.mark.parametrize("name", ["report.pdf", "README", "batch.zip", "a.txt.exe"])
def test_it_refuses_an_unsupported_file_type(name):
    message = refusal(name, b"text")
    assert message.startswith("نوع ملف غير مدعوم / unsupported file type")
    assert ".jsonl" in message and ".csv" in message


def test_it_refuses_a_file_over_the_size_limit(monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 10)
    assert "larger than" in refusal("a.txt", b"x" * 11)


# Plain text and Markdown


@pytest.mark.parametrize("name", ["a.txt", "A.TXT", "notes.md", "notes.markdown", "batch.zip/july/a.Md"])
def test_it_reads_a_plain_text_article_whole_for_the_metadata_extractor(name):
    text = "عين الصقر\n\nالمصدر: الإخبارية\n\n" + LONG + "\n"
    [record] = read_all(name, text.encode())
    assert record == Record(origin=name, title="", body=text, encoding="utf-8", needs_extraction=True)


# JSON


ARTICLE = {"title": "عنوان", "text": "نص عن الرياض", "source": "سبق", "date": "2015-07-21", "url": "https://x.sa/1",
           "author": "كاتب", "category": "محليات", "id": "snn-1"}
EXPECTED = dict(title="عنوان", body="نص عن الرياض", source="سبق", date="2015-07-21", url="https://x.sa/1",
                author="كاتب", category="محليات", external_id="snn-1", encoding="utf-8")


def as_json(value):
    return json.dumps(value, ensure_ascii=False, indent=2).encode()


@pytest.mark.parametrize("document, origins", [
    (ARTICLE, ["a.json"]),
    ([ARTICLE, ARTICLE], ["a.json[0]", "a.json[1]"]),
    ({"articles": [ARTICLE]}, ["a.json[0]"]),
    ({"Items": [ARTICLE], "count": 1}, ["a.json[0]"]),
    ({"data": [ARTICLE, ARTICLE]}, ["a.json[0]", "a.json[1]"]),
    ({"exported_by": "cms", "stories": [ARTICLE]}, ["a.json[0]"]),
    ({**ARTICLE, "data": [1, 2]}, ["a.json"]),  # an article with a list in it is still one article
])
def test_it_reads_a_json_object_or_a_list_of_them(document, origins):
    found = [item for item in read_all("a.json", as_json(document)) if not isinstance(item, FileNotice)]
    assert found == [Record(origin=origin, **EXPECTED) for origin in origins]


@pytest.mark.parametrize("key, field", [
    *[(name, field) for field, names in readers.FIELD_NAMES.items() for name in names],
    (" Title ", "title"), ("HEADLINE", "title"), ("Published At", "date"), ("Canonical-URL", "url"),
])
def test_it_maps_every_known_key_to_its_field(key, field):
    item = {key: "قيمة"} if field == "body" else {"text": "نص", key: "قيمة"}
    [record] = read_all("a.jsonl", as_json(item).replace(b"\n", b""))
    assert getattr(record, field) == "قيمة"


def test_it_converts_values_as_given():
    item = {"content": ["فقرة أولى", "فقرة ثانية"], "categories": ["سياسة", "محليات"], "guid": 42,
            "published": 1437448292, "headline": None}
    [record] = read_all("a.json", as_json(item))
    assert (record.body, record.category, record.external_id, record.date) == (
        "فقرة أولى\n\nفقرة ثانية", "سياسة, محليات", "42", "1437448292")
    assert record.title == "فقرة أولى" and record.title_derived


def test_it_notes_unknown_columns_once_per_file():
    found = read_all("a.json", as_json([{**ARTICLE, "views": 3, "tags": []}, {**ARTICLE, "views": 4, "lang": "ar"}]))
    assert [type(item) for item in found] == [Record, Record, FileNotice]
    assert found[-1].message == "أعمدة غير معروفة تُجوهلت / unknown columns ignored: views, tags, lang"


def test_it_keeps_a_headline_only_record_with_its_headline_as_text():
    [record] = read_all("a.json", as_json([{"title": "خبر عاجل", "content": " "}]))
    assert (record.title, record.body) == ("خبر عاجل", "خبر عاجل")


def test_it_fails_a_record_without_text_or_not_an_object_alone():
    found = read_all("a.json", as_json([{"title": " ", "content": " "}, "نص", ARTICLE]))
    assert found[:2] == [
        RecordError("a.json[0]", "السجل بلا نص / the record has no text"),
        RecordError("a.json[1]", "السجل ليس كائن JSON / the record is not a JSON object"),
    ]
    assert found[2].origin == "a.json[2]"


def test_it_names_the_line_and_column_of_a_json_syntax_error():
    lines = ["["] + [json.dumps({"n": n, "text": "نص"}, ensure_ascii=False) + "," for n in range(5000)] + ["{}]"]
    lines[3998] = lines[3998].rstrip(",")  # line 3999 lacks its comma: line 4000 is unexpected
    message = refusal("big.json", "\n".join(lines).encode())
    assert message == (
        "JSON غير صالح في السطر 4000 العمود 1 / invalid JSON at line 4000, column 1: Expecting ',' delimiter"
    )


@pytest.mark.parametrize("document", ['"نص"', "42", "null"])
def test_it_refuses_json_that_holds_no_object(document):
    assert "no JSON object or array of objects" in refusal("a.json", document.encode())


# JSON Lines


@pytest.mark.parametrize("name", ["a.jsonl", "a.NDJSON"])
def test_it_fails_each_bad_json_line_alone_with_its_line_number(name):
    lines = [json.dumps(ARTICLE, ensure_ascii=False), "", '{"text": ', '{"author": "بلا نص"}', "[1]",
             json.dumps({**ARTICLE, "id": "snn-2"}, ensure_ascii=False)]
    found = read_all(name, "\n".join(lines).encode())
    assert [getattr(item, "origin", None) for item in found] == [f"{name}:{n}" for n in (1, 3, 4, 5, 6)]
    assert [type(item) for item in found] == [Record, RecordError, RecordError, RecordError, Record]
    assert "invalid JSON" in found[1].message and found[4].external_id == "snn-2"


# CSV and TSV


@pytest.mark.parametrize("name, delimiter", [("a.csv", ","), ("a.csv", ";"), ("a.csv", "\t"), ("a.tsv", "\t")])
def test_it_reads_csv_rows_with_a_sniffed_delimiter(name, delimiter):
    rows = [["العنوان", "النص", "التاريخ", "Source"],
            ["أول", "نص، فيه فاصلة; ومنقوطة", "2015-07-21", "سبق"],
            [],
            ["ثان", "سطر أول\nسطر ثان", "21/07/2015", "واس"]]
    text = "\r\n".join(delimiter.join(_quoted(cell) for cell in row) for row in rows)
    found = read_all(name, text.encode("utf-8-sig"))
    assert [(r.origin, r.title, r.body, r.date, r.source, r.encoding) for r in found] == [
        (f"{name}:2", "أول", "نص، فيه فاصلة; ومنقوطة", "2015-07-21", "سبق", "utf-8-sig"),
        (f"{name}:4", "ثان", "سطر أول\nسطر ثان", "21/07/2015", "واس", "utf-8-sig"),
    ]


def _quoted(cell):
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',;\t\n"') else cell


def test_it_fails_a_csv_row_with_a_missing_column_alone():
    text = "id,title,text,date\n1,أ,خبر أول,2015-07-21\n2,ب,خبر ثان\n3,ج,خبر ثالث,2015-07-23\n"
    found = read_all("a.csv", text.encode())
    assert [type(item) for item in found] == [Record, RecordError, Record]
    assert found[1] == RecordError("a.csv:3", "الصف 3 ناقص الأعمدة / row 3 has 3 fields, the header 4")
    assert found[2].external_id == "3"


def test_it_fails_a_csv_row_with_extra_fields_but_not_one_with_a_trailing_delimiter():
    found = read_all("a.csv", "title,text\nأ,خبر,\nب,خبر, ثان\n".encode())
    assert [type(item) for item in found] == [Record, RecordError]
    assert "row 3 has 3 fields, the header 2" in found[1].message


def test_it_refuses_a_csv_without_a_text_column():
    message = refusal("a.csv", "title,date\nأ,2015\n".encode())
    assert message.startswith("لا يوجد عمود نص معروف في الملف / no recognisable text column")
    assert "header: title, date" in message


def test_it_notes_unknown_csv_columns_before_the_rows():
    found = read_all("a.csv", "text,views,,Likes\nخبر,3,,4\n".encode())
    assert found[0] == FileNotice("أعمدة غير معروفة تُجوهلت / unknown columns ignored: views, Likes")
    assert found[1].body == "خبر"


def test_it_reads_a_windows_1256_csv():
    [record] = records("a.csv", f"title;text\n{SHORT};{LONG}\n".encode("cp1256"))
    assert (record.title, record.body, record.encoding) == (SHORT, LONG, "windows-1256")


# Large line files, streamed


STREAMED_INPUTS = {
    "csv: BOM, CRLF, a blank row, a cell over two lines": (
        "a.csv", "\ufeffالعنوان;النص;التاريخ\r\nأول;نص أول;2015-07-21\r\n\r\nثان;\"سطر أول\nسطر ثان\";2015\r\n"
        .encode("utf-8")),
    "csv: a short row, a U+2028 inside a cell": (
        "a.csv", "id,title,text\n1,أ,خبر\u2028أول\n2,ب\n3,ج,خبر ثالث\n".encode()),
    "tsv in Windows-1256": ("a.tsv", f"title\ttext\n{SHORT}\t{LONG}\n".encode("cp1256")),
    "json lines: blank, broken and non-object lines": (
        "a.jsonl", '{"title": "أ", "text": "خبر"}\n\n{"title": \n[1]\n{"text": "خبر ثان", "views": 3}\n'.encode()),
    "json lines in Windows-1256": (
        "a.jsonl", json.dumps({"title": SHORT, "text": LONG}, ensure_ascii=False).encode("cp1256")),
    "json lines with old Mac line ends (CR alone)": (
        "a.jsonl", '{"title": "أ", "text": "خبر"}\r\r{"text": "خبر ثان"}\r'.encode()),
    "csv with old Mac line ends, a cell over two lines": (
        "a.csv", 'title,text\rأ,خبر أول\rب,"سطر أول\rسطر ثان"\r'.encode()),
}


@pytest.mark.parametrize("name, data", STREAMED_INPUTS.values(), ids=STREAMED_INPUTS)
def test_a_line_file_reads_the_same_streamed_as_whole(name, data, monkeypatch):
    whole = read_all(name, data)
    monkeypatch.setattr(readers, "STREAM_FROM_BYTES", 0)  # every open file is streamed
    assert read_all(name, io.BytesIO(data)) == whole
    assert any(isinstance(item, Record) for item in whole)


def test_a_streamed_csv_stops_at_a_line_that_does_not_decode_keeping_the_rows_before(monkeypatch):
    monkeypatch.setattr(readers, "STREAM_FROM_BYTES", 0)
    monkeypatch.setattr(readers, "ENCODING_SAMPLE_BYTES", 40)  # judged UTF-8 on the first rows
    data = "title,text\nأ,خبر أول\nب,خبر ثان\n".encode() + b"\xd8,\xff\n" + "د,خبر\n".encode()
    found = []
    with pytest.raises(FileError) as error:
        for item in read_file("a.csv", io.BytesIO(data)):
            found.append(item)
    assert [item.title for item in found] == ["أ", "ب"]
    assert str(error.value).startswith("CSV غير صالح في السطر 4 / invalid CSV at line 4: the line is not valid utf-8")


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_a_streamed_line_too_long_to_hold_fails_alone(newline, monkeypatch):
    monkeypatch.setattr(readers, "STREAM_FROM_BYTES", 0)
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 200)
    monkeypatch.setattr(readers, "_READ_BLOCK", 16)
    lines = [json.dumps({"title": title, "text": "خبر " + title}, ensure_ascii=False).encode()
             for title in ("أول", "ثان", "ثالث")]
    lines[1] = json.dumps({"title": "طويل", "text": "خبر " * 300}, ensure_ascii=False).encode()
    found = read_all("a.jsonl", io.BytesIO(newline.join(lines) + newline))
    assert [item.title for item in found if isinstance(item, Record)] == ["أول", "ثالث"]
    [error] = [item for item in found if not isinstance(item, Record)]
    assert error.origin == "a.jsonl:2" and "the line is longer than" in error.message

    csv_data = newline.join(["title,text".encode(), "أ,خبر".encode(), ("ب," + "خبر " * 300).encode(),
                             "ج,خبر".encode()]) + newline
    with pytest.raises(FileError) as refused:
        read_all("a.csv", io.BytesIO(csv_data))
    assert "invalid CSV at line 3: the line is longer than" in str(refused.value)


def test_a_streamed_file_without_line_ends_is_never_held_whole(tmp_path, monkeypatch):
    import tracemalloc

    monkeypatch.setattr(readers, "STREAM_FROM_BYTES", 0)
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 64 * 1024)
    monkeypatch.setattr(readers, "ENCODING_SAMPLE_BYTES", 64 * 1024)
    path = tmp_path / "a.jsonl"
    path.write_bytes(('{"text": "' + "خبر " * 1_000_000 + '"}').encode())  # 7 MB, one line
    tracemalloc.start()
    with path.open("rb") as handle:
        found = read_all("a.jsonl", handle)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(found) == 1 and "the line is longer than" in found[0].message
    assert peak < 2**20 < path.stat().st_size


def test_a_large_utf16_line_file_is_refused_with_what_to_do(monkeypatch):
    monkeypatch.setattr(readers, "STREAM_FROM_BYTES", 0)
    message = refusal("a.jsonl", io.BytesIO(json.dumps({"text": LONG}, ensure_ascii=False).encode("utf-16")))
    assert "save it as UTF-8" in message


def test_only_line_files_may_pass_the_limit_of_files_read_whole():
    assert readers.too_large("a.json", readers.MAX_FILE_BYTES + 1).endswith("larger than 200 MB")
    assert readers.too_large("a.jsonl", readers.MAX_FILE_BYTES + 1) == ""
    assert readers.too_large("a.CSV", 3 * 2**30) == ""
    assert "larger than 4,096 MB" in readers.too_large("a.tsv", readers.MAX_LINE_FILE_BYTES + 1)


# HTML


PAGE = """<!doctype html><html lang="ar" dir="rtl"><head><meta charset="{charset}">
<title>السعودية تطلق مبادرة جديدة - صحيفة سبق</title>
<link rel="canonical" href="https://sabq.org/saudia/12345">
<meta property="og:site_name" content="صحيفة سبق">
<meta name="author" content="محمد العتيبي">
<meta property="article:published_time" content="2015-07-21T08:30:00+03:00">
<meta property="article:section" content="محليات">
</head><body><nav><a href="/">الرئيسية</a> | <a href="/sport">رياضة</a></nav>
<article><h1>السعودية تطلق مبادرة جديدة للطاقة المتجددة</h1>
<p>أعلنت وزارة الطاقة في المملكة العربية السعودية اليوم عن إطلاق مبادرة جديدة تهدف إلى زيادة إنتاج الطاقة
المتجددة خلال السنوات الخمس المقبلة، في خطوة وصفها مراقبون بأنها تحول مهم في سياسة الطاقة.</p>
<p>وقال وزير الطاقة في مؤتمر صحفي عقده في الرياض إن المبادرة تشمل إنشاء محطات للطاقة الشمسية وطاقة الرياح
في عدة مناطق من المملكة، وإن القطاع الخاص سيشارك في تمويلها وتشغيلها.</p>
<p>وأضاف أن المشروع سيوفر آلاف الوظائف للشباب السعودي، وسيساهم في خفض استهلاك النفط محليًا.</p>
</article><footer>جميع الحقوق محفوظة 2015</footer></body></html>"""


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the HTML reader tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("name, charset, encoding", [
    ("page.html", "utf-8", "utf-8"),
    ("page.HTM", "windows-1256", "windows-1256"),
])
def test_it_extracts_the_article_and_its_metadata_from_a_page(no_network, name, charset, encoding):
    [record] = read_all(name, PAGE.format(charset=charset).encode(charset))
    assert (record.origin, record.title, record.source, record.date, record.author, record.url, record.category,
            record.encoding) == (name, "السعودية تطلق مبادرة جديدة للطاقة المتجددة", "صحيفة سبق", "2015-07-21",
                                 "محمد العتيبي", "https://sabq.org/saudia/12345", "محليات", encoding)
    assert record.body.startswith("أعلنت وزارة الطاقة") and record.body.endswith("خفض استهلاك النفط محليًا.")
    assert "الرئيسية" not in record.body and "جميع الحقوق" not in record.body


def test_it_refuses_a_page_without_article_text(no_network):
    page = "<html><head><title>الرئيسية</title></head><body><nav><a href='/'>الرئيسية</a></nav></body></html>"
    assert refusal("index.html", page.encode()) == "لم يُعثر على نص مقالة في الصفحة / no article text found in the page"
