"""Loaded once by the fork server that starts export workers (``exporting._parallel_slices``).

Django is set up here, in the fork server, so each worker forked from it
starts in milliseconds instead of the second a new interpreter takes to set
Django up. The fork server is a fresh, single-threaded interpreter: forking
it is safe where forking a threaded web server is not.
"""

import django

django.setup()

from articles import exporting  # noqa: E402,F401
from articles.search import service  # noqa: E402,F401
