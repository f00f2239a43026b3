"""The self-hosted Arabic fonts: static/css/fonts.css and static/fonts/ against the npm packages they come from."""

import hashlib
import re

import pytest
from playwright.sync_api import expect

from tests.base import REPO
from tests.browser.conftest import NODE_MODULES, TIMEOUT_MS, require

expect.set_options(timeout=TIMEOUT_MS)

FONTS = REPO / "static" / "fonts"
FONTS_CSS = REPO / "static" / "css" / "fonts.css"
PACKAGES = {"Noto Naskh Arabic": "noto-naskh-arabic", "Noto Sans Arabic": "noto-sans-arabic"}
WEIGHTS = (400, 700)
SUBSETS = ("arabic", "latin")
MAX_TOTAL_BYTES = 300 * 1024


def font_faces(css):
    faces = []
    for body in re.findall(r"@font-face\s*\{(.*?)\}", css, re.S):
        faces.append({key.strip(): value.strip() for key, value in re.findall(r"([\w-]+)\s*:\s*([^;]+);", body)})
    return faces


def package_ranges(package, weight):
    """{subset: unicode-range} from the package's own {weight}.css."""
    css = (NODE_MODULES / "@fontsource" / package / f"{weight}.css").read_text()
    ranges = {}
    for name, body in re.findall(r"/\* (\S+) \*/\s*@font-face\s*\{(.*?)\}", css, re.S):
        subset = name.removeprefix(f"{package}-").removesuffix(f"-{weight}-normal")
        ranges[subset] = re.search(r"unicode-range:\s*([^;]+);", body).group(1).strip()
    return ranges


def test_it_ships_only_the_font_files_it_uses():
    expected = {f"{package}-{subset}-{weight}-normal.woff2" for package in PACKAGES.values()
                for subset in SUBSETS for weight in WEIGHTS}
    expected |= {f"{package}-LICENSE.txt" for package in PACKAGES.values()}
    assert {path.name for path in FONTS.iterdir()} == expected
    total = sum(path.stat().st_size for path in FONTS.iterdir())
    assert total <= MAX_TOTAL_BYTES, f"static/fonts/ holds {total} bytes"


def test_it_declares_each_face_as_the_packages_do():
    faces = font_faces(FONTS_CSS.read_text())
    assert len(faces) == len(PACKAGES) * len(WEIGHTS) * len(SUBSETS)
    require(NODE_MODULES / "@fontsource", "the @fontsource npm packages")
    seen = set()
    for face in faces:
        family = face["font-family"].strip("\"'")
        weight = int(face["font-weight"])
        assert face["font-display"] == "swap" and face["font-style"] == "normal"
        url = re.fullmatch(r'url\("\.\./fonts/([^"]+)"\) format\("woff2"\)', face["src"]).group(1)
        package = PACKAGES[family]
        subset = url.removeprefix(f"{package}-").removesuffix(f"-{weight}-normal.woff2")
        assert subset in SUBSETS, url
        assert face["unicode-range"] == package_ranges(package, weight)[subset], (family, weight, subset)
        shipped = (FONTS / url).read_bytes()
        original = (NODE_MODULES / "@fontsource" / package / "files" / url).read_bytes()
        assert hashlib.sha256(shipped).digest() == hashlib.sha256(original).digest(), url
        seen.add((family, weight, subset))
    assert len(seen) == len(faces)
    for package in PACKAGES.values():
        license_text = (FONTS / f"{package}-LICENSE.txt").read_text()
        assert "SIL Open Font License" in license_text
        assert license_text == (NODE_MODULES / "@fontsource" / package / "LICENSE").read_text()


@pytest.mark.browser
def test_the_pages_load_both_families_under_their_policy(page):
    """Linked from every page, served by the site, allowed by its Content-Security-Policy, for Arabic and Latin."""
    blocked = []
    page.on("console", lambda message: "Content Security Policy" in message.text and blocked.append(message.text))
    page.goto("/?q=عين الصقر")
    expect(page.locator("link[rel=stylesheet][href$='css/fonts.css']")).to_have_count(1)
    page.evaluate("() => document.fonts.ready")
    in_use = page.evaluate("() => [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
    assert {family.strip("\"'") for family in in_use} == set(PACKAGES), in_use
    for family in PACKAGES:
        for weight in WEIGHTS:
            for sample in ("عين", "Latin"):
                faces = page.evaluate(
                    "async ([font, text]) => (await document.fonts.load(font, text)).map(f => f.status)",
                    [f'{weight} 16px "{family}"', sample],
                )
                assert faces == ["loaded"], (family, weight, sample, faces)
    assert not blocked, blocked
