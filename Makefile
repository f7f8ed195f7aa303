# Two commands to start:  make course  (run every lesson)   make test  (run the tests)
# COURSE_FAST=1 shrinks data and epochs so the whole course runs in minutes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# TensorFlow build: keep one that is already importable (Colab, conda), else the GPU build on
# Linux with an NVIDIA driver, else the CPU wheel (the plain wheel on macOS, via pyproject markers).
TF_EXTRA = $(shell if $(BIN)/python -c "import tensorflow" >/dev/null 2>&1; then echo ""; \
	elif [ "$$(uname -s)" = Linux ] && command -v nvidia-smi >/dev/null 2>&1; then echo "gpu,"; \
	else echo "cpu,"; fi)
NBVAL  := -p no:python --nbval-lax --nbval-current-env --nbval-cell-timeout=600
TEST_BUILD := build/test

.PHONY: help course test unit lint notebooks bench figures student headers lab

help:
	@echo "make course     run every notebook headless, HTML in build/html (COURSE_FAST=1 for minutes)"
	@echo "make test       unit tests (linter and a fast run of every benchmark and tool included),"
	@echo "                then every notebook through nbval in fast mode"
	@echo "make lint       only the linter (ruff's pyflakes rules, notebooks included)"
	@echo "make bench      default-mode benchmarks -> benchmarks/results/ and summary.md"
	@echo "make figures    README gallery in docs/figures/ from the benchmarks' trained models"
	@echo "make student    student versions of the notebooks in student/"
	@echo "make headers    refresh the Colab badge and setup cell of every notebook"
	@echo "make lab        start JupyterLab in this folder"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(TF_EXTRA)dev,instructor]"
	touch $(STAMP)

course: $(STAMP)
	$(BIN)/python tools/run_course.py

test: unit notebooks

unit: $(STAMP)
	$(BIN)/python -m pytest tests

lint: $(STAMP)
	$(BIN)/python -m ruff check course_lib benchmarks tools tests notebooks

# Notebooks run in fast mode with their own build folder, emptied first, so nothing from an
# earlier full run is reused and nothing of it is touched.
notebooks: $(STAMP)
	rm -rf $(TEST_BUILD)
	COURSE_FAST=1 COURSE_BUILD_DIR=$(TEST_BUILD) $(BIN)/python -m pytest $(NBVAL) notebooks/

bench: $(STAMP)
	$(BIN)/python tools/run_benchmarks.py

figures: $(STAMP)
	$(BIN)/python tools/make_figures.py

student: $(STAMP)
	$(BIN)/python tools/make_student.py

headers: $(STAMP)
	$(BIN)/python tools/notebook_header.py

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	$(BIN)/jupyter lab --notebook-dir=.
