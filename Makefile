# Quick start: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv test lint typecheck pytest demo bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

lint: venv
	$(BIN)/ruff check lottery publisher tests bench
	$(BIN)/ruff format --check lottery publisher tests bench

typecheck: venv
	$(BIN)/mypy lottery publisher

pytest: venv
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

DEMO_PORT ?= 8000

demo: venv
	$(BIN)/lottery demo --out demo
	@echo "serving the demo site on http://127.0.0.1:$(DEMO_PORT)/ (Ctrl-C to stop)"
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory demo/site $(DEMO_PORT)

bench: venv
	$(BIN)/python bench/bench_draw.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis demo
