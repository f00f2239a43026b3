"""Export writers: CSV for Excel/LibreOffice/pandas, JSON Lines, XLSX, streamed."""

import csv
import io
import json
import weakref
from datetime import date

import openpyxl
import pandas as pd
import pytest

from articles.exporting import (
    COLUMNS,
    article_row,
    columns,
    csv_line,
    neutralise,
    stream_csv,
    stream_jsonl,
    write_xlsx,
)
from articles.models import Article, Source, Story
from articles.search.highlight import HighlightTerms, plain_snippet
from articles.search.query import parse_query

INJECTIONS = ["=1+2", "+CMD", "-2+3", "@SUM(A1)", "\t=x", "\r=x"]
TRICKY_BODY = 'سطر أول، فيه فاصلة, و"اقتباس" مزدوج\nسطر ثان\r\nوسطر ثالث بعد CRLF'


def make_articles():
    """A story lead republished elsewhere, an article full of hostile text, a bare one."""
    channel, agency = Source.objects.create(name="قناة الإخبارية"), Source.objects.get(name="سانا")  # from the directory
    story = Story.objects.create()
    lead = Article.objects.create(
        external_id="00123", title='عين "الصقر", في البادية', body="عملية عين الصقر في البادية، " * 20,
        source=channel, original_source=agency, date=date(2025, 3, 9), date_precision="day",
        category="سياسة", author="مراسلنا", url="https://example.org/a?x=1,2", story=story,
    )
    story.lead = lead
    story.save()
    hostile = Article.objects.create(
        external_id=INJECTIONS[0], title=INJECTIONS[5], body=TRICKY_BODY, source=agency, date=date(2024, 12, 31),
        date_precision="month", category=INJECTIONS[1], author=INJECTIONS[3], url="", story=story,
    )
    bare = Article.objects.create(title=INJECTIONS[2], body=INJECTIONS[4] + " نص", author=" =HYPERLINK(1)")
    return [Article.objects.select_related("source", "original_source", "story").get(pk=a.pk) for a in (lead, hostile, bare)]


def rows_for(articles, include_text=True):
    return [article_row(a, rank=i + 1, score=10.123456 / (i + 1), include_text=include_text) for i, a in enumerate(articles)]


def csv_bytes(rows, cols, **kwargs):
    return "".join(stream_csv(rows, cols, **kwargs)).encode("utf-8")


def expected_fields(article, rank, score):
    """What a spreadsheet should show for an article, straight from the model."""
    def cell(text):
        return "'" + text if text in INJECTIONS or text.lstrip().startswith("=") else text

    credit = article.original_source or article.source
    return {
        "id": str(article.pk),
        "external_id": cell(article.external_id),
        "title": cell(article.title),
        "source": credit.name if credit else "",
        "original_source": article.original_source.name if article.original_source else "",
        "publisher": article.source.name if article.source else "",
        "date": article.date.isoformat() if article.date else "",
        "date_precision": article.date_precision,
        "category": cell(article.category),
        "author": cell(article.author),
        "url": article.url,
        "story_id": str(article.story_id or ""),
        "is_story_lead": "true" if article.story and article.story.lead_id == article.pk else "false",
        "score": str(round(score, 4)),
        "rank": str(rank),
        "snippet": cell(plain_snippet(article.body, HighlightTerms())),
        "text": cell(article.body),
    }


def test_it_builds_a_row_from_an_article(db):
    lead, hostile, bare = make_articles()
    terms = HighlightTerms.from_query(parse_query("البادية"))
    row = article_row(lead, rank=1, score=3.14159265, terms=terms)
    assert list(row) == [c.key for c in COLUMNS if c.key != "text"]
    assert (row["source"], row["original_source"], row["publisher"]) == ("سانا", "سانا", "قناة الإخبارية")
    assert (row["date"], row["story_id"], row["is_story_lead"]) == ("2025-03-09", lead.story_id, True)
    assert (row["score"], row["rank"]) == (3.1416, 1)
    assert row["snippet"] == plain_snippet(lead.body, terms) and "البادية" in row["snippet"]
    assert article_row(hostile)["is_story_lead"] is False
    row = article_row(bare, include_text=True)
    assert (row["source"], row["original_source"], row["publisher"], row["date"]) == ("", "", "", "")
    assert (row["story_id"], row["score"], row["rank"], row["text"]) == ("", "", "", bare.body)
    assert row["snippet"] == plain_snippet(bare.body, HighlightTerms())


def test_it_chooses_columns():
    assert [c.key for c in columns(include_text=True, with_scores=True)] == [c.key for c in COLUMNS]
    keys = [c.key for c in columns(include_text=False, with_scores=False)]
    assert "text" not in keys and "score" not in keys and "rank" not in keys
    assert keys[:3] == ["id", "external_id", "title"] and keys[-1] == "snippet"
    assert all(c.header == c.key for c in COLUMNS)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+2", "'=1+2"),
        ("+CMD", "'+CMD"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        ("\tplain", "'\tplain"),
        ("  =1+2", "'  =1+2"),  # an importer that trims would make it live
        ("\n@x", "'\n@x"),
        ("\u200f=1+2", "'\u200f=1+2"),  # behind an invisible right-to-left mark
        ("a=1", "a=1"),
        ("عين الصقر - 2", "عين الصقر - 2"),
        ("", ""),
        (None, ""),
        (-2, "-2"),
        (3.5, "3.5"),
        (True, "true"),
        (False, "false"),
    ],
)
def test_it_neutralises_formula_cells(value, expected):
    assert neutralise(value) == expected


def test_it_writes_the_bom_once_then_the_header(db):
    data = csv_bytes(rows_for(make_articles()), columns(include_text=True))
    assert data.startswith(b"\xef\xbb\xbfid,external_id,title,source,")
    assert data.count(b"\xef\xbb\xbf") == 1
    assert data.split(b"\r\n", 1)[0].endswith(b",score,rank,snippet,text")


def test_it_round_trips_csv_through_csv_and_pandas_field_by_field(db):
    articles = make_articles()
    cols = columns(include_text=True)
    data = csv_bytes(rows_for(articles), cols)
    expected = [expected_fields(a, i + 1, 10.123456 / (i + 1)) for i, a in enumerate(articles)]

    with_csv = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False, dtype=str)
    assert list(frame.columns) == [c.key for c in cols]
    assert len(with_csv) == len(frame) == len(expected)
    for i, fields in enumerate(expected):
        for key, value in fields.items():
            assert with_csv[i][key] == value, (i, key)
            assert frame.at[i, key] == value, (i, key)
    # Newlines inside a field survive, in quotes; the injection stays readable.
    assert with_csv[1]["text"] == TRICKY_BODY
    assert with_csv[1]["title"] == "'\r=x" and with_csv[0]["external_id"] == "00123"


@pytest.mark.parametrize("cells", [
    ["1", "عنوان", "", None, 3, 0.25, -2, "true"],
    [TRICKY_BODY, 'قال "نعم"', "a,b", "سطر\rآخر", " مسافة ", "'=1+2", "\u2028فاصل"],
    ['"', '""', ",", "\n", "\r\n", "", "x"],
    [""],
    [None],
    ["وحيد"],
    ["نص طويل، " * 2000 + '"' + "\n"],
    ["12", "عنوان بلا فاصلة", "", "2015-01-01", "… مقتطف …"],  # nothing to quote: written as joined
    ["1", "ب,ج"], ["1", "ب\rج"], ["1", "ب\nج"], ["1", 'ب"ج'], ["", ""],
])
def test_its_csv_records_are_those_of_pythons_csv_module(cells):
    """Records are written by hand for speed (long bodies): byte for byte what csv.writer writes."""
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerow(cells)
    assert csv_line(cells) == buffer.getvalue()
    assert next(csv.reader(io.StringIO(csv_line(cells), newline=""))) == ["" if c is None else str(c) for c in cells]


def test_it_writes_arabic_headers(db):
    data = csv_bytes(rows_for(make_articles()[:1], include_text=False), columns(), arabic_headers=True)
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[:4] == ["المعرف", "المعرف الخارجي", "العنوان", "المصدر"]
    assert header[-3:] == ["درجة الصلة", "الترتيب", "المقتطف"]


def test_it_writes_json_lines_with_native_types_and_no_neutralising(db):
    articles = make_articles()
    rows = rows_for(articles) + [dict(rows_for(articles)[0], title="سطر\u2028فاصل")]
    text = "".join(stream_jsonl(rows, columns(include_text=True)))
    lines = text.splitlines()
    assert len(lines) == 4 and text.endswith("\n")
    lead, hostile, bare, odd = map(json.loads, lines)
    assert list(lead) == [c.key for c in COLUMNS]
    assert (lead["id"], lead["date"], lead["score"], lead["rank"], lead["is_story_lead"]) == (
        articles[0].pk, "2025-03-09", 10.1235, 1, True)
    assert (hostile["title"], hostile["external_id"], hostile["text"]) == ("\r=x", "=1+2", TRICKY_BODY)
    assert (bare["date"], bare["story_id"], bare["source"], bare["is_story_lead"]) == (None, None, "", False)
    assert odd["title"] == "سطر\u2028فاصل" and "عين" in lines[0]  # Arabic as is, not \u escapes


def test_it_writes_xlsx_with_dates_numbers_and_a_right_to_left_sheet(db, tmp_path):
    articles = make_articles()
    path = tmp_path / "results.xlsx"
    write_xlsx(rows_for(articles), columns(include_text=True), path, arabic_headers=True)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["results"]
    sheet = book["results"]
    assert sheet.sheet_view.rightToLeft and sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["المعرف", "المعرف الخارجي", "العنوان"] and sheet["A1"].font.bold
    rows = [dict(zip([c.key for c in COLUMNS], values)) for values in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows[0]["date"].date() == date(2025, 3, 9) and sheet["G2"].number_format == "yyyy-mm-dd"
    assert (rows[0]["id"], rows[0]["score"], rows[0]["rank"], rows[0]["is_story_lead"]) == (articles[0].pk, 10.1235, 1, True)
    assert rows[0]["external_id"] == "00123"  # text, leading zeros kept
    assert (rows[1]["title"], rows[1]["external_id"], rows[1]["author"]) == ("'\r=x", "'=1+2", "'@SUM(A1)")
    assert rows[1]["text"] == TRICKY_BODY
    assert (rows[2]["date"], rows[2]["story_id"], rows[2]["title"], rows[2]["author"]) == (None, None, "'-2+3", "' =HYPERLINK(1)")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_it_writes_xlsx_left_to_right_and_copes_with_what_excel_cannot_hold(db):
    row = rows_for(make_articles()[:1])[0]
    row.update(title="عنوان\x00\x07مع\x1bرموز", text="ن" * 40000)
    buffer = io.BytesIO()
    write_xlsx([row], columns(include_text=True), buffer)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["results"]
    assert not sheet.sheet_view.rightToLeft and sheet["A1"].value == "id"
    assert sheet["C2"].value == "عنوانمعرموز"
    assert len(sheet["Q2"].value) == 32767 and sheet["Q2"].value.endswith(" …")


def test_it_refuses_rows_missing_a_column(db):
    row = rows_for(make_articles()[:1], include_text=False)[0]
    with pytest.raises(KeyError):
        list(stream_csv([row], columns(include_text=True)))


class Row(dict):
    """A dict that can be watched with a weak reference."""


def synthetic_rows(count, progress):
    """Rows made on demand, checking that whoever reads them has let go of older ones.

    A writer that built a list (or kept rows) would hold row n-2 while row n is
    made, and the assertion below would fail inside it.
    """
    refs = []
    for n in range(count):
        if n >= 2:
            assert refs[n - 2]() is None, f"row {n - 2} still held while making row {n}"
        row = Row(id=n, title=f"خبر رقم {n}، عاجل", date=f"2025-01-{n % 28 + 1:02d}", score=n / 7)
        refs.append(weakref.ref(row))
        progress["made"] = n + 1
        yield row


NARROW = [c for c in COLUMNS if c.key in {"id", "title", "date", "score"}]


def test_it_streams_twenty_thousand_rows_through_csv_lazily():
    progress = {"made": 0}
    chunks = stream_csv(synthetic_rows(20_000, progress), NARROW)
    assert next(chunks) == "\ufeffid,title,date,score\r\n" and progress["made"] == 0
    assert next(chunks).count("\r\n") == 100 and progress["made"] == 100
    rest = sum(chunk.count("\r\n") for chunk in chunks)
    assert rest == 19_900 and progress["made"] == 20_000


def test_it_streams_twenty_thousand_rows_through_xlsx_lazily(tmp_path):
    progress = {"made": 0}
    path = tmp_path / "big.xlsx"
    write_xlsx(synthetic_rows(20_000, progress), NARROW, path)
    assert progress["made"] == 20_000
    sheet = openpyxl.load_workbook(path, read_only=True)["results"]
    last = list(sheet.iter_rows(min_row=20_001, max_row=20_001, values_only=True))[0]
    assert last[0] == 19_999 and last[2].date() == date(2025, 1, 19_999 % 28 + 1)
