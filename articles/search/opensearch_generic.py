"""haystack's general ``SearchQuerySet`` on the cluster: the same query strings, parsed the same way as on Whoosh.

The archive's own searches reach the cluster as a ``SearchPlan``
(``opensearch_backend.py``). Every other ``SearchQuerySet`` (filters on any
field, exclude, ``narrow``, ``boost``, facets, ``order_by``, ``models``,
``more_like_this`` on any model …) is built into a query string by the same
``ArabicSearchQuery`` as on Whoosh and parsed by the same Whoosh parser over
the same schema (``backend.whoosh_schema`` / ``query_parser``), which runs
the Arabic analysis in Python. The parsed Whoosh query is then translated
into the cluster's query DSL, term for term, so a query means the same on
both engines. Where a construct has no translation the search raises
``SearchBackendError`` rather than change what the query means.
"""

import os
from datetime import date, datetime

from django.utils.encoding import force_str
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SearchBackendError
from haystack.utils import get_identifier, get_model_ct
from whoosh import query as wq
from whoosh.fields import DATETIME
from whoosh.util.times import long_to_datetime

from articles.search.analysis import STEM_SUFFIX

# The cluster answers at most this many results per request (index.max_result_window).
MAX_WINDOW = 10_000
FACET_SIZE = 10_000
# Whoosh's more_like_this looks for a document's most telling terms; so does the cluster's.
MLT_TERMS = 10
STORED = "stored_values"  # the original text of stored text fields (the indexed words are normalised)
SCORE_TIEBREAK = {f"{DJANGO_ID}.number": {"order": "asc"}}
# Every read of this process goes to the same copy of each shard: a primary
# and its replica refresh at different moments, so without it a page's count,
# its results and the next page could each come from a different copy, and
# a count could go back while an import runs.
READ_PREFERENCE = f"newsarchive-{os.getpid()}"
CALENDAR_UNITS = {"year", "quarter", "month", "week", "day", "hour", "minute", "second"}
FIXED_UNITS = {"day": "d", "hour": "h", "minute": "m", "second": "s"}


def _json_value(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _boosted(dsl, boost):
    if boost == 1.0:
        return dsl
    (kind, body), = dsl.items()
    if kind in ("bool", "dis_max", "match_all", "exists", "match_none", "more_like_this"):
        return {kind: dict(body, boost=boost)}
    (field, options), = body.items()
    return {kind: {field: dict(options, boost=boost)}}


class QueryTranslator:
    """Whoosh query objects (as the parser makes them) into the cluster's query DSL."""

    def __init__(self, schema):
        self.schema = schema

    def _field(self, name):
        return self.schema[name] if name in self.schema else None

    def _value(self, fieldname, text):
        field = self._field(fieldname)
        if isinstance(text, bytes) and field is not None and hasattr(field, "from_bytes"):
            text = field.from_bytes(text)
        elif isinstance(text, bytes):
            text = text.decode("utf-8")
        return _json_value(text)

    def _bound(self, fieldname, value):
        if value is None:
            return None
        if isinstance(self._field(fieldname), DATETIME) and isinstance(value, int):
            value = long_to_datetime(value)
        return _json_value(value)

    def __call__(self, query):
        dsl = self._translate(query)
        return _boosted(dsl, getattr(query, "boost", 1.0)) if dsl is not None else None

    def _translate(self, q):
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return {"match_none": {}}
        if isinstance(q, wq.Every):
            name = q.fieldname
            return {"exists": {"field": name}} if name and name != "*" else {"match_all": {}}
        if isinstance(q, wq.FuzzyTerm):
            return {"fuzzy": {q.fieldname: {"value": q.text, "fuzziness": q.maxdist, "prefix_length": q.prefixlength,
                                            "transpositions": False}}}
        if isinstance(q, wq.Prefix):
            return {"prefix": {q.fieldname: {"value": q.text}}}
        if isinstance(q, wq.Wildcard):
            return {"wildcard": {q.fieldname: {"value": q.text}}}
        if isinstance(q, wq.Term):
            return {"term": {q.fieldname: {"value": self._value(q.fieldname, q.text)}}}
        if isinstance(q, wq.Phrase):
            # Whoosh's slop 1 is Lucene's 0: the words next to each other.
            return {"match_phrase": {q.fieldname: {"query": " ".join(q.words), "slop": max(0, q.slop - 1)}}}
        if isinstance(q, (wq.NumericRange, wq.TermRange)):
            bounds = {}
            start, end = self._bound(q.fieldname, q.start), self._bound(q.fieldname, q.end)
            if start is not None:
                bounds["gt" if q.startexcl else "gte"] = start
            if end is not None:
                bounds["lt" if q.endexcl else "lte"] = end
            return {"range": {q.fieldname: bounds}} if bounds else {"exists": {"field": q.fieldname}}
        if isinstance(q, wq.Not):
            return {"bool": {"must": [{"match_all": {}}], "must_not": [self(q.query)]}}
        if isinstance(q, wq.AndNot):
            return {"bool": {"must": [self(q.a)], "must_not": [self(q.b)]}}
        if isinstance(q, wq.AndMaybe):
            return {"bool": {"must": [self(q.a)], "should": [self(q.b)]}}
        if isinstance(q, wq.Require):
            return {"bool": {"must": [self(q.a)], "filter": [self(q.b)]}}
        if isinstance(q, wq.DisjunctionMax):
            return {"dis_max": {"queries": [self(sub) for sub in q.subqueries], "tie_breaker": q.tiebreak}}
        if isinstance(q, wq.And):
            return {"bool": {"must": [self(sub) for sub in q.subqueries]}}
        if isinstance(q, wq.Or):
            return {"bool": {"should": [self(sub) for sub in q.subqueries], "minimum_should_match": 1}}
        raise SearchBackendError(f"The OpenSearch engine cannot translate {type(q).__name__} ({q}).")


def _empty():
    return {"results": [], "hits": 0, "facets": {}, "spelling_suggestion": None}


def _model_filter(backend, models, limit_to_registered_models):
    from django.conf import settings

    if limit_to_registered_models is None:
        limit_to_registered_models = getattr(settings, "HAYSTACK_LIMIT_TO_REGISTERED_MODELS", True)
    if models:
        choices = sorted(get_model_ct(model) for model in models)
    elif limit_to_registered_models:
        choices = backend.build_models_list()
    else:
        choices = []
    return {"terms": {DJANGO_CT: choices}} if choices else None


def sort_clause(backend, sort_by):
    """haystack's ``order_by`` fields as the cluster's sort; ties by the database id, as on Whoosh."""
    if not sort_by:
        return ["_score", SCORE_TIEBREAK]
    sort = []
    for name in sort_by:
        field = name.lstrip("-")
        if field in backend.text_fields:
            raise SearchBackendError(f"The OpenSearch engine does not sort by the text field {field!r}.")
        # Articles without the field (undated ones) come last either way, as on Whoosh.
        sort.append({field: {"order": "desc" if name.startswith("-") else "asc", "missing": "_last"}})
    return sort + [SCORE_TIEBREAK]


def _date_facet(name, options, backend):
    gap_by, amount = options.get("gap_by", "day").lower(), int(options.get("gap_amount", 1))
    histogram = {"field": name, "min_doc_count": 1}
    if amount == 1 and gap_by in CALENDAR_UNITS:
        histogram["calendar_interval"] = gap_by
    elif gap_by in FIXED_UNITS:
        histogram["fixed_interval"] = f"{amount}{FIXED_UNITS[gap_by]}"
    else:
        raise SearchBackendError(f"The OpenSearch engine does not facet dates by {amount} {gap_by}s.")
    bounds = {}
    if options.get("start_date") is not None:
        bounds["gte"] = _json_value(backend._from_python(options["start_date"]))
    if options.get("end_date") is not None:
        bounds["lt"] = _json_value(backend._from_python(options["end_date"]))
    return {"filter": {"range": {name: bounds}} if bounds else {"match_all": {}},
            "aggs": {"dates": {"date_histogram": histogram}}}


def generic_search(backend, query_string, sort_by=None, start_offset=0, end_offset=None, fields="",
                   highlight=False, facets=None, date_facets=None, query_facets=None, narrow_queries=None,
                   spelling_query=None, within=None, dwithin=None, distance_point=None, models=None,
                   limit_to_registered_models=None, result_class=None, **kwargs):
    """haystack's ``search`` for a query string, with Whoosh's parse of it: as the Whoosh engine answers."""
    if within or dwithin or distance_point:
        raise SearchBackendError("The OpenSearch engine of the archive has no geographic fields.")
    query_string = force_str(query_string)
    # As on Whoosh: an empty or one-character query finds nothing.
    if not query_string or (len(query_string) <= 1 and query_string != "*"):
        return _empty()
    translate = QueryTranslator(backend.whoosh_schema)
    parsed = backend.parser.parse(query_string)
    if parsed is None:
        return _empty()
    filters = [translate(backend.parser.parse(force_str(narrow))) for narrow in narrow_queries or ()]
    model_filter = _model_filter(backend, models, limit_to_registered_models)
    if model_filter:
        filters.append(model_filter)
    start_offset = start_offset or 0
    end_offset = MAX_WINDOW if end_offset is None else min(end_offset, MAX_WINDOW)
    if end_offset <= start_offset:
        return _empty()
    body = {
        "query": {"bool": {"must": [translate(parsed)], "filter": filters}},
        "track_total_hits": True,
        "sort": sort_clause(backend, sort_by),
        "from": start_offset,
        "size": end_offset - start_offset,
    }
    aggregations = {}
    for name in facets or ():
        aggregations[f"field_{name}"] = {"terms": {"field": name, "size": FACET_SIZE}}
    for name, options in (date_facets or {}).items():
        aggregations[f"dates_{name}"] = _date_facet(name, options, backend)
    for name, value in query_facets or ():
        aggregations[f"query_{name}"] = {"filter": translate(backend.parser.parse(force_str(value)))}
    if aggregations:
        body["aggs"] = aggregations
    raw = backend._search(body, scored=not sort_by)
    aggs = raw.get("aggregations", {})
    return {
        "results": stored_results(backend, raw["hits"]["hits"], result_class, highlight),
        "hits": raw["hits"]["total"]["value"],
        "facets": {
            "fields": {name: [(b.get("key_as_string", b["key"]), b["doc_count"])
                              for b in aggs[f"field_{name}"]["buckets"]] for name in facets or ()},
            "dates": {name: [(datetime.fromisoformat(b["key_as_string"].rstrip("Z")), b["doc_count"])
                             for b in aggs[f"dates_{name}"]["dates"]["buckets"]] for name in date_facets or {}},
            "queries": {name: aggs[f"query_{name}"]["doc_count"] for name, _ in query_facets or ()},
        },
        "spelling_suggestion": None,
    }


def stored_results(backend, hits, result_class, highlight=False):
    """haystack's results with the fields each index stores, as Whoosh gives them back.

    An entry whose database row is gone is still a result (its ``object`` is
    None), as on Whoosh: ``update_index --remove`` finds such entries this way.
    """
    from haystack import connections
    from haystack.models import SearchResult
    from haystack.utils.app_loading import haystack_get_model

    from articles.search.highlight import HighlightTerms, snippet

    result_class = result_class or SearchResult
    unified_index = connections[backend.connection_alias].get_unified_index()
    results = []
    for hit in hits:
        source = hit["_source"]
        app_label, model_name = source[DJANGO_CT].split(".")
        model = haystack_get_model(app_label, model_name)
        index = unified_index.get_index(model) if model in unified_index.get_indexed_models() else None
        extra = {ID: source.get(ID)}
        if index is not None:
            stored_text = source.get(STORED, {})
            for name, field in index.fields.items():
                fieldname = field.index_fieldname
                if not field.stored:
                    continue
                value = stored_text[fieldname] if fieldname in stored_text else source.get(fieldname)
                extra[fieldname] = field.convert(value) if value is not None else None
        result = result_class(app_label, model_name, source[DJANGO_ID], hit.get("_score") or 0, **extra)
        if highlight and index is not None and hasattr(index, "highlight_text") and result.object is not None:
            result.highlighted = {"text": [snippet(index.highlight_text(result.object), HighlightTerms())]}
        results.append(result)
    return results


def generic_more_like_this(backend, model_instance, additional_query_string=None, start_offset=0, end_offset=None,
                           models=None, limit_to_registered_models=None, result_class=None):
    """haystack's more-like-this for any model: the cluster's own, on the same words Whoosh would weigh.

    Without ``models``, only the instance's own model is searched: a news
    outlet is not like an article.
    """
    start_offset = start_offset or 0
    end_offset = MAX_WINDOW if end_offset is None else min(end_offset, MAX_WINDOW)
    field = backend.content_field_name
    like = {"more_like_this": {
        "fields": [name for name in (field, field + STEM_SUFFIX) if name in backend.whoosh_schema],
        "like": [{"_index": backend.index_name, "_id": get_identifier(model_instance)}],
        "min_term_freq": 1, "min_doc_freq": 1, "max_query_terms": MLT_TERMS, "minimum_should_match": 1,
    }}
    filters = [_model_filter(backend, models or [type(model_instance)], limit_to_registered_models)]
    if additional_query_string and additional_query_string != "*":
        parsed = backend.parser.parse(force_str(additional_query_string))
        if parsed is not None:
            filters.append(QueryTranslator(backend.whoosh_schema)(parsed))
    body = {
        "query": {"bool": {"must": [like], "filter": [f for f in filters if f],
                           "must_not": [{"ids": {"values": [get_identifier(model_instance)]}}]}},
        "track_total_hits": True,
        "sort": sort_clause(backend, None),
        "from": start_offset,
        "size": max(0, end_offset - start_offset),
    }
    raw = backend._search(body, scored=True)
    return {"results": stored_results(backend, raw["hits"]["hits"], result_class),
            "hits": raw["hits"]["total"]["value"], "facets": {}, "spelling_suggestion": None}

