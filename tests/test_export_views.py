"""Exporting whole result sets: pages, downloads, the background job, the command and the log."""

import csv
import io
import json
from datetime import date

import openpyxl
import pandas as pd
import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, ExportLog, Source
from articles.search.indexing import reindex_articles
from tests.test_admin import run_worker

EXPORT = reverse("articles:export")


@pytest.fixture
def articles(db):
    """Articles whose text is hostile to CSV: commas, quotes, newlines, formula starts."""
    riyadh, okaz = Source.for_name("الرياض"), Source.for_name("عكاظ")
    specs = [
        ("=HYPERLINK(\"http://evil\")", "النفط، \"الخام\"\nارتفع اليوم", riyadh, "اقتصاد", date(2015, 7, 21)),
        ("أسعار النفط", "+سعر النفط يهبط\r\nفي السوق", okaz, "اقتصاد", date(2015, 8, 1)),
        ("@النفط والغاز", "-تقرير عن النفط, والغاز", riyadh, "محليات", None),
        ("خبر عن الرياضة", "مباراة الهلال", okaz, "رياضة", date(2015, 8, 3)),
    ]
    created = [
        Article.objects.create(title=t, body=b, source=s, category=c, date=d, url=f"https://example.com/{i}",
                               external_id=f"x-{i}", author="كاتب، \"ضيف\"")
        for i, (t, b, s, c, d) in enumerate(specs)
    ]
    reindex_articles([a.pk for a in created])
    return created


def download(client, **params):
    response = client.get(EXPORT, {"confirm": "1", **params})
    assert response.status_code == 200, response.content[:500]
    body = b"".join(response.streaming_content) if response.streaming else b"".join(response)
    return response, body


def test_the_export_page_says_how_many_rows_first(researcher_client, articles):
    html = researcher_client.get(EXPORT, {"q": "النفط"}).content.decode()
    assert '<strong data-rows="3">3 صفوف</strong>' in html and "نزّل الملف" in html
    assert not ExportLog.objects.exists()


def test_csv_opens_in_pandas_with_every_field_as_in_the_database(researcher_client, articles):
    response, body = download(researcher_client, q="النفط", format="csv", text="1")
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    assert body.startswith("\ufeff".encode()) and body.count("\ufeff".encode()) == 1
    frame = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", keep_default_na=False, dtype=str)
    assert len(frame) == 3 and list(frame["rank"]) == ["1", "2", "3"]
    for _, row in frame.iterrows():
        article = Article.objects.get(pk=int(row["id"]))
        unquoted = {key: value[1:] if value[:1] == "'" else value for key, value in row.items()}
        assert unquoted["title"] == article.title
        assert unquoted["text"] == article.body  # commas, quotes, newlines kept
        assert row["author"] == article.author
        assert row["external_id"] == article.external_id and row["url"] == article.url
        assert row["publisher"] == article.source.name and row["category"] == article.category
        assert row["date"] == (article.date.isoformat() if article.date else "")


def test_formula_cells_cannot_run_and_stay_readable(researcher_client, articles):
    _, body = download(researcher_client, q="النفط", format="csv", text="1")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    titles = {row["title"] for row in rows}
    assert "'=HYPERLINK(\"http://evil\")" in titles and "'@النفط والغاز" in titles
    assert all(not row[key].startswith(("=", "+", "-", "@")) for row in rows for key in row)


def test_filters_and_sort_are_those_of_the_page(researcher_client, articles):
    _, body = download(researcher_client, q="النفط", source="الرياض", sort="oldest", format="csv")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row["id"] for row in rows] == [str(articles[0].pk), str(articles[2].pk)]
    assert "score" not in rows[0]  # not ranked by relevance: no score or rank
    _, body = download(researcher_client, category="رياضة", format="csv")
    assert [row["id"] for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))] == [str(articles[3].pk)]


def test_arabic_headers_on_request(researcher_client, articles):
    _, body = download(researcher_client, q="النفط", format="csv", headers="ar")
    header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert header[0] == "المعرف" and "العنوان" in header


def test_json_lines_read_back(researcher_client, articles):
    _, body = download(researcher_client, q="النفط", format="jsonl", text="1")
    records = [json.loads(line) for line in body.decode().splitlines()]
    assert [r["rank"] for r in records] == [1, 2, 3]
    by_id = {r["id"]: r for r in records}
    assert by_id[articles[0].pk]["text"] == articles[0].body and by_id[articles[2].pk]["date"] is None


def test_xlsx_reads_back(researcher_client, articles):
    response, body = download(researcher_client, q="النفط", format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "id" and len(rows) == 4
    dated = [row for row in rows[1:] if row[0] == articles[1].pk][0]
    assert dated[rows[0].index("date")].date() == date(2015, 8, 1)


def test_every_export_is_logged(researcher_client, articles):
    download(researcher_client, q="النفط", source="عكاظ", format="csv")
    log = ExportLog.objects.get()
    assert (log.user, log.query, log.format, log.rows) == (researcher_client.user, "النفط", "csv", 1)
    assert log.filters["sources"] == ["عكاظ"] and log.finished_at


@pytest.mark.parametrize("url", [EXPORT, reverse("articles:export_status", args=[1])])
def test_editors_cannot_export(editor_client, articles, url):
    assert editor_client.get(url, {"q": "النفط", "confirm": "1"}).status_code == 403
    assert editor_client.post(reverse("articles:export_start"), {"q": "النفط"}).status_code == 403


def test_a_large_export_runs_in_the_background(researcher_client, articles, settings, client, django_user_model):
    settings.EXPORT_MAX_DIRECT_ROWS = 2
    html = researcher_client.get(EXPORT, {"q": "النفط", "confirm": "1"}).content.decode()
    assert "في الخلفية" in html and "حضّر الملف" in html
    response = researcher_client.post(reverse("articles:export_start"), {"q": "النفط", "format": "csv"})
    log = ExportLog.objects.get()
    assert response.status_code == 302 and log.background and not log.finished_at
    assert 'http-equiv="refresh"' in researcher_client.get(response.url).content.decode()
    run_worker()
    html = researcher_client.get(response.url).content.decode()
    assert "الملف جاهز" in html
    body = b"".join(researcher_client.get(reverse("articles:export_download", args=[log.pk])).streaming_content)
    assert len(list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))) == 3
    # Somebody else's export is not theirs to see.
    from articles.roles import assign_role

    other = django_user_model.objects.create_user("other", password="not-used-in-tests-1")
    assign_role(other, "researcher")
    client.force_login(other)
    assert client.get(reverse("articles:export_download", args=[log.pk])).status_code == 404


def test_the_command_exports_with_filters_and_a_log(articles, tmp_path):
    out = tmp_path / "export.csv"
    call_command("export_articles", "النفط", "--source", "الرياض", "--format", "csv", "-o", str(out), "--text",
                 "--no-progress", stdout=io.StringIO())
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert {row["id"] for row in rows} == {str(articles[0].pk), str(articles[2].pk)} and "text" in rows[0]
    assert ExportLog.objects.get().rows == 2


def test_the_command_writes_xlsx_and_jsonl(articles, tmp_path):
    call_command("export_articles", "النفط", "--format", "xlsx", "-o", str(tmp_path / "a.xlsx"),
                 "--arabic-headers", "--no-progress", stdout=io.StringIO())
    assert next(openpyxl.load_workbook(tmp_path / "a.xlsx").active.iter_rows(values_only=True))[0] == "المعرف"
    call_command("export_articles", "--category", "رياضة", "--format", "jsonl", "-o", str(tmp_path / "a.jsonl"),
                 "--no-progress", stdout=io.StringIO())
    assert json.loads((tmp_path / "a.jsonl").read_text())["id"] == articles[3].pk


def test_archive_admins_read_the_export_log_in_the_admin(archive_admin_client, researcher_client, articles):
    download(researcher_client, q="النفط", format="csv")
    html = archive_admin_client.get(reverse("admin:articles_exportlog_changelist")).content.decode()
    assert "النفط" in html and "researcher" in html
    assert archive_admin_client.get(reverse("admin:articles_exportlog_add")).status_code == 403


def test_a_filter_only_export_without_text_snippets_each_articles_opening(researcher_client, articles):
    from articles.search.highlight import HighlightTerms, plain_snippet

    long_body = "افتتاحية " * 200 + "خاتمة"
    article = Article.objects.create(title="طويل", body=long_body, category="رياضة", date=date(2015, 8, 4))
    reindex_articles([article.pk])
    _, body = download(researcher_client, category="رياضة", format="csv")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))}
    assert rows[str(article.pk)]["snippet"] == plain_snippet(long_body, HighlightTerms())
    assert rows[str(articles[3].pk)]["snippet"] == articles[3].body
