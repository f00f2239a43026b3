"""The pages' HTML passes the Nu Html Checker (vnu.jar, from npm; run with Java)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.browser.conftest import describe_messages, vnu_messages

pytestmark = pytest.mark.browser


def test_it_serves_valid_html(editor_client, archive, tmp_path):
    article = archive["demo"][0]
    pages = {
        "search": editor_client.get(reverse("articles:search")),
        "results": editor_client.get(reverse("articles:search"), {"q": "عين الصقر"}),
        "article": editor_client.get(reverse("articles:detail", args=[article.pk]), {"q": "عين الصقر"}),
        "empty": editor_client.get(reverse("articles:search"), {"q": "طوكيو"}),
        "login": Client().get(reverse("login")),
    }
    paths = []
    for name, response in pages.items():
        assert response.status_code == 200, (name, response.status_code)
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        paths.append(path)
    assert "نتيجتان" in pages["results"].content.decode() and "لم نجد" in pages["empty"].content.decode()

    # One run for every page: the checker takes a few seconds to start.
    errors = vnu_messages(paths)
    report = "\n".join(f"{name}:\n{describe_messages(messages)}" for name, messages in errors.items() if messages)
    assert not report, f"the Nu Html Checker found errors:\n{report}"
