"""The pyflakes rules (undefined names, unused imports and variables) over everything that runs:
the package, benchmarks, tools, tests and the notebooks' code cells. A benchmark that uses a name
it never imported fails here, before anyone runs it."""

import subprocess
import sys

from course_lib.config import repo_root

ROOT = repo_root()
CHECKED = ("course_lib", "benchmarks", "tools", "tests", "notebooks")


def ruff(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache",
                           "--output-format", "concise", *args],
                          capture_output=True, text=True, cwd=cwd, check=False)


def test_the_code_has_no_undefined_names_or_unused_imports():
    done = ruff(*CHECKED)
    assert done.returncode == 0, f"ruff found problems:\n{done.stdout}{done.stderr}"


def test_the_linter_catches_an_undefined_name_in_a_script_and_a_notebook(tmp_path):
    import nbformat

    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    (tmp_path / "bench.py").write_text("@tf.function\ndef step():\n    return 1\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nimport course_lib\nprint(undefined_thing)")]
    nbformat.write(nb, tmp_path / "lesson.ipynb")
    done = ruff(".", cwd=tmp_path)
    assert done.returncode == 1
    assert "bench.py:1:2: F821 Undefined name `tf`" in done.stdout
    assert "F821 Undefined name `undefined_thing`" in done.stdout
    assert "F401 [*] `os` imported but unused" in done.stdout
    assert "`course_lib` imported" not in done.stdout  # imported for its side effect
