# The README's two commands: `make demo` (the main job) and `make test` (what CI runs).
# `make docs` builds the API reference site into site/ (warnings are errors).
# `make mutants` checks that the tests fail on a broken package (run after `make test` in CI).
# Each creates .venv and installs what it needs on first use; nothing else is required but
# Python >= 3.10 with venv and pip.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-keras-noise
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: demo test mutants lint bench docs install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[tensorflow-cpu,demo,dev,test,docs]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/keras-noise demo $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest -n 2 $(ARGS)

# Breaks the package on purpose (tools/mutants.py: one monkeypatched mutant per pytest process)
# and checks that the tests notice; prints `N/N mutants killed`, fails if one survives.
mutants: $(STAMP)
	$(BIN)/python tools/mutants.py $(ARGS)

bench: $(STAMP)
	$(BIN)/keras-noise bench $(ARGS)

# The API reference site (mkdocs.yml): offline, from the docstrings, warnings as errors, so a
# broken reference or link fails the build. Open site/index.html, or `$(BIN)/mkdocs serve`.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict $(ARGS)

clean:
	rm -rf $(VENV) demo_output bench_output site .pytest_cache .ruff_cache
