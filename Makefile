# The course's commands. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
# JupyterLab refuses to run as root without this flag (containers, CI images).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help install lab test student outputs nav project bench clean

help:  ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --editable .
	touch $(STAMP)

install: $(STAMP)  ## Create .venv/ and install the pinned requirements (done by lab and test)

lab: $(STAMP)  ## Open JupyterLab on the notebooks, with the course's kernel
	$(BIN)/jupyter lab --ServerApp.root_dir=. --ServerApp.ip=127.0.0.1 $(ROOT_FLAG) notebooks/01_one_database.ipynb

test: $(STAMP)  ## Run the whole suite: every notebook under strict nbval, and the unit tests
	$(PY) -m pytest -n 2 --dist loadfile --nbval --nbval-current-env

student: $(STAMP)  ## Write student copies (solutions replaced by stubs) into student/
	$(PY) -m course.student

outputs: $(STAMP)  ## Re-execute every notebook in order and store its real outputs
	$(PY) -m course.outputs notebooks/[0-9][0-9]_*.ipynb

nav: $(STAMP)  ## Regenerate the navigation bars and the index notebooks/README.md
	$(PY) -m course.navigation

project: $(STAMP)  ## Rebuild project/ from the notebooks' step cells
	$(PY) -m course.project

bench: $(STAMP)  ## Time the series under nbval against the same number of one-cell notebooks
	$(PY) -m course.bench

clean:  ## Remove what runs generate (scratch projects, databases, caches); keeps .venv/
	rm -rf work student build .pytest_cache .ipynb_checkpoints notebooks/.ipynb_checkpoints *.egg-info
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
	find project -name '*.sqlite3' -delete
