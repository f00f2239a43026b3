"""Settings for the archive, read from environment variables.

The defaults are the embedded mode: SQLite and the Whoosh index under
``var/`` (ignored by git), served on 127.0.0.1. Every variable is listed in
``.env.example``.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}")


def envlist(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("NEWSARCHIVE_DATA_DIR", BASE_DIR / "var"))


def _embedded_secret_key():
    # Embedded mode keeps a generated key beside the database, so a fresh
    # checkout needs no configuration and no key is ever committed.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = envbool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or _embedded_secret_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Before haystack: its update_index command (which rebuild_index runs) is the archive's own.
    "articles",
    "haystack",
    "django_tasks",
    "django_tasks_db",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # No anonymous access to anything but the login page.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsarchive.urls"
WSGI_APPLICATION = "newsarchive.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.preferences",
            ],
        },
    },
]


def _database():
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "archive.sqlite3",
            # Imports and the task worker write while the site reads: WAL lets
            # readers go on during a write; writers take the lock up front
            # (EXCLUSIVE, as the task worker needs) and wait for it, not fail.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "EXCLUSIVE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured(f"DATABASE_URL must be a postgres:// URL, not {parts.scheme}://")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


DATABASES = {"default": _database()}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # Locks out a username from an address after repeated failed logins.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("LOGIN_LOCKOUT_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Mail, for password reset: off unless a mail server is configured.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
    DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "archive@localhost")
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
PASSWORD_RESET = envbool("PASSWORD_RESET", bool(EMAIL_HOST))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "articles:search"
LOGOUT_REDIRECT_URL = "login"

# Content Security Policy: everything from this site only, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Behind HTTPS (production): secure cookies, HSTS, redirects. `manage.py
# check --deploy` passes with these and a SECRET_KEY and ALLOWED_HOSTS set.
HTTPS = envbool("HTTPS", False)
if HTTPS:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if envbool("BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_HOURS", 12) * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "ar"
# The archive is an Arabic, right-to-left site whatever language a browser
# asks for: no LocaleMiddleware, one language. Arabic strings with plural
# forms come from locale/ar (compiled by `make`).
LANGUAGES = [("ar", "العربية")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it, even before collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the app folders when collectstatic has not been run
# (the embedded mode and the tests).
WHITENOISE_USE_FINDERS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploaded originals are kept here (embedded mode) so articles can be re-derived.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "media/"

# Upload limits. A single article file over 200 MB is refused by the importer
# (articles/importing/readers.py); a request may carry several files or a
# zip, up to MAX_UPLOAD_MB in all. Files above 2.5 MB stream to a temporary
# file instead of memory while uploading.
MAX_UPLOAD_MB = envint("MAX_UPLOAD_MB", 1024)
DATA_UPLOAD_MAX_NUMBER_FILES = envint("MAX_UPLOAD_FILES", 1000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Imports and index updates run in a background worker (`manage.py db_worker`),
# which `make run` starts beside the web server.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

WHOOSH_INDEX_PATH = Path(os.environ.get("WHOOSH_INDEX_PATH", DATA_DIR / "whoosh_index"))
# "whoosh" (embedded, the default) or "opensearch" (a cluster at OPENSEARCH_URL;
# `rebuild_index` moves an archive from one to the other).
SEARCH_ENGINE = os.environ.get("SEARCH_ENGINE", "whoosh").strip().lower()
if SEARCH_ENGINE == "opensearch":
    HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "articles.search.opensearch_backend.ArabicOpenSearchEngine",
            "URL": [url.strip() for url in os.environ.get("OPENSEARCH_URL", "http://127.0.0.1:9200").split(",")],
            "INDEX_NAME": os.environ.get("OPENSEARCH_INDEX", "newsarchive"),
            "SHARDS": envint("OPENSEARCH_SHARDS", 2),
            "REPLICAS": envint("OPENSEARCH_REPLICAS", 1),
            "TIMEOUT": envint("OPENSEARCH_TIMEOUT", 30),
            # A node that stops answering is dropped and retried: the others serve.
            # Connections kept per node: an import's commit thread, its story
            # statistics and the page's requests each hold one at a time
            # (urllib3's default of one warns and reconnects for every extra).
            "KWARGS": {"retry_on_timeout": True, "max_retries": 3, "pool_maxsize": 8},
        },
    }
elif SEARCH_ENGINE == "whoosh":
    HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "articles.search.backend.ArabicWhooshEngine",
            "PATH": str(WHOOSH_INDEX_PATH),
        },
    }
else:
    raise ImproperlyConfigured(f"SEARCH_ENGINE must be 'whoosh' or 'opensearch', not {SEARCH_ENGINE!r}.")
# Seconds a writer waits for another's index lock (a long import) before it fails.
SEARCH_WRITE_LOCK_TIMEOUT = envint("SEARCH_WRITE_LOCK_TIMEOUT", 1800)
# Indexing is explicit (import pipeline, admin saves after commit): the
# realtime processor would write to Whoosh inside every save.
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"
# Every search would otherwise also run a django_ct query over the whole index.
HAYSTACK_LIMIT_TO_REGISTERED_MODELS = False

SEARCH_RESULTS_PER_PAGE = envint("SEARCH_RESULTS_PER_PAGE", 20)
# Exports up to this many rows download at once; larger ones run in the
# background worker and are offered for download when ready.
EXPORT_MAX_DIRECT_ROWS = envint("EXPORT_MAX_DIRECT_ROWS", 50_000)
# Exports of at least EXPORT_PARALLEL_MIN_ROWS rows are written by this many
# worker processes, each reading and writing its own slices of the results
# (1: in the serving process alone). Workers are forked from a fork server
# (one idle process per serving process, started by its first such export);
# each reads the outlets and story leads before its first slice and learns
# the query's words afresh. Measured on the real corpus (bench/export.py):
# 30,000 rows 1.4 times as fast with two workers, 5,000-11,000 rows within
# 10% either way; smaller exports are written in the process that serves them.
EXPORT_PROCESSES = envint("EXPORT_PROCESSES", min(4, os.cpu_count() or 1))
EXPORT_PARALLEL_MIN_ROWS = envint("EXPORT_PARALLEL_MIN_ROWS", 20_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
