from django import forms

from articles.exporting import FORMATS
from articles.search.query import MAX_QUERY_LENGTH
from articles.search.service import SORTS, SearchFilters


class NamesField(forms.MultipleChoiceField):
    """Several free-text values (source or category names): any name is valid; unknown ones match nothing."""

    def validate(self, value):
        pass


class SearchForm(forms.Form):
    """The search page's query, filters and sort, all from the URL."""

    q = forms.CharField(required=False, strip=True)
    sort = forms.ChoiceField(choices=[(key, key) for key in SORTS], required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)
    source = NamesField(required=False)
    category = NamesField(required=False)
    date_from = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    date_to = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    # "all": every version of a story in its own place, rather than one place per story.
    versions = forms.ChoiceField(choices=[("all", "all")], required=False)

    def clean_q(self):
        # Longer input is cut (and the page says so) rather than refused.
        return self.cleaned_data["q"][: MAX_QUERY_LENGTH * 4]

    def clean_sort(self):
        return self.cleaned_data["sort"] or "relevance"

    def clean_page(self):
        return self.cleaned_data["page"] or 1

    def clean_source(self):
        return tuple(value.strip()[:200] for value in self.cleaned_data["source"] if value.strip())

    def clean_category(self):
        return tuple(value.strip()[:200] for value in self.cleaned_data["category"] if value.strip())

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "تاريخ النهاية قبل تاريخ البداية / the end date is before the start date")
        return data

    def filters(self):
        data = self.cleaned_data
        return SearchFilters(
            sources=data.get("source", ()), categories=data.get("category", ()),
            date_from=data.get("date_from"), date_to=data.get("date_to"),
        )


class ExportForm(SearchForm):
    format = forms.ChoiceField(choices=[(key, key) for key in FORMATS], required=False)
    text = forms.BooleanField(required=False)
    headers = forms.ChoiceField(choices=[("en", "en"), ("ar", "ar")], required=False)
    confirm = forms.BooleanField(required=False)

    def clean_format(self):
        return self.cleaned_data["format"] or "csv"

    def clean_headers(self):
        return self.cleaned_data["headers"] or "en"
