# The two commands: `make run` serves the archive, `make test` runs every test.
# Both create or reuse the virtualenv in .venv and install requirements.txt
# only when it changed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup demo bench

$(INSTALLED): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

setup: $(INSTALLED)
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

test: $(INSTALLED)
	$(BIN)/python -m pytest

bench: $(INSTALLED)
	$(BIN)/python bench/retrieval.py
