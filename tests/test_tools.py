"""The maintenance scripts: student versions, the course runner, notebook headers."""

import json
import re

import nbformat
import pytest

from course_lib.config import repo_root
from tools_loader import tool

ROOT = repo_root()


def exercise_notebook():
    nb = nbformat.v4.new_notebook()
    solution = nbformat.v4.new_code_cell(
        "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION")
    solution.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "square",
                                     "locked": False, "schema_version": 3, "task": False}
    tests = nbformat.v4.new_code_cell(
        "assert square(3) == 9\n### BEGIN HIDDEN TESTS\nassert square(-2) == 4\n### END HIDDEN TESTS")
    tests.metadata["nbgrader"] = {"grade": True, "grade_id": "square_tests", "locked": True,
                                  "points": 1, "schema_version": 3, "solution": False, "task": False}
    tests.outputs = [nbformat.v4.new_output("stream", text="done")]
    tests.execution_count = 3
    nb.cells = [nbformat.v4.new_markdown_cell("# Squares"), solution, tests]
    return nb


def test_student_version_strips_solutions_hidden_tests_and_outputs():
    nb = tool("make_student").student_version(exercise_notebook())
    solution, tests = nb.cells[1].source, nb.cells[2].source
    assert "return x * x" not in solution and "raise NotImplementedError()" in solution
    assert "def square(x):" in solution
    assert "square(-2)" not in tests and "HIDDEN" not in tests and "square(3) == 9" in tests
    assert nb.cells[2].outputs == [] and nb.cells[2].execution_count is None


def test_make_student_writes_every_lesson_idempotently(tmp_path):
    make_student = tool("make_student")
    assert make_student.main(["--out", str(tmp_path)]) == 0
    first = {p.name: p.read_bytes() for p in tmp_path.glob("*.ipynb")}
    lessons = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(first) == lessons
    for name, content in first.items():
        text = content.decode()
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text, name
        if name[:2] != "00":
            assert "raise NotImplementedError()" in text, name
    assert make_student.main(["--out", str(tmp_path)]) == 0
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.ipynb")} == first


def test_make_student_never_overwrites_a_hand_written_notebook(tmp_path):
    mine = tmp_path / "00_setup.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), mine)
    before = mine.read_bytes()
    assert tool("make_student").main(["--out", str(tmp_path)]) == 1
    assert mine.read_bytes() == before


def test_run_course_executes_writes_html_and_tabulates(tmp_path, monkeypatch, capfd):
    build = tmp_path / "build"
    monkeypatch.setenv("COURSE_BUILD_DIR", str(build))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "from course_lib import report\nreport.record('lesson42', {'answer': 42})")]
    path = tmp_path / "42_demo.ipynb"
    nbformat.write(nb, path)
    runner = tool("run_course")
    assert runner.main([str(path)]) == 0
    assert (build / "html" / "42_demo.html").exists()
    assert "answer = 42" in (build / "course-summary.md").read_text()
    assert nbformat.read(path, as_version=4).cells[0].outputs == [], "the source notebook stays clean"
    assert "without encryption" not in capfd.readouterr().err, "the kernel's TCP warning is kept out"


def test_run_course_reports_a_failing_notebook(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path / "build"))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("raise ValueError('broken lesson')")]
    path = tmp_path / "43_broken.ipynb"
    nbformat.write(nb, path)
    assert tool("run_course").main([str(path)]) == 1
    assert "FAILED" in (tmp_path / "build" / "course-summary.md").read_text()
    assert (tmp_path / "build" / "html" / "43_broken.html").exists()


def test_run_course_shows_only_figures_of_its_own_mode(tmp_path, monkeypatch):
    build = tmp_path / "build"
    monkeypatch.setenv("COURSE_BUILD_DIR", str(build))
    monkeypatch.setenv("COURSE_FAST", "1")
    (build / "results").mkdir(parents=True)
    stale = {"lesson": "lesson43", "mode": "default", "figures": {"stale_figure": 0.99}}
    (build / "results" / "lesson43.json").write_text(json.dumps(stale))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("raise ValueError('broken lesson')")]
    path = tmp_path / "43_broken.ipynb"
    nbformat.write(nb, path)
    assert tool("run_course").main([str(path)]) == 1
    table = (build / "course-summary.md").read_text()
    assert "stale_figure" not in table
    assert "smoke run" in table


def test_header_cells_point_at_the_configured_repository():
    header = tool("notebook_header")
    repo, branch = header.repository()
    badge, setup = header.header_cells(ROOT / "notebooks" / "00_setup.ipynb")
    assert f"github/{repo}/blob/{branch}/notebooks/00_setup.ipynb" in badge.source
    assert setup.source.rstrip().endswith(
        f"course_setup({repo!r}, {branch!r}, 'notebooks/00_setup.ipynb', KEEP_ON_DRIVE, FAST_MODE)")
    pip = re.findall(r'run\(sys\.executable, "-m", "pip", "install",[^)]*\)', setup.source)
    assert len(pip) == 1 and "tensorflow" not in pip[0].lower(), "never install TensorFlow on Colab"
    assert " ".join(pip[0].split()).endswith('"-c", constraints, "-e", target)')
    student_badge, student_setup = header.header_cells(ROOT / "notebooks" / "00_setup.ipynb", "student")
    assert f"blob/{branch}/student/00_setup.ipynb" in student_badge.source
    assert "'student/00_setup.ipynb'" in student_setup.source


def first_solution_index(nb):
    return next(i for i, c in enumerate(nb.cells) if "nbgrader" in c.metadata
                and c.metadata["nbgrader"].get("solution"))


def test_student_notebooks_match_the_lessons_up_to_the_first_exercise():
    """Everything between the header and the first exercise is the tested lesson itself,
    unchanged; the header opens the student copy."""
    make_student = tool("make_student")
    for source in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        lesson = nbformat.read(source, as_version=4)
        if not any(c.metadata.get("nbgrader", {}).get("solution") for c in lesson.cells):
            continue
        student = make_student.student_version(nbformat.read(source, as_version=4), source)
        first = first_solution_index(lesson)
        assert [c.source for c in student.cells[2:first]] == [c.source for c in lesson.cells[2:first]]
        assert "raise NotImplementedError()" in student.cells[first].source, source.name
        assert f"/student/{source.name})" in student.cells[0].source, source.name
        assert f"'student/{source.name}'" in student.cells[1].source, source.name


def test_make_student_deletes_only_its_own_copies_of_removed_lessons(tmp_path):
    make_student = tool("make_student")
    stale = tmp_path / "99_removed.ipynb"
    nbformat.write(make_student.student_version(nbformat.v4.new_notebook()), stale)
    mine = tmp_path / "my_notes.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), mine)
    assert make_student.main(["--out", str(tmp_path)]) == 0
    assert not stale.exists() and mine.exists()


def executed_demo(tmp_path, source):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Demo"), nbformat.v4.new_code_cell(source)]
    path = tmp_path / "41_demo.ipynb"
    nbformat.write(nb, path)
    return path


def test_make_executed_writes_cleaned_outputs_and_keeps_the_sources(tmp_path, monkeypatch, capfd):
    monkeypatch.delenv("COURSE_FAST", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")  # the caller's backend must not reach the kernel
    source = ("import sys\nimport matplotlib.pyplot as plt\n"
              "print('\\x1b[1mbold\\x1b[0m')\nprint('1/3 [=>..]\\r3/3 [===] done')\n"
              "sys.stdout.write('ab\\x08\\x08xy\\n')\nplt.plot([0, 1], [1, 0]); plt.show()")
    path = executed_demo(tmp_path, source)
    out = tmp_path / "executed"
    assert tool("make_executed").main(["--out", str(out), str(path)]) == 0
    nb = nbformat.read(out / path.name, as_version=4)
    assert [c.source for c in nb.cells] == [c.source for c in nbformat.read(path, as_version=4).cells]
    stream, image = nb.cells[1].outputs[0], nb.cells[1].outputs[-1]
    assert stream.text == "bold\n3/3 [===] done\nxy\n"
    assert "image/png" in image.data and nb.metadata["course_executed"]["mode"] == "default"
    printed = capfd.readouterr()
    assert "MB in all" in printed.out
    assert "without encryption" not in printed.err


def test_make_executed_lists_the_cells_that_ran_over_30_seconds():
    make_executed = tool("make_executed")

    def timed(start, end):
        cell = nbformat.v4.new_code_cell("pass")
        cell.metadata.execution = {"iopub.execute_input": start, "shell.execute_reply": end}
        return cell

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("text"),
        timed("2026-12-05T10:00:00.000Z", "2026-12-05T10:00:12.500Z"),
        timed("2026-12-05T10:00:12.600Z", "2026-12-05T10:01:58.100Z"),
        nbformat.v4.new_code_cell("not run")])
    assert make_executed.cell_seconds(nb.cells[1]) == 12.5
    assert make_executed.long_cells(nb) == {"2": 106}


def test_make_executed_refuses_fast_mode_and_keeps_no_failed_run(tmp_path, monkeypatch):
    make_executed = tool("make_executed")
    path = executed_demo(tmp_path, "raise ValueError('broken')")
    out = tmp_path / "executed"
    monkeypatch.setenv("COURSE_FAST", "1")
    with pytest.raises(SystemExit):
        make_executed.main(["--out", str(out), str(path)])
    monkeypatch.delenv("COURSE_FAST")
    assert make_executed.main(["--out", str(out), str(path)]) == 1
    assert not (out / path.name).exists()


def test_compressed_figures_keep_their_pixels_when_they_have_few_colours():
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    pixels = rng.choice(np.array([[255, 255, 255], [31, 119, 180], [0, 0, 0]], np.uint8), (60, 80))
    raw = io.BytesIO()
    Image.fromarray(pixels).save(raw, "PNG")
    small = tool("make_executed").compress_png(raw.getvalue())
    assert len(small) <= len(raw.getvalue())
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(small)).convert("RGB")), pixels)


def test_run_course_refuses_a_missing_notebook(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        tool("run_course").main([str(tmp_path / "99_absent.ipynb")])
    assert stop.value.code == 2 and "no such notebook" in capsys.readouterr().err


def test_make_figures_copies_only_a_finished_lesson06_gif(tmp_path):
    import json

    from course_lib import config

    figures = tool("make_figures")
    with pytest.raises(figures.Missing, match="06_dcgan"):
        figures.dcgan_progress(tmp_path)
    run = config.checkpoint_dir("lesson06_dcgan")
    (run / "progress").mkdir()
    (run / "progress" / "progress.gif").write_bytes(b"GIF89a")
    (run / "state.json").write_text(json.dumps({"epoch": 3, "epochs": 8, "history": {}}))
    with pytest.raises(figures.Missing, match="no finished run"):
        figures.dcgan_progress(tmp_path)
    (run / "state.json").write_text(json.dumps({"epoch": 8, "epochs": 8, "history": {}}))
    assert figures.dcgan_progress(tmp_path).read_bytes() == b"GIF89a"
