# Two commands to start:  make course  (run every lesson)   make test  (run the tests)
# COURSE_FAST=1 shrinks data and epochs so the whole course runs in minutes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Two installs into .venv. A learner's (`make course` and the other course commands): the course,
# the TensorFlow build that fits and the notebook runner (the `dev` extra). A contributor's
# (`make test`, `make student`): the same plus the `instructor` extra (nbgrader, with JupyterLab,
# SQLAlchemy and alembic), which writes student/ and which the tests check.
COURSE_STAMP := $(VENV)/.installed-course
STAMP  := $(VENV)/.installed
comma  := ,
# The Pythons the course supports: requires-python in pyproject.toml, the one place that says it.
REQUIRES_PYTHON := $(shell sed -n 's/^requires-python *= *"\(.*\)"/\1/p' pyproject.toml)
PYTHON_MINOR    := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
# TensorFlow build: keep one the base Python already imports (conda, a system package: the venv
# then sees it through --system-site-packages), else the GPU build on Linux with an NVIDIA driver,
# else the CPU wheel (the plain `tensorflow` wheel on macOS and Linux aarch64, via pyproject markers).
TF_EXTRA = $(shell if $(BIN)/python -c "import tensorflow" >/dev/null 2>&1; then echo ""; \
	elif [ "$$(uname -s)" = Linux ] && command -v nvidia-smi >/dev/null 2>&1; then echo "gpu,"; \
	else echo "cpu,"; fi)
NBVAL  := -p no:python --nbval-lax --nbval-current-env --nbval-cell-timeout=600
# Two worker processes, a test file per worker at a time; tests/conftest.py hands out the longest
# files first (hence no reordering by xdist), so that no worker ends the run alone with one.
PARALLEL := -n 2 --dist loadfile --no-loadscope-reorder
TEST_BUILD := $(CURDIR)/build/test

min_version = $(shell sed -n 's/^ *"$(1)>=\([0-9.]*\)[";].*/\1/p' pyproject.toml | head -n 1)
MIN_TF = $(call min_version,tensorflow-cpu)
# Oldest-versions leg of `make test`: the TensorFlow and Keras of this Python's row in
# [tool.course.oldest] of pyproject.toml (the minimums of the extras where they have a wheel for
# it, else the oldest release that has one), installed in a venv of their own that later runs
# reuse until pyproject.toml or the Python changes. `make -n oldest PYTHON_MINOR=3.13` shows what
# another Python gets; a Python without a row skips the leg and says why.
OLDEST := $(shell $(PYTHON) -c 'import tomllib; \
	rows = tomllib.load(open("pyproject.toml", "rb"))["tool"]["course"]["oldest"]; \
	row = rows.get("$(PYTHON_MINOR)", {}); print(row.get("tensorflow", ""), row.get("keras", ""))' 2>/dev/null)
OLDEST_TF    := $(word 1,$(OLDEST))
OLDEST_KERAS := $(word 2,$(OLDEST))
OLDEST_PYTHONS = $(shell $(PYTHON) -c 'import tomllib; \
	print(*tomllib.load(open("pyproject.toml", "rb"))["tool"]["course"]["oldest"])' 2>/dev/null)
TF_PACKAGE   = $(shell if [ "$$(uname -s)" = Darwin ] || [ "$$(uname -m)" = aarch64 ]; \
	then echo tensorflow; else echo tensorflow-cpu; fi)
OLDEST_VENV  := build/venv-oldest
OLDEST_STAMP := $(OLDEST_VENV)/.installed-python$(PYTHON_MINOR)
# The oldest leg runs the unit tests whose outcome can depend on the TensorFlow/Keras version:
# every model (its train_step, saving, bad inputs), the exercise checks' machinery and every
# reference answer through its check (a learner's right answer must pass on Colab's versions
# too), training and checkpoints, seeding, the scorer and metrics. It leaves out the
# fresh-process reloads, the lessons' recipes and the per-lesson tests that wrong answers are
# named (the main leg runs them all), and what does not touch TensorFlow or runs every tool.
OLDEST_TESTS := tests/models tests/checks/test_references.py tests/checks/test_training_check.py \
	tests/test_training.py tests/test_fingerprint.py tests/test_config.py tests/test_scoring.py \
	tests/test_metrics.py tests/test_metrics_gan.py
OLDEST_LESSON := notebooks/00_setup.ipynb
# The tests that run lessons or commands end to end: legs of their own.
STUDENT_TESTS := tests/test_student_notebooks.py tests/test_tools_nbgrader.py
COMMAND_TESTS := tests/test_commands_fast.py
LEG_TESTS     := $(STUDENT_TESTS) $(COMMAND_TESTS)
# `make quick`: the inner loop of a contributor (models, recipes, checks, scorer, data, linter).
QUICK_TESTS := tests/models tests/recipes tests/checks tests/test_scoring.py tests/test_data.py \
	tests/test_validation.py tests/test_lint.py

# The test targets run one BLAS thread per process. Their legs run side by side on the same cores,
# and OpenBLAS's threads (numpy, scipy) wait for each other by spinning: under that load lesson
# 01's student copy, whose Gaussian models and logistic regressions are BLAS work, took 181 s
# instead of 39 s with one thread (docs/timings.md). A learner's `make course` keeps the default.
test quick unit commands background lint notebooks lessons students oldest: \
	export OPENBLAS_NUM_THREADS = 1

.PHONY: help course test quick unit commands background lint notebooks lessons students \
	oldest bench figures student headers executed lab

help:
	@echo "make course     run every notebook headless, HTML in build/html (COURSE_FAST=1 for minutes);"
	@echo "                installs the course without the instructor tools (nbgrader)"
	@echo "make test       side by side: every notebook through nbval in fast mode (then, on their"
	@echo "                models, the student copies and nbgrader's round trip), and at lower"
	@echo "                priority the unit tests (linter included), then the unit tests and one"
	@echo "                lesson with the oldest TensorFlow and Keras that pyproject.toml allows"
	@echo "                for this Python ($(REQUIRES_PYTHON))"
	@echo "make quick      the inner loop: models, recipes, checks, scorer, data and the linter"
	@echo "make commands   the fast run of every benchmark and tool (not in make test: run it when"
	@echo "                you change benchmarks/ or tools/)"
	@echo "make notebooks  every notebook through nbval in fast mode, then the student copies and"
	@echo "                nbgrader's round trip on the lessons' models"
	@echo "make lint       only the linter (ruff's pyflakes rules, notebooks included)"
	@echo "make bench      default-mode benchmarks -> benchmarks/results/ and summary.md"
	@echo "make figures    README gallery in docs/figures/ from the benchmarks' trained models"
	@echo "make executed   run every lesson in default mode -> executed/ (outputs kept, for reading)"
	@echo "make student    answer-free versions of the notebooks in student/"
	@echo "make headers    refresh the Colab badge, setup cell and GPU request of every notebook"
	@echo "make lab        start JupyterLab in this folder"

$(BIN)/python:
	@$(PYTHON) -c "import sys; python = sys.version_info[:2]; \
		version = lambda bound: tuple(int(part) for part in bound.strip(' >=<').split('.')); \
		sys.exit(not all(python >= version(bound) if bound.strip().startswith('>=') \
			else python < version(bound) for bound in '$(REQUIRES_PYTHON)'.split(',')))" 2>/dev/null || { \
		echo "$(PYTHON) is $$($(PYTHON) -V 2>&1), outside the Pythons the course supports," \
			"$(REQUIRES_PYTHON) (requires-python in pyproject.toml: the tools need Python 3.11's tomllib," \
			"and TensorFlow had no wheel for a newer Python when the range was set)." \
			"Run make PYTHON=python3.12 (or another interpreter in that range)."; exit 1; }
	@if $(PYTHON) -c "import tensorflow" >/dev/null 2>&1; then \
		$(PYTHON) -m venv --system-site-packages $(VENV); \
		if $(BIN)/python -c "import tensorflow" >/dev/null 2>&1; then \
			echo "Keeping the TensorFlow that $(PYTHON) imports ($(VENV) sees it through --system-site-packages)."; \
		else echo "$(PYTHON) imports TensorFlow from a venv of its own, which $(VENV) cannot see: installing one."; \
			rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi; \
	else $(PYTHON) -m venv $(VENV); fi

# Install the course editable with the TensorFlow build that fits and the extras $(1), then touch
# the stamps $(2).
define install
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(TF_EXTRA)$(1)]" || { \
		echo "Installing failed. If pip found no TensorFlow $(MIN_TF) or newer, TensorFlow has no wheel" \
			"for Python $$($(BIN)/python -c 'import platform; print(platform.python_version())')" \
			"on $$(uname -sm) (Intel Macs have none after TensorFlow 2.16): install TensorFlow" \
			"yourself (conda, or a build from source) into $(PYTHON), delete $(VENV) and run make" \
			"again (an importable TensorFlow is kept), or open the lessons on Colab."; exit 1; }
	touch $(2)
endef

# The learner's install: no instructor tools.
$(COURSE_STAMP): pyproject.toml | $(BIN)/python
	$(call install,dev,$(COURSE_STAMP))

# The contributor's install (a superset of the learner's, so it stamps both).
$(STAMP): pyproject.toml | $(BIN)/python
	$(call install,dev$(comma)instructor,$(STAMP) $(COURSE_STAMP))

course: $(COURSE_STAMP)
	$(BIN)/python tools/run_course.py

# Two chains side by side. The lessons in fast mode, then the student copies and nbgrader's round
# trip on their models: the longer chain, one notebook at a time, at normal priority so that it
# never waits for a core. And the `background` chain at lower priority (nice), which fills
# whatever the lessons leave idle: the unit tests (two workers), then the oldest-versions leg.
# Each chain's report prints when it ends (--output-sync), and `make test` fails when any leg
# fails. The fast run of every benchmark and tool is `make commands`, outside it (docs/testing.md
# says why).
test: $(STAMP)
	@echo "Side by side: the lessons in fast mode (then the student copies on their models), and," \
		"at lower priority, the unit tests and then the oldest-versions leg; each chain prints" \
		"its report when it ends."
	@$(MAKE) --no-print-directory --keep-going -j2 --output-sync=target students background

# One leg after the other, each a sub-make with a single chain of jobs, so that a job slot freed
# by the lessons always goes to the student copies; the oldest leg runs even when the unit tests
# fail, and the chain fails when either does.
background: $(STAMP)
	@nice -n 10 $(MAKE) --no-print-directory unit; unit=$$?; \
		nice -n 10 $(MAKE) --no-print-directory oldest && exit $$unit

# The unit tests in two worker processes (pytest-xdist), a test file per worker at a time: small
# TensorFlow tests spend most of their time in Python, which one process runs on one core. The
# tests that run lessons or commands end to end run in the legs after it.
unit: $(STAMP)
	$(BIN)/python -m pytest $(PARALLEL) --durations=15 $(addprefix --ignore=,$(LEG_TESTS)) tests

# The fast run of every benchmark and tool, in a scratch build folder of its own.
commands: $(STAMP)
	$(BIN)/python -m pytest --durations=5 $(COMMAND_TESTS)

quick: $(STAMP)
	$(BIN)/python -m pytest -q -k "not fresh_process" $(QUICK_TESTS)

lint: $(STAMP)
	$(BIN)/python -m ruff check course_lib benchmarks tools tests notebooks

# Notebooks run in fast mode with their own build folder, emptied first, so nothing from an
# earlier full run is reused and nothing of it is touched. Then the untouched student copies run
# in the same folder, as a learner's second pass would, reloading the lessons' models, and
# nbgrader grades a lesson there.
notebooks: students

lessons: $(STAMP)
	rm -rf $(TEST_BUILD)
	COURSE_FAST=1 COURSE_BUILD_DIR=$(TEST_BUILD) $(BIN)/python -m pytest $(NBVAL) notebooks/

students: lessons
	STUDENT_TEST_BUILD=$(TEST_BUILD) $(BIN)/python -m pytest --durations=5 $(STUDENT_TESTS)

$(OLDEST_STAMP): pyproject.toml
	rm -rf $(OLDEST_VENV)
	$(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(OLDEST_VENV)/bin/python -m pip install --quiet -e ".[dev]" \
		"$(TF_PACKAGE)==$(OLDEST_TF)" "keras==$(OLDEST_KERAS)"
	touch $(OLDEST_STAMP)

ifeq ($(OLDEST_TF),)
oldest:
	@echo "Skipping the oldest-versions leg: [tool.course.oldest] in pyproject.toml lists the" \
		"oldest TensorFlow and Keras with a wheel for Python $(or $(OLDEST_PYTHONS),?)" \
		"(requires-python $(REQUIRES_PYTHON)), not for Python $(or $(PYTHON_MINOR),?) ($(PYTHON))," \
		"so there is nothing to install for it."
else
oldest: $(OLDEST_STAMP)
	@$(OLDEST_VENV)/bin/python -c "import keras, tensorflow as tf; \
		print('oldest versions: TensorFlow', tf.__version__, 'Keras', keras.__version__)"
	$(OLDEST_VENV)/bin/python -m pytest -q $(PARALLEL) -k "not fresh_process" \
		$(OLDEST_TESTS)
	rm -rf $(TEST_BUILD)-oldest
	COURSE_FAST=1 COURSE_BUILD_DIR=$(TEST_BUILD)-oldest $(OLDEST_VENV)/bin/python -m pytest \
		$(NBVAL) $(OLDEST_LESSON)
endif

bench: $(COURSE_STAMP)
	$(BIN)/python tools/run_benchmarks.py

figures: $(COURSE_STAMP)
	$(BIN)/python tools/make_figures.py

executed: $(COURSE_STAMP)
	$(BIN)/python tools/make_executed.py

student: $(STAMP)
	$(BIN)/python tools/make_student.py

headers: $(COURSE_STAMP)
	$(BIN)/python tools/notebook_header.py

lab: $(COURSE_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	$(BIN)/jupyter lab --notebook-dir=.
