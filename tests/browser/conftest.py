"""Browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server.

`make test` installs what these need (the `browser-deps` and
`node_modules/.installed` targets): /usr/bin/chromium, a Java runtime for the
Nu Html Checker, and axe-core and vnu.jar from npm. Playwright never
downloads a browser of its own here; it starts Debian's.

Playwright's synchronous API keeps an asyncio loop running in the main
thread while the browser is open, and Django then refuses ORM calls from that
thread as "async" unless DJANGO_ALLOW_ASYNC_UNSAFE is set. So the browser is
package-scoped: it starts once for the tests in this folder, the variable is
set only while it runs, and both are gone before the rest of the suite.

The live server handles each request in a new thread, whose haystack
connection is made from ``connections.connections_info``, the temporary index
that tests/conftest.py's autouse ``search_index`` fixture puts there for
each test (test_pages checks that the server finds what the test indexed).
"""

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from tests.base import DEMO_SAMPLES, REPO

CHROMIUM = "/usr/bin/chromium"
# As the machine's notes say: without the background-networking flags
# Chromium keeps trying to reach Google's hosts through a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NODE_MODULES = REPO / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS = REPO / "var" / "screenshots"

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
TIMEOUT_MS = 20_000  # generous: benchmarks may be sharing the two cores

EDITOR_PASSWORD = "browser-test-password-1"


def require(path, what):
    if not path.exists():
        pytest.fail(f"{path} is missing ({what}); `make test` installs it (targets browser-deps, node_modules/.installed)")


@pytest.fixture(scope="package")
def browser():
    """One headless Debian Chromium for every browser test in this folder."""
    from playwright.sync_api import sync_playwright

    require(Path(CHROMIUM), "Debian's chromium package")
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshot_dir(request):
    """var/screenshots/ (ignored by git), its path printed once."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nscreenshots: {SCREENSHOTS}")
    return SCREENSHOTS


@pytest.fixture
def fast_passwords(settings):
    # Passwords are hashed twice per test (creating the user, logging in);
    # the default hasher takes about a second each on this machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def archive(transactional_db):
    """The two demo articles, imported through the pipeline, and four more from other sources, categories and dates.

    Returns {"demo": [aggregator, channel], "inline": [...]}; everything is indexed.
    """
    from articles.importing.pipeline import import_paths
    from articles.models import Article, Source
    from articles.search.indexing import reindex_articles

    job = import_paths(DEMO_SAMPLES, today=date(2026, 11, 21))
    assert (job.imported, job.failed) == (2, 0)
    demo = sorted(Article.objects.filter(import_file__job=job), key=lambda article: article.import_file.name)
    riyadh, okaz, alarabiya = Source.for_name("الرياض"), Source.for_name("عكاظ"), Source.for_name("العربية")
    specs = [
        ("أسعار النفط ترتفع في سوريا والعراق", "ارتفعت أسعار النفط اليوم في أسواق سوريا والعراق.", riyadh, "اقتصاد",
         date(2015, 7, 21)),
        ("الهلال يفوز على النصر", "فاز الهلال على النصر في مباراة الأمس بهدفين.", okaz, "رياضة", date(2016, 3, 2)),
        ("افتتاح معرض الكتاب في الرياض", "افتتح معرض الرياض الدولي للكتاب بمشاركة دور نشر من سوريا ومصر.", riyadh,
         "ثقافة", date(2024, 10, 1)),
        ("قمة عربية تبحث الأوضاع في سوريا", "بحث القادة العرب الأوضاع في سوريا ولبنان.", alarabiya, "سياسة",
         date(2025, 5, 17)),
    ]
    inline = [
        Article.objects.create(title=title, body=body, source=source, category=category, date=day,
                               external_id=f"browser-{i}")
        for i, (title, body, source, category, day) in enumerate(specs)
    ]
    reindex_articles([article.pk for article in inline])
    return {"demo": demo, "inline": inline}


@pytest.fixture
def roles(transactional_db):
    """The role groups. A migration makes them, but the flush after each transactional test empties every table."""
    from articles.roles import sync_role_groups

    sync_role_groups()


@pytest.fixture
def editor(roles, fast_passwords, django_user_model):
    from articles.roles import assign_role

    user = django_user_model.objects.create_user("محرر", password=EDITOR_PASSWORD)
    assign_role(user, "editor")
    return user


@pytest.fixture
def editor_client(client, editor):
    """Django's test client, logged in as the editor (replaces tests/conftest.py's, which needs the groups)."""
    client.force_login(editor)
    return client


# A browser that asks for Arabic, and one that asks for English: both must get
# the same Arabic right-to-left site.
BROWSER_LOCALES = ["ar", "en-US"]


@pytest.fixture(params=BROWSER_LOCALES)
def page(request, browser, live_server, editor, archive):
    """A desktop-sized page, logged in as an editor through the real login form, in each browser language.

    Playwright's timeouts are errors, so every wait below fails the test if
    the page never gets there.
    """
    context, page = log_in(browser, live_server, editor, EDITOR_PASSWORD, request.param, DESKTOP)
    assert page.url.rstrip("/") == live_server.url.rstrip("/"), f"the login did not land on the search page: {page.url}"
    yield page
    context.close()


def log_in(browser, live_server, user, password, locale, viewport):
    """A new browser context in ``locale``, logged in as ``user`` through the real login form: (context, page)."""
    context = browser.new_context(base_url=live_server.url, locale=locale, viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    return context, page


# axe-core -----------------------------------------------------------------

def axe_violations(page):
    """axe-core's violations on the page as it is now, with every default rule (WCAG A/AA and best practices).

    The pages' Content-Security-Policy forbids inline scripts, so axe is
    evaluated through the DevTools protocol rather than added as a <script>.
    """
    require(AXE, "npm package axe-core")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")


def describe_violations(violations):
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


# The Nu Html Checker ------------------------------------------------------------

def vnu_messages(paths):
    """The Nu Html Checker's error messages for the given HTML files: {file name: [message, ...]}."""
    require(VNU, "npm package vnu-jar")
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, paths)],
        capture_output=True, text=True, timeout=300,
    )
    # vnu exits 1 when it finds errors; its JSON report is one line on stderr
    # (Java may print notes of its own around it).
    lines = [line for line in (result.stderr + "\n" + result.stdout).splitlines() if line.startswith('{"')]
    if not lines:
        pytest.fail(f"vnu.jar gave no JSON report (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    report = json.loads(lines[0])
    by_file = {path.name: [] for path in paths}
    for message in report["messages"]:
        name = message.get("url", "").rsplit("/", 1)[-1]
        by_file.setdefault(name, []).append(message)
    return by_file


def describe_messages(messages):
    return "\n".join(
        f"- line {m.get('lastLine', '?')}, column {m.get('firstColumn', '?')}: {m.get('message')}"
        f"\n    {m.get('extract', '').strip()}"
        for m in messages
    )
