"""The articles index on the cluster: its settings, its mapping from haystack's fields, and every write to it.

The writing half of ``ArabicOpenSearchBackend`` (``opensearch_backend.py``):

- Arabic analysis stays in Python (``analysis.py``): the cluster receives the
  normalised surface words and, in ``<name>_stem``, the light stems (a ``_``
  keeps each stop word's place, dropped by the cluster's analyzer, so stem
  positions match Whoosh's and the surface field's). The cluster only splits
  on whitespace.
- Scores are ranking.py's BM25 (k1 1.2, b 0.75, Lucene's idf) through a scripted
  similarity.
- The index has ``SHARDS`` primary shards and ``REPLICAS`` replicas (2 and 1).
- An import writes through ``OpenSearchWriteSession``: bulk requests as its
  batches come, one refresh at the end.
"""

from datetime import date, datetime

from django.utils.encoding import force_str
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.fields import FacetField
from haystack.utils import get_identifier
from opensearchpy.helpers import bulk

from articles.search.analysis import STEM_SUFFIX, ArabicTextField, surface_words
from articles.search.backend import WriteSession, prepare_each, query_parser, whoosh_schema
from articles.search.opensearch_generic import STORED
from articles.search.opensearch_plan import READINGS_ANALYZER
from articles.search.opensearch_stats import forget
from articles.search.ranking import B, K1
from articles.text import is_stopword, stem

# Keeps a stop word's position in the stem field; the cluster drops it.
STOP_PLACEHOLDER = "_"
# BM25 as ranking.py computes it: idf = log(1 + (N - df + 0.5) / (df + 0.5)).
WHOOSH_BM25 = {
    "type": "scripted",
    "weight_script": {
        "source": ("double idf = Math.log(1.0 + (field.docCount - term.docFreq + 0.5) / (term.docFreq + 0.5));"
                   " return query.boost * idf;")
    },
    "script": {
        "source": (
            f"double avg = field.sumTotalTermFreq / (double) Math.max(field.docCount, 1);"
            f" double norm = {K1} * ((1 - {B}) + {B} * doc.length / Math.max(avg, 1.0));"
            f" return weight * doc.freq * {K1 + 1} / (doc.freq + norm);"
        )
    },
}
BULK_CHUNK = 500


class IndexWrites:
    """The index half of ``ArabicOpenSearchBackend``: setup, mapping and writes."""

    def index_settings(self):
        return {
            "number_of_shards": self.shards,
            "number_of_replicas": self.replicas,
            "similarity": {"whoosh_bm25": WHOOSH_BM25},
            "analysis": {
                "filter": {
                    "stop_placeholder": {"type": "stop", "stopwords": [STOP_PLACEHOLDER]},
                    "stacked_words": {"type": "pattern_capture", "preserve_original": False, "patterns": ["([^ ]+)"]},
                },
                "analyzer": {
                    "archive_words": {"type": "custom", "tokenizer": "whitespace"},
                    "archive_stems": {"type": "custom", "tokenizer": "whitespace", "filter": ["stop_placeholder"]},
                    # A query's words at one position: a word's stem readings, scored as one term (opensearch_plan.py).
                    READINGS_ANALYZER: {"type": "custom", "tokenizer": "keyword", "filter": ["stacked_words"]},
                },
            },
        }

    def build_schema(self, fields):
        """(content field name, mapping properties) for haystack's fields.

        Text fields the archive analyses (``ArabicTextField`` on Whoosh) get a
        stem companion; fields Whoosh analyses otherwise (n-grams, a field's
        own analyzer) receive the tokens of Whoosh's own analyzer. The
        content fields' terms can be aggregated (``fielddata``, loaded only
        when a prefix or a near word asks: opensearch_stats.py).
        """
        content_field_name, schema = whoosh_schema(fields)
        properties = {
            ID: {"type": "keyword"},
            DJANGO_CT: {"type": "keyword"},
            # Sorted numerically to break score ties in a stable order.
            DJANGO_ID: {"type": "keyword", "fields": {"number": {"type": "long", "ignore_malformed": True}}},
            STORED: {"type": "object", "enabled": False},
        }
        self.stem_fields, self.token_fields, self.stored_text_fields = set(), set(), set()
        for field_class in fields.values():
            name = field_class.index_fieldname
            whoosh_field = schema[name]
            if field_class.field_type in ("date", "datetime"):
                properties[name] = {"type": "date"}
            elif field_class.field_type == "integer":
                properties[name] = {"type": "long"}
            elif field_class.field_type == "float":
                properties[name] = {"type": "double"}
            elif field_class.field_type == "boolean":
                properties[name] = {"type": "boolean"}
            elif field_class.is_multivalued or isinstance(field_class, FacetField) or not field_class.indexed:
                properties[name] = {"type": "keyword"}
            elif isinstance(whoosh_field, ArabicTextField):
                aggregated = name == content_field_name
                properties[name] = {"type": "text", "analyzer": "archive_words", "similarity": "whoosh_bm25",
                                    "norms": True, "fielddata": aggregated}
                properties[name + STEM_SUFFIX] = {"type": "text", "analyzer": "archive_stems",
                                                  "similarity": "whoosh_bm25", "fielddata": aggregated}
                self.stem_fields.add(name)
            else:
                # Whole tokens (n-grams may hold spaces), each a term.
                properties[name] = {"type": "keyword", "similarity": "whoosh_bm25"}
                self.token_fields.add(name)
            if field_class.stored and name in self.stem_fields | self.token_fields:
                self.stored_text_fields.add(name)
        self.text_fields = self.stem_fields | self.token_fields
        self.whoosh_schema = schema
        return content_field_name, properties

    def setup(self):
        from haystack import connections

        unified_index = connections[self.connection_alias].get_unified_index()
        self.content_field_name, properties = self.build_schema(unified_index.all_searchfields())
        # haystack's query strings are parsed as on Whoosh, then translated (opensearch_generic.py).
        self.parser = query_parser(self.whoosh_schema, self.content_field_name)
        if not self.conn.indices.exists(index=self.index_name):
            # Writes start only once every copy the cluster can place is active: a
            # replica that starts while an import runs would join searches with
            # a different refresh state, and counts would step back (10, 27, 12).
            data_nodes = self.conn.cluster.health()["number_of_data_nodes"]
            self.conn.indices.create(
                index=self.index_name,
                body={"settings": {"index": self.index_settings()}, "mappings": {"properties": properties}},
                params={"wait_for_active_shards": min(self.replicas + 1, max(data_nodes, 1))}, request_timeout=70,
                ignore=[400],  # created meanwhile by another process
            )
        else:
            # An index made by an earlier release: add what it lacks (new fields, fielddata).
            self.conn.indices.put_mapping(index=self.index_name, body={"properties": properties}, ignore=[400])
        self.setup_complete = True

    def _ensure_setup(self):
        if not self.setup_complete:
            self.setup()

    # Writing -------------------------------------------------------------

    def prepare_documents(self, index, objects, failures=None):
        return prepare_each(index, objects, self._document, failures)

    def _document(self, obj, prepared):
        doc, stored = {}, {}
        for key, value in prepared.items():
            if key in self.stem_fields:
                words = surface_words(force_str(value or ""))
                doc[key] = " ".join(words)
                doc[key + STEM_SUFFIX] = " ".join(
                    STOP_PLACEHOLDER if is_stopword(word) else stem(word) for word in words
                )
            elif key in self.token_fields:
                doc[key] = list(self.whoosh_schema[key].process_text(force_str(value or ""), mode="index"))
            elif isinstance(value, datetime):
                doc[key] = value.replace(tzinfo=None).isoformat()
            elif isinstance(value, date):
                doc[key] = value.isoformat()
            else:
                doc[key] = value
            if key in self.stored_text_fields and value is not None:
                stored[key] = force_str(value)  # the indexed words are normalised
        if stored:
            doc[STORED] = stored
        return doc

    def write_documents(self, documents):
        actions = ({"_index": self.index_name, "_id": doc[ID], "_source": doc} for doc in documents)
        bulk(self.conn, actions, chunk_size=BULK_CHUNK, max_retries=3, request_timeout=120)

    def refresh(self):
        self.conn.indices.refresh(index=self.index_name)
        forget(self.index_name)  # the term statistics of the index have changed

    def write_session(self, parallel=False):
        self._ensure_setup()
        return OpenSearchWriteSession(self)

    def update(self, index, iterable, commit=True):
        self._ensure_setup()
        documents = self.prepare_documents(index, iterable)
        if documents:
            self.write_documents(documents)
        if commit:
            self.refresh()

    def remove(self, obj_or_string, commit=True):
        self.remove_identifiers([get_identifier(obj_or_string)])

    def remove_identifiers(self, identifiers):
        self._ensure_setup()
        actions = ({"_op_type": "delete", "_index": self.index_name, "_id": identifier} for identifier in identifiers)
        bulk(self.conn, actions, raise_on_error=False)  # an identifier not in the index is already gone
        self.refresh()

    def clear(self, models=None, commit=True):
        if models is None:
            self.delete_index()
            return
        from haystack.utils import get_model_ct

        self._ensure_setup()
        self.conn.delete_by_query(
            index=self.index_name, body={"query": {"terms": {DJANGO_CT: [get_model_ct(m) for m in models]}}},
            refresh=True, conflicts="proceed",
        )
        forget(self.index_name)

    def delete_index(self):
        self.conn.indices.delete(index=self.index_name, ignore=[404])
        forget(self.index_name)
        self.setup_complete = False
        self.setup()
        self.wait_for_index()

    def wait_for_index(self, status="yellow"):
        self.conn.cluster.health(index=self.index_name, wait_for_status=status, request_timeout=70)

    def segment_count(self):
        # The cluster merges its segments itself, in the background: there is
        # nothing for optimise_index to do (1 is "merged").
        return 1

    def optimize(self, max_documents=None, on_stage=None):
        self._ensure_setup()
        self.conn.indices.forcemerge(index=self.index_name, max_num_segments=1, request_timeout=3600)


class OpenSearchWriteSession(WriteSession):
    """An import's writes: bulk requests as batches come, one refresh at the end."""

    def _write(self, documents):
        self.backend.write_documents(documents)

    def finish(self):
        self.backend.refresh()
