from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, render

from articles.forms import SearchForm
from articles.models import Article
from articles.search.highlight import HighlightTerms, highlight_text
from articles.search.query import parse_query
from articles.search.service import SearchFilters, search_articles


can_read = permission_required("articles.view_article", raise_exception=True)


@can_read
def search(request):
    form = SearchForm(request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    query, sort, page = data.get("q", ""), data.get("sort", "relevance"), data.get("page", 1)
    filters = form.filters() if not form.errors else SearchFilters()
    per_page = settings.SEARCH_RESULTS_PER_PAGE
    outcome = search_articles(query, offset=(page - 1) * per_page, limit=per_page, sort=sort, filters=filters)
    params = request.GET.copy()
    params.pop("page", None)
    last_page = max(1, -(-outcome.total // per_page))
    return render(
        request,
        "articles/search.html",
        {
            "form": form,
            "query": query,
            "sort": sort,
            "outcome": outcome,
            "page": page,
            "previous_page": page - 1 if page > 1 else None,
            "next_page": page + 1 if page < last_page else None,
            "last_page": last_page,
            "filters": filters,
            "base_query": params.urlencode(),
            "can_export": request.user.has_perm("articles.export_articles"),
            "recent": Article.objects.select_related("source")[:10] if not (query or filters) else (),
        },
    )


@can_read
def article_detail(request, pk):
    article = get_object_or_404(Article.objects.select_related("source"), pk=pk)
    query = request.GET.get("q", "")
    terms = HighlightTerms.from_query(parse_query(query))
    return render(
        request,
        "articles/article_detail.html",
        {"article": article, "query": query, "body": highlight_text(article.body, terms)},
    )
