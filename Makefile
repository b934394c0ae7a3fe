# The two commands of the README: `make run` and `make test`. Everything they need is installed
# here, so both work on a fresh Debian machine.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages: gettext compiles the translations; Chromium and a CJK font serve the
# browser tests (Playwright drives Debian's Chromium, it downloads no browser of its own).
# The CJK font is embedded in the PDFs (map collection, certificates); poppler-utils renders
# them in the tests.
RUN_PACKAGES := gettext fonts-wqy-microhei
TEST_PACKAGES := gettext chromium fonts-wqy-microhei poppler-utils

.PHONY: run test install install-dev translations system-packages-run system-packages-test \
	lint worker beat

run:
	@$(MAKE) --no-print-directory system-packages-run install translations
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	@$(PY) manage.py demo_logins --host $(HOST) --port $(PORT)
	@if [ -n "$$REDIS_URL" ]; then \
		echo "REDIS_URL is set: web, Celery worker and beat together (honcho, Procfile.dev)"; \
		PATH="$(CURDIR)/$(VENV)/bin:$$PATH" HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start; \
	else \
		$(PY) manage.py runserver $(HOST):$(PORT); \
	fi

test:
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "make test: database from DATABASE_URL ($${DATABASE_URL%%://*}), broker $${REDIS_URL:-none (tasks in-process)}"; \
	else \
		echo "make test: no DATABASE_URL set, running on SQLite (tasks in-process)"; \
	fi
	@$(MAKE) --no-print-directory system-packages-test install-dev translations
	$(VENV)/bin/pytest $(PYTEST_ARGS)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

translations:
	$(PY) manage.py compilemessages --ignore=$(VENV) >/dev/null

system-packages-run:
	@$(call install_debian,$(RUN_PACKAGES))

system-packages-test:
	@$(call install_debian,$(TEST_PACKAGES))

define install_debian
	missing=""; for package in $(1); do \
		dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

worker: install
	$(VENV)/bin/celery -A config worker --loglevel INFO --concurrency 2

beat: install
	$(VENV)/bin/celery -A config beat --loglevel INFO
