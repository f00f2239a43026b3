"""What an editor sees in a real browser: searching, reading, going back, the layout at two widths, accessibility."""

import re
import struct
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, TIMEOUT_MS, axe_violations, describe_violations

pytestmark = pytest.mark.browser
expect.set_options(timeout=TIMEOUT_MS)

QUERY = "عين الصقر"


def search_from_the_box(page, text, sort=None):
    page.goto("/")
    page.locator("#q").fill(text)
    if sort:
        page.select_option("select[name=sort]", sort)
    with page.expect_navigation():
        page.locator("#q").press("Enter")


def open_first_result(page):
    link = page.locator("ol.results > li.result h2 a").first
    title = link.inner_text()
    with page.expect_navigation():
        link.click()
    return title


def result_titles(page):
    return page.locator("ol.results > li.result h2").all_inner_texts()


def test_it_finds_marks_and_goes_back_to_the_results(page):
    search_from_the_box(page, QUERY)
    # The two demo articles are one story: one place, its other version folded under it.
    results = page.locator("ol.results > li.result")
    expect(results).to_have_count(1)
    expect(page.locator(".result-count")).to_contain_text("نتيجتان")
    versions = results.first.locator("details.story-versions")
    expect(versions.locator("summary")).to_have_text("نسخة أخرى من هذا الخبر")
    expect(versions.locator("li a")).not_to_be_visible()
    versions.locator("summary").click()
    expect(versions.locator("li a")).to_be_visible()
    # The switch lists every version in its own place.
    with page.expect_navigation():
        page.locator("a.switch").click()
    results_url, titles = page.url, result_titles(page)
    expect(results).to_have_count(2)
    for i in range(2):
        marks = results.nth(i).locator(".snippet mark")
        expect(marks.first).to_be_visible()
        for word in marks.all_inner_texts():
            assert "عين" in word or "صقر" in word, f"result {i + 1} marks {word!r}, not a word of the query"

    title = open_first_result(page)
    expect(page.locator("article h1")).to_have_text(title)
    marks = page.locator(".article-body mark")
    expect(marks.first).to_be_visible()
    assert {"عين", "الصقر"} <= {word.strip("\"“”") for word in marks.all_inner_texts()}

    back = page.locator("a.back")
    expect(back).to_have_text(re.compile(r"^العودة إلى نتائج"))
    expect(back).to_contain_text(QUERY)
    with page.expect_navigation():
        back.click()
    back_at, results_at = urlsplit(page.url), urlsplit(results_url)
    assert (back_at.path, parse_qs(back_at.query)) == (results_at.path, parse_qs(results_at.query))
    assert result_titles(page) == titles, "the back link led to other results"
    expect(page.locator("#q")).to_have_value(QUERY)


def test_it_goes_back_to_the_very_same_results_url(page):
    search_from_the_box(page, "سوريا", sort="newest")
    page.goto(page.url + "&source=" + "الرياض")  # a filter too, as the URL carries it
    results_url = page.url
    expect(page.locator("ol.results > li.result")).to_have_count(2)
    open_first_result(page)
    with page.expect_navigation():
        page.locator("a.back").click()
    assert parse_qs(urlsplit(page.url).query) == parse_qs(urlsplit(results_url).query)
    expect(page.locator("select[name=sort]")).to_have_value("newest")


def test_it_is_arabic_right_to_left_and_keeps_the_arabic_query(page):
    search_from_the_box(page, QUERY)
    expect(page.locator("html[dir=rtl][lang=ar]")).to_have_count(1)
    box = page.locator("#q")
    expect(box).to_have_value(QUERY)
    expect(box).to_have_css("direction", "rtl")
    # Typed key by key, as a person would, then searched again.
    box.fill("")
    box.press_sequentially("سوريا")
    with page.expect_navigation():
        box.press("Enter")
    expect(page.locator("#q")).to_have_value("سوريا")
    assert parse_qs(urlsplit(page.url).query)["q"] == ["سوريا"]
    open_first_result(page)
    expect(page.locator("html[dir=rtl][lang=ar]")).to_have_count(1)


def test_it_searches_the_index_this_test_built(page, search_index):
    """The live server's request threads use the temporary index of tests/conftest.py, not var/."""
    from haystack import connections

    from articles.models import Article, Source
    from articles.search.indexing import reindex_articles

    article = Article.objects.create(title="خبر فريد", body="كلمة زنجفيلية لا توجد إلا هنا.", external_id="only-here",
                                     source=Source.for_name("عكاظ"), category="منوعات")
    reindex_articles([article.pk])
    backend = connections["default"].get_backend()
    # Whoosh: a folder of this test's own; the cluster: an index of this test's own.
    assert any(search_index.iterdir()) if hasattr(backend, "storage") else backend.index_name.startswith("test-")
    search_from_the_box(page, "زنجفيلية")
    expect(page.locator("ol.results > li.result")).to_have_count(1)
    expect(page.locator("ol.results > li.result h2")).to_have_text("خبر فريد")


def test_it_lists_an_article_without_a_source_or_category(page):
    # Its index segment has no source or category column values at all.
    from articles.models import Article
    from articles.search.indexing import reindex_articles

    article = Article.objects.create(title="خبر بلا مصدر", body="كلمة زنجفيلية في خبر بلا مصدر ولا تصنيف.",
                                     external_id="no-source")
    reindex_articles([article.pk])
    response = page.goto("/?q=زنجفيلية")
    assert response.status == 200, f"the search page answered {response.status}"
    expect(page.locator("ol.results > li.result")).to_have_count(1)


def png_size(path):
    with open(path, "rb") as png:
        header = png.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_it_fits_a_phone_and_a_desktop(page, screenshot_dir):
    search_from_the_box(page, QUERY)
    results_url = page.url
    open_first_result(page)
    article_url = page.url
    for name, url in [("results", results_url), ("article", article_url)]:
        for width_name, viewport in [("phone", PHONE), ("desktop", DESKTOP)]:
            page.set_viewport_size(viewport)
            page.goto(url)
            page.evaluate("() => document.fonts.ready")
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the {name} page scrolls sideways by {overflow}px at {viewport['width']}px"
            path = screenshot_dir / f"{name}-{width_name}.png"
            path.unlink(missing_ok=True)
            page.screenshot(path=path, full_page=True)
            width, height = png_size(path)
            assert width == viewport["width"] and height >= viewport["height"] // 2, (path, width, height)


# Accessibility (axe-core) ----------------------------------------------------

def open_audited_page(page, name):
    if name == "search":
        page.goto("/")
    elif name == "results":
        page.goto(f"/?q={QUERY}")
    elif name == "article":
        page.goto(f"/?q={QUERY}")
        open_first_result(page)
    elif name == "empty":
        page.goto("/?q=طوكيو")
        expect(page.locator(".empty")).to_be_visible()
    else:
        raise ValueError(name)
    page.evaluate("() => document.fonts.ready")


AUDITED_PAGES = ["search", "results", "article", "empty"]


@pytest.mark.parametrize("name", AUDITED_PAGES)
def test_it_has_no_accessibility_violations(page, name):
    open_audited_page(page, name)
    violations = axe_violations(page)
    assert not violations, f"axe-core on the {name} page ({page.url}):\n{describe_violations(violations)}"


def test_the_login_page_has_no_accessibility_violations(browser, live_server, transactional_db):
    context = browser.new_context(base_url=live_server.url, locale="ar")
    try:
        login = context.new_page()
        login.goto("/accounts/login/")
        expect(login.locator("#id_username")).to_be_visible()
        violations = axe_violations(login)
        assert not violations, f"axe-core on the login page:\n{describe_violations(violations)}"
    finally:
        context.close()


# Filters (being built: inputs source, category, date_from, date_to; chips a.chip) ---

FILTER_CONTROLS = {name: f"[name={name}]:not([type=hidden])" for name in ("source", "category", "date_from", "date_to")}


def test_it_narrows_results_by_source_and_date_and_removes_a_filter(page, archive):
    search_from_the_box(page, "سوريا")
    missing = [name for name, selector in FILTER_CONTROLS.items() if not page.locator(selector).count()]
    if missing:
        pytest.skip(f"the filters UI is not on the results page yet: no visible control named {', '.join(missing)} "
                    f"(looked for {', '.join(FILTER_CONTROLS[name] for name in missing)})")
    # Five articles say سوريا: the two demo ones (2025-12-20, one story, so one
    # place), and the oil (2015) and book fair (2024) stories from الرياض and
    # the summit (2025-05-17).
    everything = 4
    expect(page.locator("ol.results > li.result")).to_have_count(everything)

    choose(page, "source", "الرياض")
    expect(page.locator("ol.results > li.result")).to_have_count(2)
    assert parse_qs(urlsplit(page.url).query)["source"] == ["الرياض"]
    expect(page.locator("ol.results > li.result .meta").first).to_contain_text("الرياض")
    chip = page.locator("a.chip", has_text="الرياض")
    expect(chip).to_have_count(1)

    with page.expect_navigation():
        chip.click()
    assert "source" not in parse_qs(urlsplit(page.url).query)
    expect(page.locator("ol.results > li.result")).to_have_count(everything)

    choose(page, "date_from", "2025-01-01")
    expect(page.locator("ol.results > li.result")).to_have_count(2)
    for stamp in page.locator("ol.results > li.result time").evaluate_all("els => els.map(e => e.dateTime)"):
        assert stamp >= "2025-01-01", f"a result dated {stamp} is left after filtering from 2025-01-01"
    expect(page.locator("a.chip")).to_have_count(1)


def choose(page, name, value):
    """Set a filter however the UI offers it (checkbox or radio, select, text or date input) and submit its form."""
    control = page.locator(FILTER_CONTROLS[name])
    kind = control.first.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
    if kind.endswith((":checkbox", ":radio")):
        control = page.locator(f"[name={name}][value='{value}']")
        control.check()
    elif kind.startswith("select"):
        control = control.first
        control.select_option(value)
    else:
        control = control.first
        control.fill(value)
    with page.expect_navigation():
        control.evaluate("el => el.form.requestSubmit()")
