"""The archive on a real 3-node OpenSearch cluster (`make opensearch`): what only a cluster can show.

The rest of the suite runs on the cluster too with ``--search-engine=opensearch``
(see ``.ci/run``); these tests need several nodes or two engines side by side.
"""

import json
import os
import subprocess
import sys
import threading
from datetime import date

import pytest
from django.core.management import call_command
from haystack import connections
from haystack.query import SearchQuerySet

from articles.importing.pipeline import import_paths
from articles.models import Article
from articles.search.backend import ArabicQuery
from articles.search.indexing import reindex_articles
from articles.search.service import iter_search, search_articles
from tests.base import REPO
from tests.conftest import opensearch_connection

pytestmark = [pytest.mark.opensearch, pytest.mark.django_db(transaction=True)]

CLUSTER = [sys.executable, str(REPO / "opensearch" / "cluster.py")]
# The nodes `make opensearch` started (OPENSEARCH_HTTP_PORT moves them, as it moves cluster.py's).
HTTP_PORT = int(os.environ.get("OPENSEARCH_HTTP_PORT", "9200"))
NODE_URLS = [f"http://127.0.0.1:{HTTP_PORT + number}" for number in range(3)]
TOWNS = ["الرياض", "جدة", "مكة", "الدمام", "أبها", "تبوك"]


def article_body(i):
    town = TOWNS[i % len(TOWNS)]
    return f"أعلنت وزارة الصحة في {town} افتتاح المستشفى رقم {i} ضمن خطة التوسع في الخدمات الطبية للمواطنين"


def write_batch(folder, start, count):
    records = [{"title": f"مستشفى جديد {i}", "text": article_body(i), "date": f"2016-0{1 + i % 9}-1{i % 10}"}
               for i in range(start, start + count)]
    path = folder / f"batch-{start}.jsonl"
    path.write_text("\n".join(json.dumps(record, ensure_ascii=False) for record in records), encoding="utf-8")
    return path


def test_the_articles_index_has_shards_and_a_replica_on_every_node(db):
    article = Article.objects.create(title="عنوان", body="نص عن الاقتصاد")
    reindex_articles([article.pk])
    backend = connections["default"].get_backend()
    settings = backend.conn.indices.get_settings(index=backend.index_name)[backend.index_name]["settings"]["index"]
    assert int(settings["number_of_shards"]) >= 2
    assert int(settings["number_of_replicas"]) == 1
    # No waiting here: the index is made with every copy active before its first write.
    shards = backend.conn.cat.shards(index=backend.index_name, format="json")
    assert {shard["state"] for shard in shards} == {"STARTED"}
    assert len({shard["node"] for shard in shards}) >= 2  # spread over the nodes
    assert search_articles("الاقتصاد").total == 1


def test_searches_return_every_article_while_a_node_is_down(settings):
    # All three nodes as hosts: the client moves on when one stops answering.
    name = connections["default"].get_backend().index_name
    settings.HAYSTACK_CONNECTIONS = {"default": opensearch_connection(name, URL=NODE_URLS)}
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")
    articles = [Article.objects.create(title=f"خبر {i}", body=article_body(i), date=date(2016, 1, 1 + i % 28))
                for i in range(120)]
    reindex_articles([a.pk for a in articles])
    backend = connections["default"].get_backend()
    backend.wait_for_index("green")
    every = {a.pk for a in articles}
    assert _pks("المستشفى") == every

    subprocess.run(CLUSTER + ["stop-node", "0"], check=True, timeout=120)
    try:
        for query in ("المستشفى", "وزارة الصحة", '"الخدمات الطبية"', "جدة OR تبوك"):
            outcome = search_articles(query, limit=200, facets=True)
            expected = every if "OR" not in query else {a.pk for i, a in enumerate(articles) if i % 6 in (1, 5)}
            assert {r.object.pk for r in outcome.results} == expected, query
            assert outcome.total == len(expected)
        assert _pks("المستشفى") == every  # an export reads them all too
    finally:
        subprocess.run(CLUSTER + ["start-node", "0"], check=True, timeout=120)
        subprocess.run(CLUSTER + ["start"], check=True, timeout=300)  # waits for green with three nodes


def _pks(query):
    return {row[2].pk for row in iter_search(query).rows}


def test_an_import_runs_while_editors_search(tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    for start in range(0, 300, 50):
        write_batch(folder, start, 50)
    reindex_articles([Article.objects.create(title="قديم", body=article_body(999)).pk])
    # Counts can only be monotonic while the shard copies searched stay the same:
    # not while the cluster still moves this index's shards after a node's return.
    backend = connections["default"].get_backend()
    backend.conn.cluster.health(index=backend.index_name, wait_for_no_relocating_shards=True, request_timeout=70)
    seen, errors, done = [], [], threading.Event()

    def search_meanwhile():
        # Engine searches only: SQLite's in-memory test database takes one
        # thread at a time (production runs PostgreSQL).
        query = SearchQuerySet().filter(content=ArabicQuery("المستشفى")).query
        try:
            while not done.is_set():
                seen.append(len(query.backend.all_hits(query._build_plan())))
        except Exception as error:  # noqa: BLE001 - the test reports it
            errors.append(error)

    searcher = threading.Thread(target=search_meanwhile)
    searcher.start()
    try:
        job = import_paths([folder], today=date(2026, 11, 21))
    finally:
        done.set()
        searcher.join(timeout=60)
    assert not errors
    assert (job.imported, job.failed) == (300, 0)
    assert len(seen) >= 2 and seen[0] >= 1
    assert seen == sorted(seen)  # counts only grow while articles arrive
    assert search_articles("المستشفى").total == 301
    assert search_articles('"رقم 250"').total == 1


def test_rebuild_index_moves_an_archive_from_whoosh_to_the_cluster(tmp_path, settings, demo_articles):
    cluster = connections.connections_info["default"]
    whoosh = {"ENGINE": "articles.search.backend.ArabicWhooshEngine", "PATH": str(tmp_path / "whoosh")}

    def use(connection):
        settings.HAYSTACK_CONNECTIONS = {"default": connection}
        connections.connections_info = settings.HAYSTACK_CONNECTIONS
        connections.reload("default")

    use(whoosh)
    call_command("rebuild_index", interactive=False, verbosity=0)
    on_whoosh = search_articles("عين الصقر", facets=True)
    use(cluster)
    connections["default"].get_backend().clear()
    assert search_articles("عين الصقر").total == 0
    call_command("rebuild_index", interactive=False, verbosity=0)
    on_cluster = search_articles("عين الصقر", facets=True)
    assert [r.object.pk for r in on_cluster.results] == [r.object.pk for r in on_whoosh.results]
    assert on_cluster.facets == on_whoosh.facets
    assert on_cluster.histogram == on_whoosh.histogram
    assert [r.highlighted for r in on_cluster.results] == [r.highlighted for r in on_whoosh.results]


def _use(settings, connection):
    settings.HAYSTACK_CONNECTIONS = {"default": connection}
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")


# Names in other spellings, a related form, a near word, a narrowed prefix, an exclusion, words
# whose ين/ون is their own (البحرين, الزيتون) and a shorter word that shares their stem (للبحر).
SAME_ON_BOTH = ["ترامب", "غوغل", "السعودي", "يرتبط", "المعلم", "الم*", "القوات -المسلحون", '"وزارة الخارجية"',
                "البحرين", "للبحر", "الزيتون"]


def test_both_engines_widen_and_bound_a_query_through_the_same_code(tmp_path, settings):
    from tests.test_word_matching import ARTICLES

    cluster = connections.connections_info["default"]
    whoosh = {"ENGINE": "articles.search.backend.ArabicWhooshEngine", "PATH": str(tmp_path / "whoosh")}
    # Many words beginning with الم, so that الم* stands for its 40 most frequent only.
    bodies = list(ARTICLES.values()) + [f"المصنع{i} والمركز{i} في المدينة" for i in range(30)]
    pks = [Article.objects.create(title=f"خبر {i}", body=body).pk for i, body in enumerate(bodies)]

    def outcomes():
        reindex_articles(pks)
        found = {}
        for query in SAME_ON_BOTH:
            outcome = search_articles(query, limit=100, facets=True)
            found[query] = ({r.object.pk for r in outcome.results}, outcome.total, outcome.total_as_written,
                            outcome.spellings_searched, outcome.near_words_searched, outcome.problems,
                            {word: e.related for word, e in outcome.expansions.items()}, outcome.facets_as_written)
        return found

    _use(settings, whoosh)
    on_whoosh = outcomes()
    _use(settings, cluster)
    on_cluster = outcomes()
    assert on_whoosh["ترامب"][3] and on_whoosh["يرتبط"][4] and on_whoosh["الم*"][5]  # the cases are real
    for query in SAME_ON_BOTH:
        assert on_cluster[query] == on_whoosh[query], query


def test_a_query_asks_the_cluster_a_few_requests_not_one_per_form_of_its_words(db):
    from articles.search.opensearch_stats import forget
    from tests.test_word_matching import ARTICLES

    reindex_articles([Article.objects.create(title=f"خبر {i}", body=body).pk for i, body in enumerate(ARTICLES.values())])
    backend = connections["default"].get_backend()
    transport = backend.conn.transport
    sent = []
    send = transport.perform_request

    def counted(method, url, *args, **kwargs):
        sent.append(url)
        return send(method, url, *args, **kwargs)

    transport.perform_request = counted
    try:
        forget(backend.index_name)  # statistics asked afresh, as after an import
        outcome = search_articles("المعلمين البحرين ترامب")
    finally:
        transport.perform_request = send
    assert outcome.total >= 3 and outcome.spellings_searched == [("ترامب", ["ترمب"])]
    # Each word has dozens of forms, plural twins and spellings to count: asked together, not one by one.
    assert len(sent) <= 10, sent
