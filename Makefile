# The two commands: `make run` serves the archive, `make test` runs every test.
# Both create or reuse the virtualenv in .venv and install requirements.txt
# only when it changed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-postgres postgres setup demo bench browser-deps messages opensearch opensearch-stop test-opensearch

$(INSTALLED): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Arabic plural forms and wording: locale/ar/LC_MESSAGES/django.po compiled
# to .mo with polib (only when the .po is newer).
messages: $(INSTALLED)
	$(BIN)/python manage.py compile_arabic_messages

setup: $(INSTALLED) messages
	$(BIN)/python manage.py migrate --noinput --verbosity 0

demo: setup
	# Re-importing is a no-op: the demo articles are reported as duplicates.
	$(BIN)/python manage.py import_articles --no-progress articles/demo
	$(BIN)/python manage.py ensure_admin

# The task worker (imports uploaded in the admin, index updates) runs beside
# the web server and stops with it.
run: demo
	$(BIN)/python manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Browser tests (tests/browser/): Playwright drives Debian's Chromium (never a
# browser of its own, whose download is blocked here) and the Nu Html Checker
# runs on a Java runtime. Installed with apt-get only when missing, as root or
# through sudo; with both present this costs two `command -v`.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_GET := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

browser-deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing for the browser tests"; \
		$(APT_GET) update -qq && \
		$(APT_GET) install -y -qq --no-install-recommends $$missing; \
	fi

# axe-core, the Nu Html Checker (vnu.jar) and the font packages. Install
# scripts are skipped: vnu-jar's would download a Java runtime, and
# browser-deps provides one.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

test: $(INSTALLED) messages browser-deps node_modules/.installed
	$(BIN)/python -m pytest

# The same tests on PostgreSQL: .ci/with-postgres installs Debian's
# postgresql when missing, starts a throw-away cluster on 127.0.0.1 for the
# run (POSTGRES_PORT, or a free port) and removes it afterwards.
test-postgres: $(INSTALLED) messages browser-deps node_modules/.installed
	.ci/with-postgres $(BIN)/python -m pytest

# A throw-away PostgreSQL cluster with a shell (or CMD) pointed at it through
# DATABASE_URL, e.g. `make postgres CMD="make run"`.
CMD ?= $(SHELL)
postgres:
	.ci/with-postgres $(CMD)

bench: $(INSTALLED)
	$(BIN)/python bench/retrieval.py

# A local 3-node OpenSearch cluster on 127.0.0.1 (HTTP 9200-9202) for
# development and the tests marked `opensearch`; production runs OpenSearch's
# own packages or a managed service (README). The launcher is built once with
# Maven (OpenSearch's server and modules come from Maven Central); data and
# logs go to var/opensearch/.
OPENSEARCH_LAUNCHER := opensearch/target/opensearch-cluster-1.0.jar

$(OPENSEARCH_LAUNCHER): opensearch/pom.xml $(wildcard opensearch/src/main/java/org/newsarchive/cluster/*.java)
	@missing=""; \
	command -v java >/dev/null 2>&1 || missing="default-jre-headless"; \
	command -v mvn >/dev/null 2>&1 || missing="$$missing maven"; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing for the OpenSearch launcher"; \
		$(APT_GET) update -qq && \
		$(APT_GET) install -y -qq --no-install-recommends $$missing; \
	fi
	mvn -B -q -f opensearch/pom.xml package
	touch $@

opensearch: $(OPENSEARCH_LAUNCHER)
	python3 opensearch/cluster.py start

opensearch-stop:
	python3 opensearch/cluster.py stop

# The search, contract, word-matching, re-scoring, costly-query, page (browser), export,
# import and command tests again with every index on the cluster (start it
# first with `make opensearch`); tests/test_opensearch.py runs in `make test`
# whenever a cluster answers.
OPENSEARCH_SUITE := tests/test_search.py tests/test_search_contract.py tests/test_word_matching.py tests/test_rescoring.py \
	tests/test_costly_queries.py tests/test_views.py tests/test_query.py tests/test_importing.py \
	tests/test_exporting.py tests/test_export_views.py tests/test_commands.py tests/test_admin.py \
	tests/browser/test_pages.py

test-opensearch: $(INSTALLED) messages browser-deps node_modules/.installed
	OPENSEARCH_TESTS=required $(BIN)/python -m pytest --search-engine=opensearch $(OPENSEARCH_SUITE)
