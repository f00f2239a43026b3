"""A newsroom's day on real data: a SaudiNewsNet day and the demo set imported into this test's own archive,
every page visited by a browser asking for Arabic and one asking for English, at phone and desktop widths.

Each page must be the Arabic right-to-left site, fit the screen, pass axe-core and the Nu Html Checker,
and show what the newsroom asked for (Arabic outlet names, decoded titles, stories collapsed, a readable
histogram, a filter drawer on phones). Screenshots go to var/screenshots/newsroom-*.png.
"""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.base import DEMO_DIR, SAUDINEWSNET
from tests.browser.conftest import (
    BROWSER_LOCALES, DESKTOP, PHONE, TIMEOUT_MS, axe_violations, describe_messages, describe_violations, log_in,
    vnu_messages,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not SAUDINEWSNET.exists(), reason=f"the SaudiNewsNet corpus is not at {SAUDINEWSNET}"),
]
expect.set_options(timeout=TIMEOUT_MS)

DAY = "2015-07-21.zip"
PASSWORD = "newsroom-test-password-1"
QUERY = "وزير الخارجية"


@pytest.fixture
def newsroom(transactional_db, roles, fast_passwords, django_user_model):
    """One SaudiNewsNet day and the demo set, imported through the pipeline; a researcher and an archive admin."""
    from articles.importing.pipeline import import_paths
    from articles.models import Source, SourceAlias, Article
    from articles.outlets import load_directory
    from articles.roles import assign_role

    load_directory(Source, SourceAlias, Article)  # the flush between transactional tests emptied it
    job = import_paths([SAUDINEWSNET / DAY, DEMO_DIR], today=date(2026, 11, 21))
    assert job.imported > 2800, job.imported
    researcher = django_user_model.objects.create_user("باحثة", password=PASSWORD)
    assign_role(researcher, "researcher")
    return {"job": job, "researcher": researcher}


def logged_in(browser, live_server, user, locale, viewport):
    context, page = log_in(browser, live_server, user, PASSWORD, locale, viewport)
    expect(page.locator("html[dir=rtl][lang=ar]")).to_have_count(1)  # in every browser language
    return context, page


def check_results(page, width):
    titles = page.locator("ol.results > li.result h2").all_inner_texts()
    assert len(titles) == 20
    assert not any(re.search(r"&(quot|amp|#\d+);", title) for title in titles), titles
    sources = page.locator("ol.results .source-name").all_inner_texts()
    assert sources and all(not name.isascii() for name in sources), sources
    facet_names = page.locator(".filters fieldset").first.locator("bdi").evaluate_all("els => els.map(e => e.textContent)")
    assert facet_names and all(not name.isascii() for name in facet_names), facet_names
    # One place per story: no two places on the page are versions of one story.
    hrefs = page.locator("ol.results > li.result h2 a").evaluate_all("els => els.map(e => e.pathname)")
    assert len(set(hrefs)) == len(hrefs)
    expect(page.locator("details.story-versions").first).to_be_visible()
    expect(page.locator(".result-count")).to_contain_text(re.compile("نتيجة|نتائج"))
    bars = page.locator(".histogram .bars > *").count()
    assert 1 <= bars <= 60, bars
    if width == "phone":
        toggle = page.locator(".filters-drawer > summary")
        expect(toggle).to_be_visible()
        first_result = page.locator("ol.results > li.result").first.bounding_box()
        assert toggle.bounding_box()["y"] < first_result["y"], "the filter drawer is not above the results"
        expect(page.locator(".filters fieldset").first).not_to_be_visible()
        toggle.click()
        expect(page.locator(".filters fieldset").first).to_be_visible()


def visit(page, name):
    """Open one of the pages a newsroom user meets; returns whether it is an error page (403/404)."""
    if name == "front":
        page.goto("/")
        expect(page.locator(".histogram")).to_be_visible()
    elif name == "results":
        page.goto(f"/?q={QUERY}")
    elif name == "beyond":
        page.goto(f"/?q={QUERY}&page=999")
        assert "999" not in page.locator(".pagination").inner_text()
    elif name == "article":
        page.goto(f"/?q={QUERY}")
        with page.expect_navigation():
            page.locator("ol.results > li.result h2 a").first.click()
        expect(page.locator(".article-body p").nth(1)).to_be_visible()
    elif name == "empty":
        page.goto("/?q=زنجفيلية")
        expect(page.locator(".empty")).to_be_visible()
    elif name == "export":
        page.goto(f"/export/?q={QUERY}")
        expect(page.locator("input[name=format]")).to_have_count(3)
    elif name == "404":
        response = page.goto("/articles/99999999/")
        assert response.status == 404
        expect(page.locator("h1")).to_have_text("الصفحة غير موجودة")
    else:
        raise ValueError(name)
    page.evaluate("() => document.fonts.ready")


PAGES = ["front", "results", "beyond", "article", "empty", "export", "404"]


def test_a_newsroom_day_on_real_data(browser, live_server, newsroom, screenshot_dir, tmp_path):
    """Every page, in both browser languages and at both widths (one import of the day serves them all)."""
    problems, html_files = [], []
    for locale, (width, viewport) in [(locale, size) for locale in BROWSER_LOCALES
                                      for size in [("phone", PHONE), ("desktop", DESKTOP)]]:
        context, page = logged_in(browser, live_server, newsroom["researcher"], locale, viewport)
        try:
            for name in PAGES:
                visit(page, name)
                expect(page.locator("html[dir=rtl][lang=ar]")).to_have_count(1)
                overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 0:
                    problems.append(f"{name} ({width}, {locale}) scrolls sideways by {overflow}px")
                path = screenshot_dir / f"newsroom-{name}-{width}-{locale}.png"
                page.screenshot(path=path, full_page=name not in ("results", "front"))
                violations = axe_violations(page)
                if violations:
                    problems.append(f"axe-core on {name} ({width}, {locale}):\n{describe_violations(violations)}")
                if width == "desktop":
                    html = tmp_path / f"{name}-{locale}.html"
                    html.write_text(page.content(), encoding="utf-8")
                    html_files.append(html)
                if name in ("results", "front"):
                    check_results(page, width)
                    page.screenshot(path=screenshot_dir / f"newsroom-{name}-{width}-{locale}-drawer.png")
        finally:
            context.close()
    errors = vnu_messages(html_files)
    problems += [f"Nu Html Checker on {name}:\n{describe_messages(m)}" for name, m in errors.items() if m]
    assert not problems, "\n".join(problems)


# The admin's import report ------------------------------------------------------

# A file an admin might be sent beside the real day: two good records (one
# the very text of an article in the day, so a duplicate), two lines that are
# not JSON, two records with no text and one that is not an object.
BROKEN_RECORDS = [
    '{"title": "خبر سليم أول", "text": "نص خبر سليم يُستورد رغم الأسطر المعطوبة حوله في الملف نفسه."}',
    '{"title": "سطر مقطوع", "text": "انقطع هذا السطر قبل',
    '{"title": "بلا نص", "text": ""}',
    "هذا ليس JSON أصلاً",
    '["مصفوفة", "لا كائن"]',
    '{"title": "بلا نص أيضاً"}',
]


@pytest.fixture
def archive_admin(transactional_db, roles, fast_passwords, django_user_model):
    from articles.models import Article, Source, SourceAlias
    from articles.outlets import load_directory
    from articles.roles import assign_role

    load_directory(Source, SourceAlias, Article)
    user = django_user_model.objects.create_user("مديرة-الأرشيف", password=PASSWORD)
    assign_role(user, "archive admin")
    return user


def broken_file(tmp_path):
    """BROKEN_RECORDS as JSON Lines, plus one record repeating an article of the day (a duplicate)."""
    import json
    import zipfile

    with zipfile.ZipFile(SAUDINEWSNET / DAY) as day:
        first = json.loads(day.read(day.namelist()[0]))[0]
    repeated = json.dumps({"title": first["title"], "text": first["content"]}, ensure_ascii=False)
    path = tmp_path / "records-with-errors.jsonl"
    path.write_text("\n".join([BROKEN_RECORDS[0], repeated, *BROKEN_RECORDS[1:]]), encoding="utf-8")
    return path


def test_the_admin_import_report_on_a_real_upload(browser, live_server, archive_admin, screenshot_dir, tmp_path):
    """A real day and a file with broken records uploaded through the admin; the report in both browser
    languages and at both widths: the sums first, duplicates linked to their article, failures by reason."""
    from django.utils import translation

    from articles.admin import readable_time
    from articles.models import Article, ImportJob
    from articles.wording import counted
    from tests.test_admin import run_worker

    context, page = logged_in(browser, live_server, archive_admin, "ar", DESKTOP)
    try:
        page.goto("/admin/articles/importjob/upload/")
        page.set_input_files("input[type=file]", [SAUDINEWSNET / DAY, broken_file(tmp_path)])
        with page.expect_navigation():
            page.locator("input[type=submit]").click()
        expect(page.locator(".import-summary")).to_be_visible()
        expect(page.locator("meta[http-equiv=refresh]")).to_have_count(1)  # it follows the import
        # The live server shares the test's database connection: the browser waits on a blank page
        # while the worker (what `make run` starts beside the server) runs the import.
        report_url = page.url
        page.goto("about:blank")
        run_worker()
    finally:
        context.close()

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE and job.imported > 2800
    assert job.duplicates >= 1 and job.failed >= 5
    summary_text = [counted(job.imported, "article"), counted(job.duplicates, "duplicate"),
                    counted(job.failed, "failure")]
    with translation.override("ar"):
        finished = readable_time(job.finished_at)
    problems, html_files = [], []
    for locale, (width, viewport) in [(locale, size) for locale in BROWSER_LOCALES
                                      for size in [("phone", PHONE), ("desktop", DESKTOP)]]:
        context, page = logged_in(browser, live_server, archive_admin, locale, viewport)
        try:
            page.goto(report_url)
            page.evaluate("() => document.fonts.ready")
            expect(page.locator("html[dir=rtl][lang=ar]")).to_have_count(1)
            expect(page.locator("meta[http-equiv=refresh]")).to_have_count(0)  # finished: no more reloading
            summary = page.locator(".import-summary")
            for text in summary_text:
                expect(summary).to_contain_text(text)
            table = page.locator(".import-report table")
            assert summary.bounding_box()["y"] < table.bounding_box()["y"], "the sums are not first"
            expect(table).to_contain_text("records-with-errors.jsonl")
            # Failures grouped by reason, in Arabic, each group with its count; the list folded.
            groups = page.locator("details.failure-group")
            reasons = groups.locator("summary").all_inner_texts()
            assert f"سطر JSON غير صالح — {counted(2, 'record')}" in reasons, reasons
            assert any(reason.startswith("السجل بلا نص — ") for reason in reasons), reasons
            assert f"السجل ليس كائن JSON — {counted(1, 'record')}" in reasons, reasons
            expect(groups.first.locator("li").first).not_to_be_visible()
            # No English left in what the admin reads.
            visible = page.locator("#content").inner_text()
            for english in ("Status", "Progress", "running", "duplicate", "imported", "failed", "Import", "Error"):
                assert english not in visible, f"{english!r} on the report ({locale}, {width})"
            expect(page.locator(".field-finished .readonly")).to_have_text(finished)  # 29 نوفمبر 2026، 10:14
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems.append(f"the report ({width}, {locale}) scrolls sideways by {overflow}px")
            # The folded lists opened: every duplicate links to the article it repeats.
            duplicates = page.locator("details.duplicate-list")
            duplicates.locator("summary").click()
            groups.first.locator("summary").click()
            first_link = duplicates.locator("li a").first
            expect(first_link).to_be_visible()
            page.screenshot(path=screenshot_dir / f"newsroom-admin-report-{locale}-{width}.png", full_page=True)
            violations = axe_violations(page)
            if violations:
                problems.append(f"axe-core on the report ({width}, {locale}):\n{describe_violations(violations)}")
            if width == "desktop":
                html = tmp_path / f"admin-report-{locale}.html"
                html.write_text(page.content(), encoding="utf-8")
                html_files.append(html)
                archive_link = duplicates.locator("li").first.locator("a").nth(1)
                pk = int(re.search(r"/(\d+)/", archive_link.get_attribute("href")).group(1))
                with page.expect_navigation():
                    archive_link.click()
                expect(page.locator("article h1")).to_have_text(Article.objects.get(pk=pk).title)
        finally:
            context.close()
    errors = vnu_messages(html_files)
    problems += [f"Nu Html Checker on {name}:\n{describe_messages(m)}" for name, m in errors.items() if m]
    assert not problems, "\n".join(problems)
