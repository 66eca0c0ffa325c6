# Sportello: `make run` serves the portal, `make test` runs every test. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
WHO ?= charlie

.PHONY: run test test-fast worker lint fmt bench migrate demo demo-code clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

e2e/node_modules/axe-core/axe.min.js: e2e/package.json
	cd e2e && npm install --no-audit --no-fund --silent
	touch $@

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

# DEMO=1 installs the demo app (personas with public passwords, seed_demo, demo_code):
# `make run` is a demo instance. Production runs `manage.py run` without it.
demo: migrate
	DEMO=1 $(PY) manage.py seed_demo

run: demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	DEMO=1 $(PY) manage.py run --port $(PORT)

demo-code: $(VENV)/.installed
	DEMO=1 $(PY) manage.py demo_code $(WHO)

worker: migrate
	$(PY) manage.py db_worker --queue-name default,imports

test: $(VENV)/.installed-dev e2e/node_modules/axe-core/axe.min.js
	$(PY) -m pytest

test-fast: $(VENV)/.installed-dev
	$(PY) -m pytest -m "not e2e and not slow"

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.installed-dev
	$(PY) bench/run.py --import

clean:
	rm -rf $(VENV) e2e/node_modules var/static
