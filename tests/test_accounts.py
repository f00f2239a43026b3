"""Who may see and do what: every page and action needs a login and the right role."""

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from articles.models import Article
from articles.search.indexing import reindex_articles
from tests.base import REPO


def article_url(demo_articles):
    return reverse("articles:detail", args=[demo_articles["channel"].pk])


@pytest.mark.parametrize("url_name", ["articles:search", "admin:articles_importjob_upload"])
def test_anonymous_visitors_are_sent_to_log_in(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and "login" in response.url


def test_anonymous_visitors_cannot_read_an_article(client, demo_articles):
    response = client.get(article_url(demo_articles))
    assert response.status_code == 302 and "login" in response.url


def test_the_login_page_is_open_and_arabic(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200 and "الدخول إلى الأرشيف" in response.content.decode()


def test_a_user_without_a_role_is_refused(client, django_user_model, demo_articles):
    client.force_login(django_user_model.objects.create_user("nobody", password="not-used-in-tests-1"))
    assert client.get(reverse("articles:search")).status_code == 403
    assert client.get(article_url(demo_articles)).status_code == 403


@pytest.mark.parametrize("role_client", ["editor_client", "researcher_client", "archive_admin_client"])
def test_every_role_searches_and_reads(request, demo_articles, role_client):
    client = request.getfixturevalue(role_client)
    assert client.get(reverse("articles:search"), {"q": "هيغسيث"}).status_code == 200
    assert client.get(article_url(demo_articles)).status_code == 200


@pytest.mark.parametrize("role_client, allowed", [
    ("editor_client", False), ("researcher_client", False), ("archive_admin_client", True),
])
def test_only_archive_admins_import_and_edit(request, demo_articles, role_client, allowed):
    client = request.getfixturevalue(role_client)
    upload = client.get(reverse("admin:articles_importjob_upload"))
    edit = client.get(reverse("admin:articles_article_change", args=[demo_articles["channel"].pk]))
    if allowed:
        assert upload.status_code == edit.status_code == 200
    else:
        assert upload.status_code == edit.status_code == 302  # the admin site sends non-staff to its login


def test_assign_role_gives_one_role_at_a_time(django_user_model, db):
    from io import StringIO

    from django.core.management import call_command

    user = django_user_model.objects.create_user("sara", password="not-used-in-tests-1")
    call_command("assign_role", "sara", "archive admin", stdout=StringIO())
    user.refresh_from_db()
    assert user.is_staff and user.has_perm("articles.add_importjob")
    call_command("assign_role", "sara", "editor", stdout=StringIO())
    user = django_user_model.objects.get(pk=user.pk)
    assert not user.is_staff and not user.has_perm("articles.export_articles")
    assert user.has_perm("articles.view_article")


def test_repeated_wrong_passwords_lock_the_login(client, django_user_model, settings):
    django_user_model.objects.create_user("huda", password="the-right-password-7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "huda", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "huda", "password": "the-right-password-7"})
    assert response.status_code == 429
    assert "الدخول موقوف مؤقتًا" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_right_password_logs_in(client, django_user_model):
    django_user_model.objects.create_user("huda", password="the-right-password-7")
    response = client.post(reverse("login"), {"username": "huda", "password": "the-right-password-7"})
    assert response.status_code == 302 and client.session["_auth_user_id"]


def test_markup_in_queries_and_articles_shows_as_text(editor_client, db):
    article = Article.objects.create(title="<b>عنوان</b>", body="خبر <script>alert('x')</script> عن دمشق <img src=x>")
    reindex_articles([article.pk])
    results = editor_client.get(reverse("articles:search"), {"q": "دمشق <script>"}).content.decode()
    page = editor_client.get(reverse("articles:detail", args=[article.pk]), {"q": "<img>"}).content.decode()
    for html in (results, page):
        assert "<script>alert" not in html and "<img src=x>" not in html and "<b>عنوان</b>" not in html
        assert "&lt;script&gt;" in html or "&lt;b&gt;" in html


def test_pages_carry_a_content_security_policy(editor_client, db):
    policy = editor_client.get(reverse("articles:search"))["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = {
        **os.environ,
        "HTTPS": "true",
        "SECRET_KEY": "k" * 10 + "3f9Q-7xLmZpR2vW8sT1yB4nC6dE0aG5hJ_uKoIiV",
        "ALLOWED_HOSTS": "archive.example.org",
        "NEWSARCHIVE_DATA_DIR": str(tmp_path),
        "DEBUG": "false",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
