# weaver: `make help` lists the targets.
.DEFAULT_GOAL := help
.PHONY: help install start stop test clean bench

VENV := .venv
PYTHON := $(VENV)/bin/python
INI := config/weaver.ini

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-8s %s\n", $$1, $$2}'

$(PYTHON):
	python3 -m venv $(VENV)

$(VENV)/.installed: setup.py | $(PYTHON)
	$(PYTHON) -m pip install --upgrade pip
	$(PYTHON) -m pip install -e ".[dev]"
	@touch $@

install: $(VENV)/.installed ## create .venv and install weaver with its dev tools (again only when setup.py changes)

start: install ## run weaver in the foreground (embedded store, broker, workers, web app); Ctrl-C stops it
	$(VENV)/bin/weaver start --ini $(INI)

stop: ## stop a weaver started with `make start` from another terminal
	$(VENV)/bin/weaver stop --ini $(INI)

test: install ## run the test suite
	$(PYTHON) -m pytest tests

bench: install ## weaver against pygeoapi and pywps on this machine (peers in .bench/venvs); writes docs/benchmarks.md
	$(PYTHON) bench/run.py
	@if [ -f bench/jobs_at_scale.py ]; then $(PYTHON) bench/jobs_at_scale.py; fi

clean: ## remove var/ (data, logs) and caches; keeps .venv
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
