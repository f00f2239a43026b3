from django import forms

from articles.search.query import MAX_QUERY_LENGTH
from articles.search.service import SORTS


class SearchForm(forms.Form):
    q = forms.CharField(required=False, strip=True)
    sort = forms.ChoiceField(choices=[(key, key) for key in SORTS], required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def clean_q(self):
        # Longer input is cut (and the page says so) rather than refused.
        return self.cleaned_data["q"][: MAX_QUERY_LENGTH * 4]

    def clean_sort(self):
        return self.cleaned_data["sort"] or "relevance"

    def clean_page(self):
        return self.cleaned_data["page"] or 1
