"""tools/make_nbgrader_course.py, and the grading path end to end: nbgrader's
generate_assignment and autograde on lessons 03 and 04 (their solutions and their untouched
student copies), in fast mode."""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.preprocessors import ClearHiddenTests

from test_student_notebooks import assert_skipped_everywhere
from tools_loader import tool

LESSONS = ("03_denoising_autoencoders", "04_latent_space_gaps")  # 03 has a build exercise
HIDDEN = "### BEGIN HIDDEN TESTS\nprint('hidden test ran')\n### END HIDDEN TESTS\n"


def nbgrader(course: Path, *args, env: dict):
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def graded_cells(nb) -> list:
    return [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade")]


def test_the_course_folder_holds_a_config_and_one_assignment_per_lesson(tmp_path):
    written = tool("make_nbgrader_course").write_course(tmp_path / "course", ["03"], timeout=600)
    config, source = written
    assert "c.Execute.timeout = 600" in config.read_text()
    assert source == tmp_path / "course" / "source" / LESSONS[0] / f"{LESSONS[0]}.ipynb"
    text = source.read_text()
    assert f"/student/{LESSONS[0]}.ipynb" in text and f"/notebooks/{LESSONS[0]}" not in text
    assert "### BEGIN SOLUTION" in text  # nbgrader strips the answers, not this tool


def test_nothing_is_overwritten_and_unknown_lessons_are_named(tmp_path):
    make = tool("make_nbgrader_course")
    make.write_course(tmp_path, ["03"], timeout=600)
    (tmp_path / "nbgrader_config.py").write_text("# the instructor's own\n")
    with pytest.raises(SystemExit, match="refusing to overwrite"):
        make.write_course(tmp_path, ["04", "03"], timeout=600)
    assert not (tmp_path / "source" / LESSONS[1]).exists()
    make.write_course(tmp_path, ["04"], timeout=600)
    assert (tmp_path / "nbgrader_config.py").read_text() == "# the instructor's own\n"
    with pytest.raises(SystemExit, match="no single lesson matches '42'.*03_denoising"):
        make.write_course(tmp_path, ["42"], timeout=600)


def test_solutions_get_full_marks_and_an_untouched_student_copy_zero(tmp_path, lessons_build):
    course, build = tmp_path / "course", lessons_build
    tool("make_nbgrader_course").write_course(course, [name[:2] for name in LESSONS], timeout=600)
    # An instructor's hidden test, which the release drops and autograde must put back.
    source = course / "source" / LESSONS[0] / f"{LESSONS[0]}.ipynb"
    nb = nbformat.read(source, as_version=4)
    graded_cells(nb)[0].source += "\n" + HIDDEN
    nbformat.write(nb, source)
    env = {**os.environ, "COURSE_FAST": "1", "COURSE_BUILD_DIR": str(build),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for lesson in LESSONS:
        nbgrader(course, "generate_assignment", lesson, env=env)
        release = course / "release" / lesson / f"{lesson}.ipynb"
        assert "### BEGIN SOLUTION" not in release.read_text()
        assert "hidden test ran" not in release.read_text()
        assert f"/student/{lesson}.ipynb" in release.read_text()
        answers = ClearHiddenTests(enforce_metadata=False).preprocess(
            nbformat.read(course / "source" / lesson / f"{lesson}.ipynb", as_version=4), {})[0]
        submissions = {"solutions": answers, "untouched": nbformat.read(release, as_version=4)}
        for student, submission in submissions.items():
            folder = course / "submitted" / student / lesson
            folder.mkdir(parents=True)
            nbformat.write(submission, folder / f"{lesson}.ipynb")
        nbgrader(course, "autograde", lesson, env=env)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for lesson in LESSONS:
            solutions = gradebook.find_submission(lesson, "solutions")
            untouched = gradebook.find_submission(lesson, "untouched")
            grades = [grade for notebook in untouched.notebooks for grade in notebook.grades]
            assert solutions.max_score >= 2 and solutions.score == solutions.max_score, lesson
            assert grades and all(grade.score == 0 for grade in grades), lesson
    for student in ("untouched", "solutions"):
        for lesson in LESSONS:
            graded = nbformat.read(course / "autograded" / student / lesson / f"{lesson}.ipynb",
                                   as_version=4)
            code = [cell for cell in graded.cells if cell.cell_type == "code"]
            assert all(cell.execution_count is not None for cell in code), (student, lesson)
            if student == "untouched":
                assert_skipped_everywhere(graded, lesson)
        graded = nbformat.read(course / "autograded" / student / LESSONS[0] / f"{LESSONS[0]}.ipynb",
                               as_version=4)
        assert "print('hidden test ran')" in graded_cells(graded)[0].source, student  # restored
    ran = graded_cells(graded)[0]  # the solutions' copy: its check passes, then the hidden test runs
    assert "hidden test ran" in "".join(output.get("text", "") for output in ran.outputs)
