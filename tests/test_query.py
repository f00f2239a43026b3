"""Parsing what people type into the search box."""

import pytest

from articles.search.query import MAX_QUERY_LENGTH, parse_query


def shape(parsed):
    return (
        [[(c.kind, " ".join(c.words)) for c in group] for group in parsed.groups],
        [(c.kind, " ".join(c.words)) for c in parsed.excluded],
    )


@pytest.mark.parametrize(
    "typed, groups, excluded",
    [
        ("عين الصقر", [[("word", "عين")], [("word", "الصقر")]], []),
        ("الأمريكيّة", [[("word", "الامريكيه")]], []),
        ('"عين الصقر"', [[("phrase", "عين الصقر")]], []),
        ("“عين الصقر”", [[("phrase", "عين الصقر")]], []),
        ("«عين الصقر»", [[("phrase", "عين الصقر")]], []),
        ("سوريا -داعش", [[("word", "سوريا")]], [("word", "داعش")]),
        ('سوريا -"تنظيم داعش"', [[("word", "سوريا")]], [("phrase", "تنظيم داعش")]),
        ("سوريا OR العراق", [[("word", "سوريا"), ("word", "العراق")]], []),
        ("سوريا | العراق تدمر", [[("word", "سوريا"), ("word", "العراق")], [("word", "تدمر")]], []),
        ("امريك*", [[("prefix", "امريك")]], []),
        ("١٣", [[("word", "13")]], []),
        ("covid-19", [[("phrase", "covid 19")]], []),
        ("ما - هو", [[("word", "ما")], [("word", "هو")]], []),
        ("", [], []),
        ("   ،،  ", [], []),
    ],
)
def test_it_reads_the_query_syntax(typed, groups, excluded):
    assert shape(parse_query(typed)) == (groups, excluded)


def test_it_reports_an_unclosed_quote_with_its_position():
    parsed = parse_query('سوريا "عين الصقر')
    assert shape(parsed)[0] == [[("word", "سوريا")], [("phrase", "عين الصقر")]]
    assert any("الموضع 7" in problem for problem in parsed.problems)


def test_it_reports_a_dangling_or():
    parsed = parse_query("OR سوريا OR")
    assert shape(parsed)[0] == [[("word", "سوريا")]]
    assert len(parsed.problems) == 2


def test_it_reports_a_query_of_only_exclusions():
    parsed = parse_query("-داعش")
    assert parsed.is_empty
    assert any("أضف كلمة" in problem for problem in parsed.problems)


def test_it_reports_a_too_short_prefix():
    parsed = parse_query("ا*")
    assert parsed.is_empty
    assert parsed.problems


def test_it_cuts_very_long_input_and_says_so():
    parsed = parse_query("سوريا " * 200)
    assert len(parsed.text) <= MAX_QUERY_LENGTH
    assert parsed.problems


def test_it_treats_markup_and_query_syntax_of_other_engines_as_words():
    parsed = parse_query("<script>alert(1)</script> title:x AND (y)")
    words = [w for group in parsed.groups for c in group for w in c.words]
    assert "script" in words and "and" in words
