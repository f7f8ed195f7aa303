"""The committed folders generated from the lessons are up to date with them: `student/` (the
answer-free notebooks, `make student`) and `executed/` (every lesson run in default mode, with
its outputs, `make executed`). Every `notebooks/NN_*.ipynb` must have its copy in both."""

import re

import nbformat
import pytest

from course_lib.config import repo_root
from tools_loader import tool

ROOT = repo_root()
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXECUTED = ROOT / "executed"


def test_the_student_folder_is_what_make_student_writes(tmp_path):
    assert tool("make_student").main(["--out", str(tmp_path)]) == 0
    fresh = {p.name: p.read_bytes() for p in tmp_path.glob("*.ipynb")}
    committed = {p.name: p.read_bytes() for p in (ROOT / "student").glob("*.ipynb")}
    stale = sorted(name for name in fresh.keys() | committed.keys()
                   if fresh.get(name) != committed.get(name))
    assert not stale, f"student/ is out of date for {stale}: run `make student`"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_has_an_executed_copy_with_its_cells(lesson):
    path = EXECUTED / lesson.name
    assert path.exists(), f"executed/{lesson.name} is missing: run `make executed`"
    executed = nbformat.read(path, as_version=4)
    source = nbformat.read(lesson, as_version=4)
    assert [(c.cell_type, c.source) for c in executed.cells] == \
        [(c.cell_type, c.source) for c in source.cells], \
        f"executed/{lesson.name} differs from the lesson's cells: run `make executed`"
    assert executed.metadata.get("course_executed", {}).get("mode") == "default"
    unrun = [i for i, c in enumerate(executed.cells) if c.cell_type == "code" and not c.execution_count]
    assert not unrun, f"executed/{lesson.name}: cells {unrun} were not run"


def test_executed_holds_only_copies_of_current_lessons():
    names = {p.name for p in LESSONS}
    extra = sorted(p.name for p in EXECUTED.glob("*.ipynb") if p.name not in names)
    assert not extra, f"executed/ holds notebooks of no current lesson: {extra}"


ABSOLUTE_PATH = re.compile(r"(?<![\w.~])/(?:work|home|root|tmp|content|Users|var|opt|usr|mnt)/[^\s'\"]+")
NOISE = re.compile(r"Traceback \(most recent call last\)|\w+Warning\b|WARNING:|absl::")


def output_texts(cell):
    """(kind, text) of every output of a code cell: streams by name, errors, and the plain
    text of results and displays."""
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            yield output.name, output.text
        elif output.output_type == "error":
            yield "error", "\n".join(output.traceback)
        else:
            yield "result", output.get("data", {}).get("text/plain", "")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_executed_lessons_read_cleanly(lesson):
    """A reader of executed/ sees the lesson's own output only: no stderr (TensorFlow's start-up
    log, library warnings), no traceback, no warning, no path of the machine that ran it."""
    path = EXECUTED / lesson.name
    if not path.exists():
        pytest.skip(f"executed/{lesson.name} is missing (the test above reports it)")
    problems = []
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        for kind, text in output_texts(cell):
            first = (text.strip().splitlines() or [""])[0][:100]
            if kind in ("stderr", "error"):
                problems.append(f"cell {index}: {kind} output: {first}")
            for pattern in (NOISE, ABSOLUTE_PATH):
                found = pattern.search(text)
                if found:
                    problems.append(f"cell {index}: {found.group(0)[:100]!r} in its {kind} output")
    assert not problems, f"executed/{lesson.name} does not read cleanly:\n" + "\n".join(problems)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_executed_lessons_keep_their_figures(lesson):
    """Every cell that calls plt.show() shows its figure (a run under a non-inline backend such as
    the tests' Agg draws nothing, silently)."""
    path = EXECUTED / lesson.name
    if not path.exists():
        pytest.skip(f"executed/{lesson.name} is missing (the test above reports it)")
    blank = [index for index, cell in enumerate(nbformat.read(path, as_version=4).cells)
             if cell.cell_type == "code" and "plt.show()" in cell.source
             and not any("image/png" in output.get("data", {}) for output in cell.outputs)]
    assert not blank, (f"executed/{lesson.name}: cells {blank} call plt.show() and have no "
                       f"figure: run `make executed` (its kernel draws inline)")


TIME = re.compile(r"\b\d+(?:\.\d+)?\s*(?:s|min|minutes|seconds)\b")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_cells_that_took_long_say_how_long_above_them(lesson):
    """Every code cell that took more than half a minute in the executed run (recorded by `make
    executed`) has a time in the nearest markdown cell above it (the text that introduces it,
    or an exercise's statement above its solution), so a learner knows to wait."""
    path = EXECUTED / lesson.name
    if not path.exists():
        pytest.skip(f"executed/{lesson.name} is missing (the test above reports it)")
    executed = nbformat.read(path, as_version=4)
    record, cells = executed.metadata.get("course_executed", {}), executed.cells
    assert "long_cells" in record, (f"executed/{lesson.name} has no record of its cells' times: "
                                    f"run `make executed`")

    def text_above(index: int) -> str:
        return next((cell.source for cell in reversed(cells[:index])
                     if cell.cell_type == "markdown"), "")

    silent = [int(index) for index in record["long_cells"] if not TIME.search(text_above(int(index)))]
    assert not silent, (f"executed/{lesson.name}: cells {sorted(silent)} took over 30 s and the "
                        f"markdown above them states no time (e.g. 'about 2 min on 2 CPU cores')")
