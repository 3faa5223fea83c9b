# Heat Service: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/heatservice
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install run test lint format bench clean

install: $(STAMP)
	@$(PY) -m heatservice.i18n

$(STAMP): pyproject.toml requirements.lock
	@if [ ! -x $(PY) ]; then \
	  python=$$(scripts/find-python.sh) || exit 1; \
	  echo "Creating $(VENV) with $$python ($$($$python --version))"; \
	  $$python -m venv $(VENV); \
	fi
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

run: install
	@$(PY) manage.py migrate --noinput
	@$(PY) manage.py seed_demo --if-empty
	@echo "Heat Service on http://127.0.0.1:8000/  (admin: /admin/, API docs: /api/docs/)  Ctrl-C stops web, worker and beat."
	@$(VENV)/bin/honcho -f Procfile.dev start

test: install
	@scripts/ensure-services.sh
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: install
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: install
	@$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

bench: install
	@scripts/ensure-services.sh
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/heatservice_bench $(PY) bench/seed_households.py
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/heatservice_bench_sweep $(PY) bench/sweep.py

clean:
	rm -rf $(VENV) var staticfiles
