# Quick start: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv test lint typecheck pytest coverage demo bench clean mutation mutation-changed mutation-report

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

lint: venv
	$(BIN)/ruff check lottery publisher tests bench scripts
	$(BIN)/ruff format --check lottery publisher tests bench scripts
	$(BIN)/lint-imports

typecheck: venv
	$(BIN)/mypy lottery publisher

# The whole suite (PostgreSQL and browser suites included when present: docs/testing.md).
# PYTEST_ARGS: extra pytest arguments. PYTEST_WORKERS: pytest-xdist processes (three on two
# cores: the suite waits on PostgreSQL, Chromium and subprocesses much of the time;
# `PYTEST_WORKERS=0` runs in one process).
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 3

pytest: venv
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The same suite under coverage (branch; subprocesses and forked workers included:
# pyproject.toml's [tool.coverage.run]), then one line per package checked against its floor
# (tests/coverage_floors.py; docs/testing.md, "Coverage"). Not part of `make test`: tracing
# doubles the suite's CPU time. pytest's summary stays the last line pytest prints; the
# coverage table follows it.
coverage: venv
	@rm -f .coverage .coverage.*
	$(BIN)/python -m coverage run -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)
	@$(BIN)/python -m coverage combine -q
	$(BIN)/python tests/coverage_floors.py

test: lint typecheck pytest

DEMO_PORT ?= 8000
CONSOLE_PORT ?= 8001
# The demo's three witnesses listen on WITNESS_PORT and the two ports after it.
WITNESS_PORT ?= 8002
# The demo office on the public site that `lottery serve` republishes (lottery/demo/office.py).
DEMO_OFFICE = $(shell $(BIN)/python -m lottery.demo.office)

# `make demo`: build the demo city, then serve both sides: the staff console and API on
# CONSOLE_PORT (log in with the accounts the demo prints), which republishes demo/site by
# itself after every change (LOTTERY_SITE_DIR), and the public site on DEMO_PORT. The demo's
# three witnesses run as `lottery witness serve` on WITNESS_PORT.. (lottery/demo/witness_servers.py
# starts them, then the console with LOTTERY_WITNESSES pointing at them, and stops all together).
demo: venv
	$(BIN)/lottery demo --out demo
	LOTTERY_LOG_ORIGIN=rfb.demo.example/lottery LOTTERY_SITE_DIR=$(CURDIR)/demo/site \
	  $(DEMO_OFFICE) \
	  $(BIN)/python -m lottery.demo.witness_servers demo --port $(WITNESS_PORT) -- \
	  $(BIN)/lottery serve --data-dir demo/data --port $(CONSOLE_PORT) & \
	  console=$$!; trap 'kill $$console 2>/dev/null' EXIT INT TERM; \
	  echo "staff console: http://127.0.0.1:$(CONSOLE_PORT)/console/  public site: http://127.0.0.1:$(DEMO_PORT)/  witnesses: 127.0.0.1:$(WITNESS_PORT) to $$(($(WITNESS_PORT) + 2))"; \
	  $(BIN)/lottery serve-site demo/site --port $(DEMO_PORT)

bench: venv
	$(BIN)/python bench/bench_draw.py

# Mutation testing of the draw, verify, role and escaping rules (docs/testing.md, "Mutation
# testing"; scope in tests/mutation.py, mutmut settings in pyproject.toml [tool.mutmut]).
# `make mutation`: the whole scope from a fresh copy. `make mutation-changed`: only the
# in-scope modules that differ from BASE (default origin/main, else HEAD), reusing mutants/.
# MUTATE=lottery.core.teams (dotted, space-separated) picks modules; JOBS: mutmut workers.
MUTATE ?=
BASE ?=
JOBS ?= 1

mutation: venv
	nice -n 10 $(BIN)/python tests/mutation.py run --fresh --max-children $(JOBS) $(MUTATE)

mutation-changed: venv
	nice -n 10 $(BIN)/python tests/mutation.py run --changed --max-children $(JOBS) \
		$(if $(BASE),--base $(BASE)) $(MUTATE)

mutation-report:
	$(BIN)/python tests/mutation.py report --survivors $(MUTATE)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis demo .coverage .coverage.* htmlcov mutants
