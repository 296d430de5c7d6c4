# Two commands for a newcomer: `make run` and `make test`. See README.md.
PYTHON3 ?= python3
VENV ?= .venv
PORT ?= 8000
# Links in emails point at the port the portal runs on, unless SITE_URL is set. Passed to
# every process: honcho gives the worker and beat other PORT values.
SITE_URL ?= http://127.0.0.1:$(PORT)
PYTEST_ARGS ?=
BIN := $(VENV)/bin
# Touched after each install, so pip runs again only when pyproject.toml is newer.
STAMP := $(VENV)/.installed
# Apps with their own translations; everything else (core, erfaring, templates/) uses locale/.
APPS_WITH_LOCALE := members surveys casework
export PATH := $(abspath $(BIN)):$(PATH)

# The dependencies, pinned with their hashes: `make lock` writes them from pyproject.toml,
# and every install (make, CI, the Dockerfile) takes exactly these files with --require-hashes.
# Existing pins are kept; add a dependency to pyproject.toml and run `make lock` again.
LOCK_OPTIONS := --quiet --generate-hashes --allow-unsafe --strip-extras --all-build-deps \
	--no-emit-index-url --no-emit-find-links

.PHONY: run test lint messages demo-code install prepare lock

run: prepare
	@echo "Portal: http://127.0.0.1:$(PORT)  (demo logins in README.md; Ctrl-C stops all)"
	SITE_URL=$(SITE_URL) $(BIN)/honcho start -f Procfile.dev -p $(PORT)

prepare: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py seed_demo --if-empty

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

messages: install
	@for app in $(APPS_WITH_LOCALE); do \
		echo "== $$app"; \
		mkdir -p $$app/locale; \
		(cd $$app && $(abspath $(BIN))/python ../manage.py makemessages -l nb -l en \
			&& $(abspath $(BIN))/python ../manage.py compilemessages) || exit 1; \
	done
	@echo "== project (core, erfaring, templates)"
	$(BIN)/python manage.py makemessages -l nb -l en $(foreach d,$(APPS_WITH_LOCALE) .venv var tests static,--ignore='$(d)/*')
	cd locale && $(abspath $(BIN))/python ../manage.py compilemessages

demo-code: install
	$(BIN)/python manage.py demo_totp

install: $(STAMP)

$(BIN)/python:
	$(PYTHON3) -m venv $(VENV)

$(STAMP): pyproject.toml requirements/dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

lock: install
	$(BIN)/pip-compile $(LOCK_OPTIONS) -o requirements/base.txt pyproject.toml
	$(BIN)/pip-compile $(LOCK_OPTIONS) --extra dev -o requirements/dev.txt pyproject.toml
