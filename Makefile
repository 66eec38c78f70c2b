# make run: set up .venv on first use and start the bot. make test: set up and run the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
AGENCY ?= taoyuan-vac

.PHONY: run test bench check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot chat --agency $(AGENCY)

test: $(STAMP)
	$(PY) -m bot kb check --no-gaps
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/answer_bench.py

check: $(STAMP)
	$(PY) -m bot kb check
	$(PY) -m bot eval ../shared/eval/dev.yaml

clean:
	rm -rf $(VENV) var build *.egg-info
