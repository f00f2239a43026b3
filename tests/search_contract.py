"""The SearchQuerySet contract every engine of the archive honours, with Arabic text.

haystack's own suite (``tests/test_haystack_suite.py``) checks the engine on
English mock models; these check what it does not cover, on articles, through
a real index. ``SearchContract`` holds the tests; an engine's test module
subclasses it (as ``Test…``) and provides the ``engine`` fixture: a haystack
connection alias whose index is empty and writable (see
``tests/test_search_contract.py`` for Whoosh).
"""

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from haystack import connections, indexes
from haystack.exceptions import SearchBackendError
from haystack.inputs import AutoQuery, Exact
from haystack.query import SQ, SearchQuerySet
from haystack.utils.loading import UnifiedIndex

from articles.models import Article, Source, body_fingerprint

PUBLISHED = datetime(2025, 12, 20, 8, 0)


class ContractArticleIndex(indexes.SearchIndex, indexes.Indexable):
    """Every kind of haystack field, over articles."""

    text = indexes.CharField(document=True, model_attr="body", stored=False)
    title = indexes.CharField(model_attr="title")
    title_auto = indexes.EdgeNgramField(model_attr="title")
    category = indexes.FacetCharField(model_attr="category", null=True)
    author = indexes.CharField(model_attr="author", indexed=False)
    published = indexes.DateTimeField()
    words = indexes.IntegerField()
    weight = indexes.FloatField()
    tags = indexes.MultiValueField()
    serial = indexes.FacetCharField()  # an integer value on an ID field

    def get_model(self):
        return Article

    def prepare_published(self, article):
        # The title's number is the hour: several articles within one day.
        return PUBLISHED + timedelta(hours=int(article.external_id))

    def prepare_words(self, article):
        return len(article.body.split())

    def prepare_weight(self, article):
        return int(article.external_id) / 4

    def prepare_tags(self, article):
        return [tag for tag in article.category.split("، ") if tag]

    def prepare_serial(self, article):
        return int(article.external_id)


class ContractSourceIndex(indexes.SearchIndex, indexes.Indexable):
    """A second model, for models() and more_like_this on something other than an article."""

    text = indexes.CharField(document=True, model_attr="name")

    def get_model(self):
        return Source


ARTICLES = [
    # (title, body, category)
    ("عين الصقر", "أطلقت القوات تمرين عين الصقر في الصحراء مع الحلفاء", "أمن، تدريب"),
    ("الصقر في عينه", "رأى الصقر الحلفاء بعين حادة فوق الصحراء", "طبيعة"),
    ("أسعار النفط", "ارتفعت أسعار النفط في الأسواق العالمية اليوم", "اقتصاد"),
    ("الأمريكيون والنفط", "قال المسؤولون الأمريكيون إن أسعار النفط مستقرة", "اقتصاد، سياسة"),
    ("وزارة الصحة", "أعلنت وزارة الصحة حملة تطعيم في المدارس", "صحة"),
]


class SearchContract:
    """Tests every engine passes; subclasses provide the ``engine`` fixture."""

    @pytest.fixture
    def articles(self, db, engine):
        source = Source.objects.create(name="الإخبارية")
        Source.objects.create(name="وكالة الأنباء السعودية")
        saved = [
            Article.objects.create(
                external_id=str(i), title=title, body=body, category=category, source=source,
                fingerprint=body_fingerprint(body), date=date(2025, 12, 20), author=f"كاتب {i}",
            )
            for i, (title, body, category) in enumerate(ARTICLES)
        ]
        unified = UnifiedIndex()
        unified.build(indexes=[ContractArticleIndex(), ContractSourceIndex()])
        connection = connections[engine]
        original = connection._index
        connection._index = unified
        backend = connection.get_backend()
        backend.setup_complete = False  # the schema follows the new indexes
        backend.clear()
        backend.update(unified.get_index(Article), saved)
        backend.update(unified.get_index(Source), Source.objects.all())
        yield saved
        connection._index = original
        connection.get_backend().setup_complete = False

    def sqs(self, engine):
        return SearchQuerySet(using=engine).models(Article)

    @staticmethod
    def titles(sqs):
        return sorted(result.title for result in sqs)

    def test_it_finds_a_word_in_any_of_its_forms(self, engine, articles):
        # Hamza, clitics and ta marbuta do not matter.
        assert self.titles(self.sqs(engine).filter(content="امريكيون")) == ["الأمريكيون والنفط"]

    def test_exclude_and_not_leave_the_word_out(self, engine, articles):
        expected = ["أسعار النفط", "الأمريكيون والنفط", "وزارة الصحة"]
        assert self.titles(self.sqs(engine).exclude(content="الصقر")) == expected
        assert self.titles(self.sqs(engine).filter(~SQ(content="الصقر"))) == expected

    def test_chained_filters_are_and(self, engine, articles):
        assert self.titles(self.sqs(engine).filter(content="النفط").filter(content="الأمريكيون")) == [
            "الأمريكيون والنفط"
        ]

    def test_or_across_fields(self, engine, articles):
        found = self.sqs(engine).filter(SQ(content="تطعيم") | SQ(title="الصقر"))
        assert self.titles(found) == ["الصقر في عينه", "عين الصقر", "وزارة الصحة"]

    def test_exact_keeps_the_phrase(self, engine, articles):
        assert self.titles(self.sqs(engine).filter(content__exact="عين الصقر")) == ["عين الصقر"]
        assert self.titles(self.sqs(engine).filter(content=Exact("عين الصقر"))) == ["عين الصقر"]
        assert self.titles(self.sqs(engine).filter(content=AutoQuery('"عين الصقر"'))) == ["عين الصقر"]

    def test_startswith_and_fuzzy(self, engine, articles):
        assert self.titles(self.sqs(engine).filter(content__startswith="أمريك")) == ["الأمريكيون والنفط"]
        assert self.titles(self.sqs(engine).filter(content__fuzzy="تطعيك")) == ["وزارة الصحة"]

    def test_range_lookups_on_text_numbers_and_datetimes(self, engine, articles):
        assert self.titles(self.sqs(engine).filter(serial__range=["1", "2"])) == ["أسعار النفط", "الصقر في عينه"]
        assert self.titles(self.sqs(engine).filter(words__gte=9)) == ["عين الصقر"]
        assert self.titles(self.sqs(engine).filter(weight__gt=0.6)) == ["الأمريكيون والنفط", "وزارة الصحة"]
        assert self.titles(self.sqs(engine).filter(published__lt=PUBLISHED + timedelta(hours=1))) == ["عين الصقر"]

    def test_datetimes_order_within_a_day(self, engine, articles):
        newest = [r.title for r in self.sqs(engine).order_by("-published")]
        assert newest == [title for title, _, _ in reversed(ARTICLES)]
        assert self.sqs(engine).latest("published").title == "وزارة الصحة"

    def test_stored_values_come_back_as_they_were(self, engine, articles):
        result = self.sqs(engine).filter(content="تطعيم")[0]
        assert result.tags == ["صحة"] and result.words == 7 and result.weight == 1.0
        assert result.published == PUBLISHED + timedelta(hours=4) and result.author == "كاتب 4"
        assert self.sqs(engine).filter(content="النفط").filter(tags="سياسة")[0].title == "الأمريكيون والنفط"

    def test_facets_on_any_stored_field(self, engine, articles):
        counts = dict(self.sqs(engine).facet("category").facet_counts()["fields"]["category"])
        assert counts["اقتصاد"] == 1 and counts["اقتصاد، سياسة"] == 1

    def test_autocomplete_on_edge_ngrams(self, engine, articles):
        assert self.titles(self.sqs(engine).autocomplete(title_auto="وزا")) == ["وزارة الصحة"]

    def test_models_narrow_and_boost(self, engine, articles):
        sources = SearchQuerySet(using=engine).models(Source).filter(content="الإخبارية")
        assert sources.count() >= 1 and {r.model for r in sources} == {Source}
        narrowed = self.sqs(engine).filter(content="النفط").narrow("serial:3")
        assert self.titles(narrowed) == ["الأمريكيون والنفط"]
        boosted = self.sqs(engine).filter(SQ(content="الصحراء") | SQ(content="الحلفاء")).boost("تمرين", 10)
        assert boosted[0].title == "عين الصقر"

    def test_an_entry_without_its_row_is_still_a_result_and_update_index_removes_it(self, engine, articles):
        gone = articles[4]
        Article.objects.filter(pk=gone.pk).delete()
        found = self.sqs(engine).filter(content="تطعيم")
        assert found.count() == 1 and len(list(found)) == 1
        assert found[0].id == f"articles.article.{gone.pk}" and found[0].object is None
        call_command("update_index", "articles", remove=True, using=[engine], verbosity=0)
        assert self.sqs(engine).filter(content="تطعيم").count() == 0

    def test_more_like_this_on_another_model(self, engine, articles):
        source = Source.objects.get(name="وكالة الأنباء السعودية")
        similar = list(SearchQuerySet(using=engine).more_like_this(source))
        assert all(r.model is Source for r in similar) and str(source.pk) not in [r.pk for r in similar]

    def test_the_query_reads_as_a_string_and_a_blank_query_finds_everything(self, engine, articles):
        assert "النفط" in str(self.sqs(engine).filter(content="النفط").query)
        assert self.sqs(engine).auto_query(" ").count() == len(ARTICLES)
        assert self.sqs(engine).filter(content=" ").count() == 0

    def test_the_archive_search_refuses_what_it_cannot_rank(self, engine, articles):
        from articles.search.backend import ArabicQuery

        sqs = self.sqs(engine)
        sqs.query.archive_search = True
        with pytest.raises(SearchBackendError):
            sqs.filter(~SQ(content=ArabicQuery("الصقر"))).count()
