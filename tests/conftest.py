import pytest
from haystack import connections

from tests.base import DEMO_DIR


@pytest.fixture(autouse=True)
def search_index(tmp_path, settings):
    """A real, empty Whoosh index in a temporary folder for every test.

    Haystack keeps its connection settings from start-up, so they are swapped
    here and the connection reloaded; each test sees only what it indexed.
    """
    original = connections.connections_info
    settings.HAYSTACK_CONNECTIONS = {
        "default": {**original["default"], "PATH": str(tmp_path / "whoosh_index")},
    }
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")
    yield tmp_path / "whoosh_index"
    connections.connections_info = original
    connections.reload("default")


@pytest.fixture
def demo_articles(db):
    """The two sample articles, imported through the pipeline: {'aggregator': ..., 'channel': ...}."""
    from articles.importing.pipeline import import_paths
    from articles.models import Article

    report = import_paths([DEMO_DIR])
    assert report.ok and report.imported == 2
    by_file = {}
    for file_report in report.files:
        key = "aggregator" if "aggregator" in file_report.name else "channel"
        by_file[key] = Article.objects.get(pk=file_report.imported[0])
    return by_file
