"""Arabic normalisation, tokenising and light stemming: tables of cases."""

import pytest

from articles.text import content_stems, normalise, normalise_with_offsets, stem, tokenise

NORMALISATION_CASES = [
    # harakat, shadda, sukun, tanween
    ("مُحَمَّد", "محمد"),
    ("كَتَبَ", "كتب"),
    ("مَدْرَسَة", "مدرسه"),
    ("كتابٌ", "كتاب"),
    ("كتاباً", "كتابا"),
    ("كتابٍ", "كتاب"),
    ("الأمريكيّة", "الامريكيه"),
    # superscript alef and Quranic marks
    ("هٰذا", "هذا"),
    ("الرَّحْمٰنِ", "الرحمن"),
    ("ذٰلِكَ ۖ", "ذلك "),
    ("عليهمۗ", "عليهم"),
    # tatweel
    ("عـــين", "عين"),
    ("الـحـرب", "الحرب"),
    # invisible marks: ZWNJ, ZWJ, LRM, RLM, ALM, BOM
    ("می\u200cخواهم", "ميخواهم"),
    ("عر\u200dب", "عرب"),
    ("\u200eسوريا\u200f", "سوريا"),
    ("\u061cدمشق", "دمشق"),
    ("\ufeffبيان", "بيان"),
    # alef forms
    ("أحمد", "احمد"),
    ("إسلام", "اسلام"),
    ("آمن", "امن"),
    ("ٱلله", "الله"),
    # alef maqsura, ta marbuta
    ("مستشفى", "مستشفي"),
    ("على", "علي"),
    ("مدينة", "مدينه"),
    # hamza on waw and ya
    ("مسؤول", "مسوول"),
    ("رئيس", "رييس"),
    ("شؤون", "شوون"),
    # Persian and Urdu letters
    ("کتاب", "كتاب"),
    ("ایران", "ايران"),
    ("مدرسۀ", "مدرسه"),
    # Eastern Arabic and Persian digits
    ("١٣", "13"),
    ("٢٠٢٥", "2025"),
    ("۱۴۰۲", "1402"),
    ("عام ٢٠ كانون", "عام 20 كانون"),
    # lam-alef ligatures and presentation forms (NFKC)
    ("ﻻ", "لا"),
    ("ﻷ", "لا"),
    ("ﺑﺴﻢ", "بسم"),
    # Latin case folding, full-width forms
    ("CNN", "cnn"),
    ("Reuters", "reuters"),
    ("ＢＢＣ", "bbc"),
    # untouched
    ("سوريا", "سوريا"),
    ("", ""),
]


@pytest.mark.parametrize("text, expected", NORMALISATION_CASES)
def test_it_normalises(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize("text, _", NORMALISATION_CASES)
def test_it_is_idempotent(text, _):
    assert normalise(normalise(text)) == normalise(text)


STEM_CASES = [
    # the clitic prefixes of one word all meet at one stem
    (["القوات", "والقوات", "بالقوات", "للقوات", "فالقوات", "كالقوات"], True),
    (["الصقر", "والصقر", "بالصقر", "للصقر"], True),
    (["الأمريكية", "الامريكيه", "الأمريكيّة", "والأمريكية"], True),
    (["الخارجية", "والخارجية", "الخارجيه"], True),
    (["المعلمون", "المعلمين", "معلم"], True),
    (["سوريا", "وسوريا", "بسوريا"], True),
    (["مدرسة", "المدرسة", "ومدرسة"], True),
    # short words keep their first letter: not a clitic
    (["بيت", "يت"], False),
    (["كتب", "تب"], False),
    (["وقت", "قت"], False),
    (["فكر", "كر"], False),
    # a first letter is cut only where three letters remain: بحرين is not ب + حرين
    (["بحرين", "البحرين", "وبحرين"], True),
    (["كلمات", "الكلمات", "بالكلمات"], True),
    (["وحدات", "الحد"], False),
    (["لحظات", "الحظ"], False),
]


@pytest.mark.parametrize("words, same", STEM_CASES)
def test_it_stems_clitics_together_and_leaves_short_words(words, same):
    stems = {stem(normalise(word)) for word in words}
    assert (len(stems) == 1) is same, stems


def test_it_drops_every_mark_pyarabic_knows():
    from pyarabic import araby

    marks = "".join(araby.TASHKEEL) + araby.SMALL_ALEF + araby.TATWEEL
    assert normalise("ك" + marks + "تب") == "كتب"
    assert normalise("".join(araby.NUMBERS_EAST)) == "0123456789"


def test_it_leaves_digits_and_latin_unstemmed():
    assert stem("2025") == "2025"
    assert stem("reuters") == "reuters"


def test_it_keeps_a_diacritised_word_whole():
    assert tokenise("قال مُحَمَّدٌ إنّ الأمْرَ") == ["قال", "محمد", "ان", "الامر"]


def test_it_splits_on_punctuation_and_keeps_numbers():
    assert tokenise("«عين الصقر»، ١٣ كانون-الأول") == ["عين", "الصقر", "13", "كانون", "الاول"]


def test_it_maps_normalised_text_back_to_the_original():
    text = "الأمريكيّة ١٣"
    normalised, offsets = normalise_with_offsets(text)
    assert normalised == normalise(text)
    assert len(offsets) == len(normalised) + 1
    start = normalised.index("13")
    assert text[offsets[start]:offsets[start + 2]] == "١٣"
    assert text[offsets[0]:offsets[normalised.index(" ")]] == "الأمريكيّة"


def _translated(text):
    """What normalise and tokenise give by ``str.translate`` (their way for short texts)."""
    from articles.text import _FOLD_TABLE, WORD_RE

    folded = text.translate(_FOLD_TABLE)
    return folded, WORD_RE.findall(folded)


def test_long_texts_fold_and_split_as_short_ones_do_for_every_character():
    """Long texts go through code point tables; every character of the BMP (marks, ligatures,
    digits of every script, spaces, punctuation, surrogates, underscores) gives what
    ``str.translate`` and the word pattern give."""
    from articles.text import _TOKEN, _folded_codes

    by_tables = 0
    for code in range(0x10000):
        char = chr(code)
        # The character between Arabic letters, glued to them, and beside an underscore.
        text = f"بأس{char}ة {char}مُحَمَّد_{char} " * 4
        assert (normalise(text), tokenise(text)) == _translated(text), hex(code)
        by_tables += _folded_codes(text, _TOKEN) is not None
    assert by_tables > 60_000  # all but the few that fold to several characters


@pytest.mark.parametrize("text", [
    "ﻻ يوجد " * 20,  # a ligature that folds to two letters
    "نص فيه 😀 رمز " * 10,  # beyond the BMP
    "الرياضة " * 8 + "\ud800" + " خارج" * 10,  # a lone surrogate
    "ـ" * 100,  # tatweel only: every character dropped
    "abc_def ١٢٣ " * 10,
])
def test_long_texts_with_characters_the_tables_cannot_fold_read_the_same(text):
    assert (normalise(text), tokenise(text)) == _translated(text)


def test_real_bodies_fold_and_split_as_before():
    import json
    import zipfile

    from bench.corpus import SHARED_DIR

    zips = sorted((SHARED_DIR / "data" / "saudinewsnet").glob("*.zip"))
    if not zips:
        pytest.skip("the SaudiNewsNet corpus is not on this machine")
    with zipfile.ZipFile(zips[0]) as archive:
        articles = json.loads(archive.read(archive.namelist()[0]))
    for article in articles[:300]:
        for text in (article["content"], article["title"]):
            assert (normalise(text), tokenise(text)) == _translated(text)


def test_stems_read_from_the_known_stems_dict_equal_stem_and_the_dict_stays_bounded(monkeypatch):
    from articles import text
    from articles.search.analysis import stem_words

    monkeypatch.setattr(text, "_KNOWN_STEMS", {})
    monkeypatch.setattr(text, "KNOWN_STEMS_MAX", 50)
    body = " ".join(f"والمعلمون{n} للقوات بالقوات في المعلمين{n}" for n in range(40))
    words = tokenise(body)
    assert content_stems(body) == [stem(word) for word in words if word not in text.STOPWORDS]
    assert [s for _, s in stem_words(body)] == content_stems(body)
    assert len(text._KNOWN_STEMS) <= 50 + len(set(words))
    content_stems(body)
    assert len(text._KNOWN_STEMS) <= 50 + len(set(words))
    assert content_stems("") == []
