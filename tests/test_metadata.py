from datetime import date
from pathlib import Path

import pytest

from articles.importing.metadata import derive_headline, extract, find_outlet
from articles.text import normalise

DEMO = Path(__file__).resolve().parent.parent / "articles" / "demo"
TODAY = date(2026, 11, 21)
SAMPLES = {
    "aggregator": DEMO / "aggregator-syria-calls-for-cooperation.txt",
    "channel": DEMO / "ikhbariya-eye-of-the-hawk.txt",
}


def sample(name):
    return SAMPLES[name].read_text(encoding="utf-8")


def lines_of(text):
    return [line for line in text.splitlines() if line.strip()]


def test_it_takes_the_aggregators_first_line_as_title():
    found = extract(sample("aggregator"), TODAY)
    assert found.title == lines_of(sample("aggregator"))[0].strip()
    assert found.title_derived is False


def test_it_derives_the_channels_title_from_its_first_sentence():
    found = extract(sample("channel"), TODAY)
    assert found.title_derived is True
    assert found.title.startswith("أفاد مراسل الإخبارية")
    assert len(found.title.split()) <= 13
    assert found.title.endswith("…")


def test_it_finds_the_original_source():
    assert "الاخباريه" in normalise(extract(sample("aggregator"), TODAY).original_source)
    assert extract(sample("channel"), TODAY).original_source == "الإخبارية"


def test_it_dates_the_aggregator_by_its_attribution_line():
    found = extract(sample("aggregator"), TODAY).date
    assert (found.date, found.precision, found.year_inferred) == (date(2025, 12, 20), "day", False)


def test_it_infers_the_year_of_the_channels_date_from_its_weekday():
    found = extract(sample("channel"), TODAY).date
    assert (found.date, found.precision, found.year_inferred) == (date(2025, 12, 20), "day", True)


def test_it_collects_trailing_tags():
    assert extract(sample("aggregator"), TODAY).categories == ["سياسة"]
    assert extract(sample("channel"), TODAY).categories == []


def test_it_moves_the_aggregators_boilerplate_out_of_the_body():
    lines = lines_of(sample("aggregator"))
    attribution, disclaimer = lines[1], lines[2]
    found = extract(sample("aggregator"), TODAY)
    assert attribution not in found.body
    assert disclaimer not in found.body
    assert "سياسة" not in found.body.splitlines()
    assert found.kept["attribution"] == attribution
    assert found.kept["disclaimer"] == disclaimer
    assert found.kept["tags"] == "\n".join(["سياسة"] * 4)
    assert found.body.startswith("قدمت وزارة الخارجية")


def test_it_keeps_the_channels_body_whole():
    found = extract(sample("channel"), TODAY)
    assert found.kept == {}
    assert found.body == sample("channel").strip("\n")


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_it_loses_nothing(name):
    text = sample(name)
    found = extract(text, TODAY)
    title = "" if found.title_derived else found.title
    together = "\n".join([title, *found.kept.values(), found.body])
    for line in lines_of(text):
        assert line.strip() in together
    # And the body lines are exactly as written.
    assert set(found.body.splitlines()) <= set(text.splitlines())


@pytest.mark.parametrize(
    "text, outlet",
    [
        ("هذا الخبر نشر أولاً على موقع قناة الإخبارية وتم جلبه من مصدره الأصلي.", "قناة الإخبارية"),
        ("نُشر أولاً على «سانا» بتاريخ 3 آذار 2024", "سانا"),
        ("المصدر: وكالة الأنباء السعودية (واس)", "وكالة الأنباء السعودية"),
        ("مصدر الخبر : صحيفة الأهرام", "صحيفة الأهرام"),
        ("قالت الوزارة، نقلاً عن وكالة رويترز، إن", "وكالة رويترز"),
        ('نقلاً عن "فرانس 24" أن الهجوم', "فرانس 24"),
        ("نقلاً عن مصادر محلية", ""),
        ("نقلاً عن مصادر محلية، قال مراسل سانا في حمص", "سانا"),
        ("ذكرت وكالة الأنباء السعودية أن الوزير", "وكالة الأنباء السعودية"),
        ("وقال لوكالة رويترز إن", "وكالة رويترز"),
        ("أعلنت وكالة الطاقة الذرية أن", ""),
        ("أفاد مراسل الإخبارية بأن", "الإخبارية"),
        ("وقالت مراسلة قناة الجزيرة في دمشق إن", "قناة الجزيرة"),
        ("وأوضح مراسل الوكالة أن", ""),
        ("وأوضح المصدر أن المواقع", ""),
        ("", ""),
    ],
)
def test_it_finds_outlets_in_each_phrasing(text, outlet):
    assert find_outlet(text) == outlet


def test_it_keeps_an_attribution_line_and_removes_it_from_the_body():
    text = "عنوان قصير\n\nنص الخبر الأول.\nالمصدر: وكالة سانا\nاقتصاد"
    found = extract(text, TODAY)
    assert (found.title, found.body) == ("عنوان قصير", "نص الخبر الأول.")
    assert found.kept == {"attribution": "المصدر: وكالة سانا", "tags": "اقتصاد"}
    assert found.original_source == "وكالة سانا"
    assert found.categories == ["اقتصاد"]


def test_it_leaves_an_attribution_inside_a_sentence_in_the_body():
    text = "قالت الوزارة نقلاً عن وكالة رويترز إن الاجتماع عقد في 3 آذار 2024.\nوأضافت أن الجلسة انتهت."
    found = extract(text, TODAY)
    assert found.body == text
    assert found.original_source == "وكالة رويترز"
    assert found.kept == {}
    assert found.date.date == date(2024, 3, 3)


def test_it_keeps_a_short_credit_line_as_attribution():
    found = extract("خبر عاجل عن الطقس.\nنقلاً عن وكالة الأناضول", TODAY)
    assert found.kept == {"attribution": "نقلاً عن وكالة الأناضول"}
    assert found.original_source == "وكالة الأناضول"
    assert found.body == "خبر عاجل عن الطقس."


def test_it_reads_several_tags_and_a_label():
    found = extract("نص الخبر.\nسطر ثان.\n\nالتصنيف: سياسة، عربي ودولي\nسياسة\n", TODAY)
    assert found.categories == ["سياسة", "عربي ودولي"]
    assert found.kept["tags"] == "التصنيف: سياسة، عربي ودولي\nسياسة"
    assert found.body == "نص الخبر.\nسطر ثان."


def test_it_does_not_take_a_lone_category_word_for_tags():
    found = extract("سياسة", TODAY)
    assert (found.body, found.categories, found.kept) == ("سياسة", [], {})


def test_it_does_not_take_a_paragraph_for_a_title():
    paragraph = "قال الوزير إن الاجتماع انتهى. وأضاف أن الجلسة القادمة ستعقد الأسبوع المقبل في العاصمة."
    found = extract(paragraph + "\n\nفقرة ثانية.", TODAY)
    assert found.title_derived is True
    assert found.title == "قال الوزير إن الاجتماع انتهى"
    assert found.body.startswith(paragraph)


def test_it_handles_empty_text():
    found = extract("", TODAY)
    assert (found.title, found.body, found.date, found.categories, found.kept) == ("", "", None, [], {})


def test_it_cuts_long_headlines():
    headline = derive_headline(" ".join(["كلمة"] * 20) + ".")
    assert headline == " ".join(["كلمة"] * 12) + " …"
