# The course's commands. `make help` lists them. Each one is `python -m course TARGET`, which
# works without make too (Windows: `py -3.12 -m course lab`).
#
#   PYTHON=python3.12     the interpreter that builds .venv/ (default python3; CPython 3.11 to 3.14)
#   POSTGRES=no           install without the embedded PostgreSQL (only notebook 08 needs it)
#   VERSIONS="3.12 3.13"  for test-pythons: exactly these, and fail if one is missing
#   UPGRADE="django"      for lock: move these pins to their newest allowed versions ("all": every pin)
#   SUBMISSIONS=DIR       for grade: the handed-in work, one folder per student (TIMEOUT=: seconds a notebook;
#                         LESSONS="03 04": only these lessons; JOBS=: notebooks at once, default CPUs + 1;
#                         UNSANDBOXED=yes: without bubblewrap's sandbox, with your rights)
#   LESSONS="03 04"       for outputs: re-execute only these lessons (default: the whole series, in order)
#   NAME=topic TITLE="…"  for lesson: the new lesson's name (notebooks/NN_topic.ipynb) and title
PYTHON   ?= python3
POSTGRES ?= yes
UNSANDBOXED ?= no
# A yes/no variable with another value (POSTGRES=nope) stops make with one line, before anything runs.
$(foreach v,POSTGRES REPLACE STUDENT UNSANDBOXED,$(if $(filter-out yes no,$($(v))),\
  $(error $(v) is yes or no, not '$($(v))')))
COURSE    = $(PYTHON) -m course $(if $(filter no,$(POSTGRES)),--without-postgres)

TARGETS := install lab lab-solutions test check test-pythons test-browser test-faults test-hub lock student grade site site-deps outputs nav project lesson bench clean
.PHONY: help python $(TARGETS)

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

# One clear line when the interpreter is missing (an unsupported one is refused by `-m course`).
python:
	@$(PYTHON) -c "" 2>/dev/null || { echo "Cannot run '$(PYTHON)'. The course needs CPython 3.11 to 3.14: give PYTHON= a command on your PATH or a full path, for example make lab PYTHON=python3.12, or PYTHON=/usr/bin/python3.12"; exit 1; }

install: python  ## Create .venv/ with PYTHON and install the locked requirements (lab and test do it)
	@$(COURSE) install

lab: python  ## Open JupyterLab on your own copies of the notebooks (student/, made on first use)
	@$(COURSE) lab

lab-solutions: python  ## For teachers: JupyterLab on the solved notebooks (notebooks/), autosave off
	@$(COURSE) lab-solutions

test: python  ## The whole suite on PYTHON: every notebook strictly compared, and the unit tests
	@$(COURSE) test

check: python  ## In seconds: the unit tests and ruff (code and notebooks' cells), no notebook executed
	@$(COURSE) check

test-pythons: python  ## The strict series on every other supported Python found here (or VERSIONS=)
	@$(COURSE) test-pythons $(VERSIONS)

test-browser: python  ## The learner's walkthrough in a real JupyterLab in headless Chromium (a few minutes)
	@$(COURSE) test-browser

test-faults: python  ## Faults a learner's machine meets, injected for real: each must end in one line and lose nothing
	@$(COURSE) test-faults

test-hub: python  ## A real JupyterHub here: three learners, each a Unix user, run 07 and 08 at once (root, Linux)
	@$(COURSE) test-hub

lock: python  ## Regenerate requirements.txt from pyproject.toml, for every platform and Python
	@$(COURSE) lock $(if $(UPGRADE),--upgrade $(UPGRADE))

student: python  ## Write student copies into student/; an edited copy is kept (REPLACE=yes moves it aside)
	@$(COURSE) student $(if $(filter yes,$(REPLACE)),--replace)

grade: python  ## Grade handed-in copies by running them: SUBMISSIONS=DIR (one folder per student)
	@test -n "$(SUBMISSIONS)" || { echo "Give the folder of handed-in work: make grade SUBMISSIONS=DIR (one folder per student, holding their notebooks)"; exit 1; }
	@$(COURSE) grade "$(SUBMISSIONS)" $(if $(TIMEOUT),--timeout $(TIMEOUT)) $(if $(JOBS),--jobs $(JOBS)) $(if $(LESSONS),--lessons $(LESSONS)) $(if $(filter yes,$(UNSANDBOXED)),--unsandboxed)

site: python  ## Build the web edition into build/site/ and the browser edition in build/site/lite/ (offline)
	@$(COURSE) site

site-deps: python  ## Fetch what the browser edition is built from (Pyodide, wheels) into build/site-deps/, once
	@$(COURSE) site-deps

outputs: python  ## Re-execute every notebook in order and store its real outputs (LESSONS="03 04": only those)
	@$(COURSE) outputs $(if $(LESSONS),--lessons $(LESSONS))

nav: python  ## Regenerate the navigation bars and the index notebooks/README.md
	@$(COURSE) nav

project: python  ## Rebuild project/ from the notebooks' step cells
	@$(COURSE) project

lesson: python  ## Start a new lesson after the last: NAME=topic TITLE="…" (its notebook, check module, answers)
	@test -n "$(NAME)" -a -n "$(TITLE)" || { echo 'Give the new lesson a name and a title: make lesson NAME=topic TITLE="What it teaches"'; exit 1; }
	@$(COURSE) lesson "$(NAME)" "$(TITLE)"

bench: python  ## Time make test against one run of the series, and the series against its floor
	@$(COURSE) bench

clean: python  ## Remove what runs generate, saying what; keeps the environments and student/ (STUDENT=yes: set aside, dated)
	@$(COURSE) clean $(if $(filter yes,$(STUDENT)),--student)
