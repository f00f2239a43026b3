from haystack import indexes

from articles.models import Article


class ArticleIndex(indexes.SearchIndex, indexes.Indexable):
    # Indexed, not stored: results are read from the database.
    text = indexes.CharField(document=True, use_template=True, stored=False)
    source = indexes.FacetCharField(model_attr="source__name", null=True)
    category = indexes.FacetCharField(model_attr="category", null=True)
    date = indexes.DateField(model_attr="date", null=True)

    def get_model(self):
        return Article

    def get_updated_field(self):
        return "updated_at"

    def index_queryset(self, using=None):
        return self.get_model().objects.select_related("source", "original_source", "story")

    def read_queryset(self, using=None):
        # What a result (on the page or in an export) needs, and no more: loaded
        # by pk, unordered, without the story signature or the kept lines.
        return (
            self.get_model().objects.select_related("source", "original_source", "story")
            .defer("minhash", "kept").order_by()
        )

    def prepare_category(self, article):
        return article.category or None

    def indexed_text(self, article):
        """What the text field indexes (templates/search/indexes/articles/article_text.txt), without a template."""
        return f"{article.title}\n{article.body}"

    def highlight_text(self, article):
        """The text snippets are cut from: the article as written."""
        return article.body
