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
           "06_dcgan", "07_gan_applications", "08_diffusion", "09_flow_matching"]
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


def is_graded(cell) -> bool:
    return cell.metadata.get("nbgrader", {}).get("grade") is True


@pytest.mark.parametrize("name", LESSONS)
def test_records_results_and_ends_with_assertions(name):
    cells = [c for c in code(load(name)) if not is_graded(c) and "exercises.summary" not in c.source]
    assert any("report.record(" in c.source for c in cells), f"{name}: no report.record(...)"
    assert "assert " in cells[-1].source, f"{name}: the last code cell must assert on results"


@pytest.mark.parametrize("name", LESSONS[1:])
def test_lessons_have_graded_exercises_that_skipping_cannot_break(name):
    # Each exercise: a solution cell, then a read-only cell that checks it through `exercises`
    # (which puts the course's answer in its place when it fails); the notebook ends with a
    # summary and one graded cell per exercise, worth its points.
    cells = load(name).cells
    solutions = [i for i, c in enumerate(cells) if "### BEGIN SOLUTION" in c.source]
    assert len(solutions) >= 2, f"{name}: needs at least two exercises"
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), f"{name}: nbgrader grade_ids must be unique"
    checked = []
    for i in solutions:
        meta = cells[i].metadata.get("nbgrader", {})
        assert meta.get("solution") is True and meta.get("grade_id"), f"{name}: cell {i} lacks nbgrader metadata"
        assert "### END SOLUTION" in cells[i].source
        following = next(c for c in cells[i + 1:] if c.cell_type == "code")
        found = re.search(r'(\w+) = exercises\.check\("(\w+)", \1\b', following.source)
        assert found, f"{name}: no `answer = exercises.check(...)` after cell {i}"
        assert following.metadata["nbgrader"]["locked"] and not is_graded(following)
        checked.append(found.group(2))
    graded = [c for c in cells if is_graded(c)]
    assert [re.fullmatch(r'exercises\.require\("(\w+)"\)', c.source).group(1) for c in graded] == checked
    assert all(c.metadata["nbgrader"]["points"] >= 1 for c in graded)
    tail = code(load(name))[-len(graded) - 1:]
    assert "exercises.summary()" in tail[0].source and all(is_graded(c) for c in tail[1:]), (
        f"{name}: the notebook must end with the exercise summary, then the graded cells")


@pytest.mark.parametrize("name", LESSONS[1:])
def test_every_lesson_has_a_decision_exercise(name):
    # Issue 30: every lesson from 01 on asks the learner to decide something and defend it with
    # a number; such an exercise's intro (the last markdown cell before its solution cell) says
    # "a decision".
    assert any("a decision" in intro.lower() for intro in exercise_intros(name)), (
        f"{name}: no exercise whose intro says \"a decision\"")


def exercise_intros(name) -> list:
    """The intro of each exercise of a lesson: the last markdown cell before its solution cell."""
    cells = load(name).cells
    return [next(c.source for c in reversed(cells[:i]) if c.cell_type == "markdown")
            for i, cell in enumerate(cells)
            if cell.cell_type == "code" and "### BEGIN SOLUTION" in cell.source]


@pytest.mark.parametrize("name", [n for n in LESSONS if "02" <= n[:2] <= "08"])
def test_lessons_02_to_08_have_a_build_exercise(name):
    # Issue 30: from lesson 02 on, the learner builds a core piece of the lesson's model (a
    # compile-and-fit, a train_step, a loss, a sampler), checked by running it; its intro's
    # first line says "build".
    assert any(re.search(r"\bbuild\b", intro.splitlines()[0], re.I) for intro in exercise_intros(name)), (
        f"{name}: no exercise whose intro's first line says \"build\"")


@pytest.mark.parametrize("name", LESSONS[1:])
def test_models_are_not_pasted_into_notebooks(name):
    source = "\n".join(c.source for c in code(load(name)))
    pasted = re.findall(r"class (Sampling|VAE|GAN|Autoencoder)\b", source)
    assert not pasted, f"{name}: defines {pasted}; import it from course_lib instead"


def test_make_test_runs_notebooks_in_fast_mode():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nlessons:", 1)[1].split("\n\n", 1)[0]
    assert "COURSE_FAST=1" in recipe and "$(NBVAL)" in recipe and "notebooks/" in recipe
    assert re.search(r"^NBVAL\s*:=.*--nbval-lax", makefile, re.M)
