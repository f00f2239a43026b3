from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from articles import search_page
from articles.context_processors import DIGIT_STYLES
from articles.forms import SearchForm
from articles.models import Article
from articles.search.highlight import highlight_text
from articles.search.query import parse_query
from articles.search.related import related_articles
from articles.search.service import SearchFilters, highlight_terms, search_articles

can_read = permission_required("articles.view_article", raise_exception=True)


@can_read
def search(request):
    form = SearchForm(request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    query, sort, page = data.get("q", ""), data.get("sort", "relevance"), data.get("page", 1)
    every_version = bool(data.get("versions"))
    filters = form.filters() if not form.errors else SearchFilters()
    per_page = settings.SEARCH_RESULTS_PER_PAGE
    # No query and no filter: the front page lists the archive, newest first,
    # with its sources, categories, dates and stories.
    browsing = not query and not filters
    outcome = search_articles(
        query, offset=(page - 1) * per_page, limit=per_page, sort="newest" if browsing else sort, filters=filters,
        facets=True, collapse=not every_version, browse=browsing,
    )
    last_page = max(1, -(-outcome.places // per_page))
    if page > last_page:
        # A page past the end (an old bookmark, a hand-edited URL) goes to the last one.
        return HttpResponseRedirect(f"?{search_page.query_string(request.GET)}"
                                    + (f"&page={last_page}" if last_page > 1 else ""))
    params = request.GET
    if not outcome.collapsed:
        for result in outcome.results:
            result.other_versions = outcome.versions.get(result.object.story_id, 1) - 1
    bars = search_page.histogram_bars(params, outcome.histogram)
    parsed = parse_query(query)
    return render(request, "articles/search.html", {
        "form": form,
        "query": query,
        "sort": sort,
        "outcome": outcome,
        "page": page,
        "last_page": last_page,
        "filters": filters,
        "every_version": every_version,
        "versions_switch_url": search_page.versions_switch_url(params, every_version),
        "facet_groups": search_page.facet_groups(params, outcome.facets, filters,
                                                 outcome.facets_as_written) if outcome.facets else [],
        "chips": search_page.chips(params, filters),
        "quick_ranges": search_page.quick_ranges(params),
        "bars": bars,
        "last_bar": bars[-1] if bars else None,
        "histogram_unit": outcome.histogram[0],
        "advice": search_page.empty_advice(parsed, filters),
        "suggestion_url": search_page.suggestion_url(params, outcome.suggestion) if outcome.suggestion else "",
        "can_export": request.user.has_perm("articles.export_articles"),
        "browsing": browsing,
    })


# The article page shows at most this much text unless the reader asks for
# all of it: a 5 MB article made a 9-14 MB page.
PAGE_TEXT_CHARS = 100_000


def page_text(body, full=False, limit=PAGE_TEXT_CHARS):
    """(the text the page shows, whether it was cut): cut at a line or word end before ``limit``."""
    if full or len(body) <= limit:
        return body, False
    cut = body.rfind("\n", limit // 2, limit)
    if cut == -1:
        cut = body.rfind(" ", limit // 2, limit)
    return body[: cut if cut != -1 else limit], True


def _with_full(params):
    params = params.copy()
    params["full"] = "1"
    return params.urlencode()


@can_read
def article_detail(request, pk):
    article = get_object_or_404(Article.objects.select_related("source", "original_source", "story"), pk=pk)
    query = request.GET.get("q", "")
    back = request.GET.get("back", "")
    terms = highlight_terms(parse_query(query))
    text, cut = page_text(article.body, full=request.GET.get("full") == "1")
    versions = []
    if article.story_id:
        versions = article.story.articles.exclude(pk=article.pk).select_related("source").order_by("date", "pk")
    return render(request, "articles/article_detail.html", {
        "article": article,
        "query": query,
        # Only a query string of our own search page goes back into a link.
        "back": back if back and "//" not in back and not back.startswith(("/", "http")) else "",
        "body": highlight_text(text, terms),
        # A very long article shows its opening; the full text is one click away.
        "full_text_url": f"?{_with_full(request.GET)}" if cut else "",
        "shown_chars": len(text),
        "total_chars": len(article.body),
        "versions": versions,
        "related": related_articles(article),
    })


@require_POST
def set_digits(request):
    """Remember the reader's digits (Eastern Arabic or Western) for a year."""
    style = request.POST.get("digits")
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if style in DIGIT_STYLES:
        response.set_cookie("digits", style, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=request.is_secure(), httponly=True)
    return response
