"""The archive's ``SearchPlan`` as the cluster's bool queries: the same words, weights and bounds as on Whoosh.

A word is its normalised form and its light stems, each scored as ranking.py
scores it (``ranking._clause_terms``: BM25 times the term's weight), plus
its expansions (other spellings, related forms, near words: expansion.py);
a prefix is the most frequent words it stands for (prefixes.py); a phrase is
a phrase on the surface words or, across stop words, on the stems. The
statistics both modules read come from the cluster (opensearch_stats.py).
"""

from datetime import datetime

from haystack.exceptions import SearchBackendError
from whoosh import query as wq

from articles.search.analysis import STEM_SUFFIX
from articles.search.expansion import StemMatch, expand_query
from articles.search.prefixes import bind_prefixes
from articles.search.query import SURFACE_BOOST, content_groups
from articles.search.ranking import _clause_terms, _expansion_terms, _word_terms
from articles.text import is_stopword, stem

# The index's analyzer that puts a query's words at one position (opensearch_backend.py):
# a match query through it is Lucene's SynonymQuery, one term with the readings' counts summed.
READINGS_ANALYZER = "archive_readings"


def _bool(**parts):
    return {"bool": {key: value for key, value in parts.items() if value}}


def _span_terms(field, terms):
    clauses = [{"span_term": {field: term}} for term in terms]
    return clauses[0] if len(clauses) == 1 else {"span_or": {"clauses": clauses}}


def stem_match_query(match, boost=1.0):
    """``expansion.StemMatch`` as a span query: the word's stems in the stem field, less the places
    written as another word (``unlike_forms``) or, for a word whose ending is its own, all places but
    its own forms.

    The surface and stem fields hold an article's words at the same positions (a placeholder keeps a
    stop word's), so the surface field's spans, masked as the stem field's, mark which of its places
    to leave out. Scored as the stem term (its statistics), counting the places kept.
    """
    stem_field = match.fieldname + STEM_SUFFIX
    stems = _span_terms(stem_field, match.readings)

    def written_as(forms):
        return {"field_masking_span": {"query": _span_terms(match.fieldname, forms), "field": stem_field}}

    if match.own_forms:
        left_out = {"span_not": {"include": stems, "exclude": written_as(match.own_forms)}}
    else:
        left_out = written_as(match.unlike_forms)
    return {"span_not": {"include": stems, "exclude": left_out, "boost": boost}}


def _leaves_forms_out(text):
    return isinstance(text, StemMatch) and bool(text.own_forms or text.unlike_forms)


def _and_parts(query):
    if query is None:
        return []
    return list(query.subqueries) if isinstance(query, wq.And) else [query]


class PlanQueries:
    """The query-building half of ``ArabicOpenSearchBackend`` (it provides ``stats`` and ``content_field_name``)."""

    @staticmethod
    def _terms_query(terms, scored):
        """(field, term, weight) scored as ranking.py sums them (each term's BM25 times its weight) or,
        to filter, one ``terms`` query per field: the cluster bounds the term queries of a search
        (``indices.query.bool.max_clause_count``), and only the scored part needs one per term."""
        # A stem match that leaves other words' forms out is a span query; one that only joins a
        # word's stem readings is scored as one term (READINGS_ANALYZER) or filtered as its readings.
        matches = [stem_match_query(text, weight if scored else 1.0) for _, text, weight in terms
                   if _leaves_forms_out(text)]
        terms = [term for term in terms if not _leaves_forms_out(term[1])]
        if not scored:
            by_field = {}
            for field, text, _ in terms:
                by_field.setdefault(field, []).extend(text.readings if isinstance(text, StemMatch) else [text])
            clauses = [{"terms": {field: texts}} for field, texts in by_field.items()]
        else:
            clauses = [
                {"match": {field: {"query": " ".join(text.readings), "analyzer": READINGS_ANALYZER, "boost": weight}}}
                if isinstance(text, StemMatch) else {"term": {field: {"value": text, "boost": weight}}}
                for field, text, weight in terms
            ]
        clauses += matches
        return clauses[0] if len(clauses) == 1 else _bool(should=clauses, minimum_should_match=1)

    def word_clause(self, clause, expansions=None, as_written=False, scored=True):
        """A clause of the parsed query; a word with its expansion (``expansion.WordExpansion``) unless
        ``as_written``, a prefix bound to its words (``prefixes.bind_prefixes``)."""
        field = self.content_field_name
        stem_field = field + STEM_SUFFIX
        if clause.kind == "phrase":
            words = list(clause.words)
            surface = {"match_phrase": {field: {"query": " ".join(words), "boost": SURFACE_BOOST}}}
            content = [word for word in words if not is_stopword(word)]
            if len(content) < 2:
                return surface
            # Whoosh's slop 1 + gaps is Lucene's gaps: stop words are not in the stem field.
            stems = {"match_phrase": {stem_field: {"query": " ".join(stem(w) for w in content),
                                                   "slop": len(words) - len(content)}}}
            return {"dis_max": {"queries": [surface, stems]}}
        if clause.kind == "prefix" and not clause.terms:  # not bound (an index without statistics)
            return {"prefix": {field: clause.words[0]}}
        if clause.kind != "word":
            return self._terms_query(_clause_terms(field, clause), scored)
        # As ranking.rank: a word whose stem other words share (expansion.StemMatch) counts as written.
        expansion = (expansions or {}).get(clause.words[0])
        terms = _word_terms(field, clause.words[0], expansion)
        if not as_written:
            terms = terms + _expansion_terms(field, expansion)
        return self._terms_query(terms, scored)

    def group_query(self, group, expansions=None, scored=True):
        clauses = [self.word_clause(clause, expansions, scored=scored) for clause in group]
        return clauses[0] if len(clauses) == 1 else _bool(should=clauses, minimum_should_match=1)

    def filter_query(self, query):
        """A Whoosh filter object from ``ArabicSearchQuery`` as a bool filter."""
        if isinstance(query, wq.Term):
            value = query.text
            if isinstance(value, datetime):
                value = value.date().isoformat()
            return {"term": {query.fieldname: value}}
        if isinstance(query, wq.DateRange):
            bounds = {}
            if query.startdate is not None:
                bounds["gt" if query.startexcl else "gte"] = query.startdate.date().isoformat()
            if query.enddate is not None:
                bounds["lt" if query.endexcl else "lte"] = query.enddate.date().isoformat()
            return {"range": {query.fieldname: bounds}}
        if isinstance(query, wq.Or):
            return _bool(should=[self.filter_query(sub) for sub in query.subqueries], minimum_should_match=1)
        if isinstance(query, wq.And):
            return _bool(filter=[self.filter_query(sub) for sub in query.subqueries])
        if isinstance(query, wq.Not):
            return _bool(must_not=[self.filter_query(query.query)])
        if isinstance(query, wq.Every):
            return {"match_all": {}}
        raise SearchBackendError(f"Filter {query!r} is not supported.")

    def _bound(self, plan):
        """(the plan's words with prefixes bound, {word: expansion}, prefixes narrowed), as on Whoosh."""
        if plan.parsed is None:
            return None, {}, []
        stats = self.stats()
        parsed, narrowed = bind_prefixes(stats, self.content_field_name, plan.parsed)
        return parsed, expand_query(stats, self.content_field_name, parsed), narrowed

    def _parts(self, plan, parsed, expansions):
        """(scored query, all-words query or None, as-written query or None, field filters by name)."""
        field_filters = {name: self.filter_query(q) for name, q in plan.field_filters.items()}
        plain = [q for q in _and_parts(plan.filter) if q not in plan.field_filters.values()]
        others = [self.filter_query(q) for q in plain]
        if parsed is None:
            return _bool(must=[{"match_all": {}}], filter=others), None, None, field_filters
        groups = [self.group_query(group, expansions) for group in content_groups(parsed)]
        excluded = [self.word_clause(clause, as_written=True, scored=False) for clause in parsed.excluded]
        scored = _bool(should=groups, minimum_should_match=1, filter=others, must_not=excluded)
        complete = None
        if len(groups) > 1:
            complete = _bool(filter=[self.group_query(group, expansions, scored=False)
                                     for group in content_groups(parsed)])
        # Articles with a query word as written, not only through an expansion (ranking.Ranking.as_written).
        written = None
        if expansions:
            written = _bool(should=[self.word_clause(clause, expansions, as_written=True, scored=False)
                                    for group in content_groups(parsed) for clause in group],
                            minimum_should_match=1)
        return scored, complete, written, field_filters
