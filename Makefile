# Development entry points of the scimops.datadog collection.
#   make test   every check and test, with the servers they need
#   make demo   the onboarding, sync and offboarding job against a local emulator
#   make bench  the benchmark report (tests/performance)
PYTHON ?= python3.11
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test demo bench venv sanity units lint integration emulator-tests clean

$(STAMP): requirements.txt tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet --upgrade pip
	$(VENV_PYTHON) -m pip install --quiet -r tests/requirements.txt
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(VENV_PYTHON) tests/utils/suite.py

sanity units lint integration: $(STAMP)
	$(VENV_PYTHON) tests/utils/suite.py $@

emulator-tests: $(STAMP)
	$(VENV_PYTHON) tests/utils/suite.py emulator

demo: $(STAMP)
	$(VENV_PYTHON) tests/utils/demo.py

bench: $(STAMP)
	$(VENV_PYTHON) tests/performance/bench.py

clean:
	rm -rf build collections tests/output
