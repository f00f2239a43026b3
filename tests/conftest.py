from datetime import date

import pytest
from haystack import connections

from tests.base import DEMO_SAMPLES


@pytest.fixture(autouse=True)
def search_index(tmp_path, settings):
    """A real, empty Whoosh index (and file store) in a temporary folder for every test.

    Haystack keeps its connection settings from start-up, so they are swapped
    here and the connection reloaded; each test sees only what it indexed.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
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
