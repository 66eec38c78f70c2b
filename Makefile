# make run: set up .venv on first use and start the bot. make test: set up and run the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test system-deps bench check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot serve

# Debian packages the tests drive for real (Chromium, fonts, PostgreSQL); installs only what is missing.
system-deps:
	./scripts/system-deps.sh

# Two test processes per core: about half of the suite waits on servers, browsers and timeouts.
TEST_PROCESSES ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 )))

test: $(STAMP) system-deps
	$(PY) -m bot kb check --no-gaps
	$(PY) -m bot eval tests/data/real-report.yaml --quiet
	$(PY) -m pytest -q -n $(TEST_PROCESSES)

bench: $(STAMP)
	$(PY) bench/answer_bench.py

check: $(STAMP)
	$(PY) -m bot kb check
	$(PY) -m bot eval tests/data/dev.yaml

clean:
	rm -rf $(VENV) var build *.egg-info
