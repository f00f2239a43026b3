import os
import uuid
from datetime import date

import pytest
from haystack import connections

from tests.base import DEMO_SAMPLES

OPENSEARCH_URL = os.environ.get("OPENSEARCH_URL", "http://127.0.0.1:9200")


def pytest_addoption(parser):
    parser.addoption(
        "--search-engine", choices=("whoosh", "opensearch"), default="whoosh",
        help="run the tests on this engine; opensearch needs a cluster (`make opensearch`)",
    )


def opensearch_available():
    import urllib.request

    try:
        with urllib.request.urlopen(OPENSEARCH_URL.split(",")[0] + "/_cluster/health", timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


def pytest_collection_modifyitems(config, items):
    """Tests marked ``opensearch`` (and every test under --search-engine=opensearch) need a
    cluster: without one they are skipped, unless OPENSEARCH_TESTS=required (CI) makes
    that an error. Tests marked ``whoosh_only`` read Whoosh's internals and are skipped there."""
    on_cluster = config.getoption("--search-engine") == "opensearch"
    needs_cluster = [item for item in items if on_cluster or item.get_closest_marker("opensearch")]
    if on_cluster:
        for item in items:
            item.add_marker(pytest.mark.opensearch)
            if item.get_closest_marker("whoosh_only"):
                item.add_marker(pytest.mark.skip(reason="reads Whoosh's own index structures"))
    if needs_cluster and not opensearch_available():
        if os.environ.get("OPENSEARCH_TESTS") == "required":
            raise pytest.UsageError(f"No OpenSearch cluster answers at {OPENSEARCH_URL}: run `make opensearch`.")
        skip = pytest.mark.skip(reason=f"no OpenSearch cluster at {OPENSEARCH_URL} (`make opensearch` starts one)")
        for item in needs_cluster:
            item.add_marker(skip)


def opensearch_connection(index_name, **options):
    return {
        "ENGINE": "articles.search.opensearch_backend.ArabicOpenSearchEngine",
        "URL": OPENSEARCH_URL.split(","),
        "INDEX_NAME": index_name,
        "KWARGS": {"retry_on_timeout": True, "max_retries": 3, "pool_maxsize": 8},  # as settings.py's
        **options,
    }


@pytest.fixture(autouse=True)
def search_index(request, tmp_path, settings):
    """A real, empty index for every test: Whoosh in a temporary folder or, with
    --search-engine=opensearch or the ``opensearch`` marker, an index of its own on the cluster.

    Haystack keeps its connection settings from start-up, so they are swapped
    here and the connection reloaded; each test sees only what it indexed.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    original = connections.connections_info
    on_cluster = request.config.getoption("--search-engine") == "opensearch" or request.node.get_closest_marker(
        "opensearch"
    )
    if on_cluster:
        name = f"test-{uuid.uuid4().hex[:12]}"
        settings.HAYSTACK_CONNECTIONS = {"default": opensearch_connection(name)}
    else:
        settings.HAYSTACK_CONNECTIONS = {
            "default": {**original["default"], "PATH": str(tmp_path / "whoosh_index")},
        }
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")
    yield tmp_path / "whoosh_index"
    if on_cluster:
        connections["default"].get_backend().conn.indices.delete(index=name, ignore=[404])
    connections.connections_info = original
    connections.reload("default")


@pytest.fixture
def demo_articles(db):
    """The two sample articles, imported through the pipeline: {'aggregator': ..., 'channel': ...}."""
    from articles.importing.pipeline import import_paths
    from articles.models import Article

    job = import_paths(DEMO_SAMPLES, today=date(2026, 11, 21))
    assert (job.imported, job.failed) == (2, 0)
    by_file = {}
    for import_file in job.files.all():
        key = "aggregator" if "aggregator" in import_file.name else "channel"
        by_file[key] = Article.objects.get(import_file=import_file)
    return by_file


def _client_with_role(django_user_model, role):
    from django.test import Client

    from articles.roles import assign_role

    client = Client()  # one per role, so a test can use several roles side by side
    user = django_user_model.objects.create_user(role.replace(" ", "_"), password="not-used-in-tests-1")
    assign_role(user, role)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def editor_client(db, django_user_model):
    return _client_with_role(django_user_model, "editor")


@pytest.fixture
def researcher_client(db, django_user_model):
    return _client_with_role(django_user_model, "researcher")


@pytest.fixture
def archive_admin_client(db, django_user_model):
    return _client_with_role(django_user_model, "archive admin")


REFUSED_MARK = "مرفوض"


@pytest.fixture
def index_refuses_marked_articles(monkeypatch):
    """The index refuses (cannot prepare) any article whose body holds REFUSED_MARK."""
    from articles.search_indexes import ArticleIndex

    original = ArticleIndex.prepare_category

    def refusing(self, article):
        if REFUSED_MARK in article.body:
            raise ValueError("cannot index this one")
        return original(self, article)

    monkeypatch.setattr(ArticleIndex, "prepare_category", refusing)
    return REFUSED_MARK
