# The two commands of the quick start: `make run` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST ?= $(PY) -m pytest

AXE    := .cache/axe/node_modules/axe-core/axe.min.js

.PHONY: run test install system-deps lint bench notebooks translations clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

install: $(STAMP)

# As root, installs Debian's chromium and postgresql when absent (the browser and store tests need them).
system-deps:
	@bash scripts/system-deps

run: install
	$(VENV)/bin/workbench lab --demo

# axe-core (npm), which the browser tests inject into the pages to check their accessibility.
$(AXE):
	npm install --silent --no-save --no-audit --no-fund --prefix .cache/axe axe-core@4.14.1

test: install system-deps $(AXE) lint
	$(PYTEST) tests workbench/notebooks --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

# ruff (lint and format) and mypy --strict on the whole package (pyproject's [tool.mypy]).
lint: install
	$(VENV)/bin/ruff check workbench tests scripts
	$(VENV)/bin/ruff format --check workbench tests scripts
	$(VENV)/bin/mypy

# Rewrite workbench/notebooks/ (shipped in the package) from scripts/notebooks.py and store
# their outputs (never widget state, nor the outputs that show a widget view: Lab would open on
# their stale text form).
notebooks: install
	$(PY) scripts/notebooks.py
	cd workbench/notebooks && env -u WORKBENCH_X_API_URL WORKBENCH_DB_URL=sqlite:///$$(mktemp -d)/nb.db ../../$(VENV)/bin/jupyter nbconvert \
	  --to notebook --execute --inplace --ExecutePreprocessor.store_widget_state=False *.ipynb
	$(PY) scripts/notebooks.py --strip-views

# Extract the views' messages (workbench/locale/workbench.pot), bring the catalogs up to date
# (new messages wait for their translation: tests/test_i18n.py fails until they have it) and
# compile them (.mo, shipped in the package).
translations: install
	$(PY) scripts/translations.py

bench: install
	$(VENV)/bin/workbench bench

clean:
	rm -rf $(VENV) build *.egg-info .cache

# The README's screenshots of the desk (both languages, both sizes), taken by its browser test.
screenshots: install $(AXE)
	$(PY) -m pytest -q tests/browser/test_desk_app.py
	mkdir -p docs/screenshots && cp test-artifacts/readme/*.png docs/screenshots/
