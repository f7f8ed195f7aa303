"""The student copies, untouched, as a learner who skips every exercise runs them: each runs to
its end in fast mode, every exercise replaced by the course's answer with a note, the summary
lists each exercise as not done, and only the graded cells at the end fail, saying so.

Lessons 03 and 04 are left out here because tests/test_tools_nbgrader.py already runs their
untouched copies end to end through nbgrader's autograde, with the same assertions
(`assert_skipped_everywhere`)."""

import re
import tempfile

import nbformat
import pytest
from nbclient import NotebookClient

from course_lib import config
from tools_loader import tool

STUDENT = config.repo_root() / "student"
COVERED_BY_NBGRADER_TEST = ("03_", "04_")
LESSONS = sorted(p.name for p in STUDENT.glob("[0-9][0-9]_*.ipynb")
                 if p.name[:2] != "00" and not p.name.startswith(COVERED_BY_NBGRADER_TEST))


def run_untouched(name: str) -> nbformat.NotebookNode:
    nb = nbformat.read(STUDENT / name, as_version=4)
    runner = tool("notebook_runner")
    with tempfile.TemporaryDirectory(prefix="course-kernel-") as sockets:
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                       config=runner.kernel_config(sockets),
                       resources={"metadata": {"path": str(STUDENT)}}).execute()
    return nb


def errors(cell) -> list:
    return [output for output in cell.outputs if output.output_type == "error"]


def text(cell) -> str:
    return "".join(output.get("text", "") for output in cell.outputs)


@pytest.mark.parametrize("name", LESSONS)
def test_an_untouched_student_notebook_runs_to_its_end(name, monkeypatch, lessons_build):
    monkeypatch.setenv("COURSE_FAST", "1")
    monkeypatch.setenv("COURSE_BUILD_DIR", str(lessons_build))
    assert_skipped_everywhere(run_untouched(name), name)


def assert_skipped_everywhere(nb: nbformat.NotebookNode, name: str):
    """An untouched copy ran to its end: only its graded cells failed, each saying its exercise
    is not done; every exercise fell back to the course's answer with a note; the summary lists
    them all as not done."""
    cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in cells), f"{name}: not every cell ran"
    graded = [cell for cell in cells if cell.metadata.get("nbgrader", {}).get("grade")]
    failed = [cell for cell in cells if errors(cell)]
    assert failed == graded, [(cell.source[:60], errors(cell)[0].evalue[:200]) for cell in failed]
    for cell in graded:
        (error,) = errors(cell)
        assert error.ename == "ExerciseError" and "not done yet" in error.evalue, error.evalue
    names = [re.search(r'require\("(\w+)"\)', cell.source).group(1) for cell in graded]
    summary = next(text(cell) for cell in cells if "exercises.summary" in cell.source)
    assert f"0 of {len(names)} exercises done" in summary
    assert all(re.search(rf"✗ {name}\s+not done yet", summary) for name in names), summary
    notes = "".join(text(cell) for cell in cells)
    assert all(f"the course's answer to {name} in place of yours" in notes for name in names)
