"""django-haystack's own test settings, with its Whoosh connections on the archive's engine.

Used by ``tests/test_haystack_suite.py``, which runs haystack 3.4.0's
``test_haystack/whoosh_tests`` (from the pinned release's sdist, fetched at
test time: ``HAYSTACK_SUITE_DIR`` names the unpacked folder) in a separate
pytest process with these settings.
"""

import os
import sys

# After site-packages: the sdist also holds a copy of haystack itself, and
# the installed one (the same release) is the one under test.
sys.path.append(os.environ["HAYSTACK_SUITE_DIR"])

from test_haystack.settings import *  # noqa: E402,F403

ENGINE = "articles.search.backend.ArabicWhooshEngine"

for _name in ("whoosh", "filtered_whoosh"):
    HAYSTACK_CONNECTIONS[_name]["ENGINE"] = ENGINE  # noqa: F405

# The suite's other connections (Solr, Elasticsearch) are for other backends'
# suites and need their client libraries; the Whoosh tests use these.
HAYSTACK_CONNECTIONS = {
    name: conn for name, conn in HAYSTACK_CONNECTIONS.items()  # noqa: F405
    if name in ("default", "whoosh", "filtered_whoosh")
}
