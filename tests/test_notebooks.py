"""Notebook hygiene: committed without outputs, same header, imports, results, exercises, checks."""

import re
import subprocess
import sys

import nbformat
import pytest

from course_lib.config import repo_root

ROOT = repo_root()
LESSONS = ["00_setup", "01_discriminative_vs_generative", "02_autoencoders",
           "03_denoising_autoencoders", "04_latent_space_gaps", "05_variational_autoencoders",
           "06_dcgan", "07_gan_applications", "08_diffusion"]
NOTEBOOKS = {name: ROOT / "notebooks" / f"{name}.ipynb" for name in LESSONS}


def load(name):
    return nbformat.read(NOTEBOOKS[name], as_version=4)


def code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_the_course_has_exactly_the_numbered_lessons():
    found = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert found == LESSONS


@pytest.mark.parametrize("name", LESSONS)
def test_committed_without_outputs(name):
    nb = load(name)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"{name}: cells {dirty} carry outputs or execution counts"


def test_headers_are_current():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "notebook_header.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", LESSONS)
def test_course_lib_is_imported_before_tensorflow(name):
    source = "\n".join(c.source for c in code(load(name))[1:])
    first_course = source.find("import course_lib")
    first_tf = min((i for i in (source.find("import tensorflow"), source.find("import keras"))
                    if i >= 0), default=len(source))
    assert 0 <= first_course < first_tf, f"{name}: import course_lib before TensorFlow/Keras"


@pytest.mark.parametrize("name", LESSONS)
def test_records_results_and_ends_with_assertions(name):
    cells = code(load(name))
    assert any("report.record(" in c.source for c in cells), f"{name}: no report.record(...)"
    assert "assert " in cells[-1].source, f"{name}: the last code cell must assert on results"


@pytest.mark.parametrize("name", LESSONS[1:])
def test_lessons_have_graded_exercises_with_checks(name):
    cells = load(name).cells
    solutions = [i for i, c in enumerate(cells) if "### BEGIN SOLUTION" in c.source]
    assert len(solutions) >= 2, f"{name}: needs at least two exercises"
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), f"{name}: nbgrader grade_ids must be unique"
    for i in solutions:
        meta = cells[i].metadata.get("nbgrader", {})
        assert meta.get("solution") is True and meta.get("grade_id"), f"{name}: cell {i} lacks nbgrader metadata"
        assert "### END SOLUTION" in cells[i].source
        following = next(c for c in cells[i + 1:] if c.cell_type == "code")
        assert re.search(r"check\w*\.\w+\(", following.source), f"{name}: no check after cell {i}"
        assert following.metadata.get("nbgrader", {}).get("grade") is True


@pytest.mark.parametrize("name", LESSONS[1:])
def test_models_are_not_pasted_into_notebooks(name):
    source = "\n".join(c.source for c in code(load(name)))
    pasted = re.findall(r"class (Sampling|VAE|GAN|Autoencoder)\b", source)
    assert not pasted, f"{name}: defines {pasted}; import it from course_lib instead"


def test_make_test_runs_notebooks_in_fast_mode():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nnotebooks:", 1)[1].split("\n\n", 1)[0]
    assert "COURSE_FAST=1" in recipe and "$(NBVAL)" in recipe and "notebooks/" in recipe
    assert re.search(r"^NBVAL\s*:=.*--nbval-lax", makefile, re.M)
