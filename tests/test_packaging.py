"""pyproject.toml, environment.yml, the README and the install rules agree: one Python range,
one set of packages, the oldest-versions leg of `make test` per Python, an install for learners
without the instructor tools."""

import json
import os
import platform
import re
import subprocess
import sys
import tomllib

import pytest
import yaml

from course_lib.config import repo_root

ROOT = repo_root()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SPEC = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*([<>=!~][^;]*)?\s*(?:;\s*(.*))?$")


def normalise(requirement: str) -> tuple:
    name, bound, marker = SPEC.match(requirement).groups()
    return (name.lower().replace("_", "-"), (bound or "").replace(" ", ""), (marker or "").replace('"', "'"))


def pyproject_set():
    """What `make course` installs: the core, the CPU build and the `dev` extra."""
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    return {normalise(r) for r in project["dependencies"] + extras["cpu"] + extras["dev"]}


def environment_set():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    found = set()
    for item in env["dependencies"]:
        if isinstance(item, dict):
            found |= {normalise(r) for r in item["pip"] if not r.startswith("-e")}
        elif item.split("<")[0].split(">")[0] not in {"python", "pip"}:
            found.add(normalise(item))
    return found


def test_environment_yml_installs_the_same_set_as_pyproject():
    assert environment_set() == pyproject_set()


def test_learners_do_not_get_the_instructor_tools():
    """nbgrader pulls in JupyterLab, SQLAlchemy and alembic: only `make test` and `make student`
    install it, never `make course` or environment.yml."""
    instructor = {normalise(r)[0] for r in PYPROJECT["project"]["optional-dependencies"]["instructor"]}
    assert instructor == {"nbgrader"}
    assert not instructor & {name for name, _, _ in environment_set()}
    course = make_n("course", "TF_EXTRA=cpu,")
    assert '-e ".[cpu,dev]"' in course and "instructor" not in course
    assert "tools/run_course.py" in course
    for target in ("unit", "student"):
        assert '-e ".[cpu,dev,instructor]"' in make_n(target, "TF_EXTRA=cpu,"), target
    assert '-e ".[dev]"' in make_n("oldest"), "the oldest leg needs no instructor tools"


def test_a_failed_install_names_the_python_version_and_the_platform():
    command = make_n("course", "TF_EXTRA=cpu,")
    failure = command.split("Installing failed.", 1)[1].split("exit 1", 1)[0]
    assert "for Python $(.venv/bin/python -c 'import platform; print(platform.python_version())')" in failure
    assert "$(uname -sm)" in failure and "Colab" in failure


def test_the_build_requirement_reads_the_license_field():
    """`license = "MIT"` (an SPDX expression, PEP 639) needs setuptools 77 to build."""
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["build-system"]["requires"] == ["setuptools>=77"]


def test_no_pytest_plugin_is_declared_unused():
    dev = {normalise(r)[0] for r in PYPROJECT["project"]["optional-dependencies"]["dev"]}
    assert "pytest-timeout" not in dev, "declared but no test sets a timeout through it"


def test_environment_yml_installs_the_course_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    assert "-e ." in pip_section


def test_tensorflow_is_never_a_core_dependency():
    core = {normalise(r)[0] for r in PYPROJECT["project"]["dependencies"]}
    assert not core & {"tensorflow", "tensorflow-cpu", "tf-nightly"}, "Colab must keep its own TensorFlow"
    assert all(not re.search(r"[=<]=?\s*\d", r.split(">=")[0]) for r in PYPROJECT["project"]["dependencies"]), \
        "core dependencies take lower bounds, not pins"
    assert ("keras", ">=3.10", "") in {normalise(r) for r in PYPROJECT["project"]["dependencies"]}


def test_extras_pick_the_right_tensorflow_build():
    """tensorflow-cpu has wheels for Linux x86-64 and Windows only: the plain wheel elsewhere."""
    extras = {k: {normalise(r) for r in v} for k, v in PYPROJECT["project"]["optional-dependencies"].items()}
    assert extras["cpu"] == {
        ("tensorflow-cpu", ">=2.19", "sys_platform != 'darwin' and platform_machine != 'aarch64'"),
        ("tensorflow", ">=2.19", "sys_platform == 'darwin' or platform_machine == 'aarch64'")}
    assert extras["gpu"] == {("tensorflow", ">=2.19", "sys_platform == 'linux'")}


# A `make` run as a user runs it: not as a sub-make of `make test`, which would print its
# "Entering directory" lines and pass its own flags down.
MAKE_ENV = {key: value for key, value in os.environ.items()
            if key not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}


def make_n(target, *variables):
    """The commands `make -n -B target` would run, whitespace collapsed."""
    result = subprocess.run(["make", "-n", "-B", target, *variables], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env=MAKE_ENV)
    assert result.returncode == 0, result.stderr
    return " ".join(result.stdout.split())


def supported_pythons() -> list:
    """The minor versions that requires-python allows, e.g. ["3.11", "3.12", "3.13"]: it must be
    a lower and an upper bound, `>=3.X,<3.Y`."""
    match = re.fullmatch(r">=3\.(\d+),<3\.(\d+)", PYPROJECT["project"]["requires-python"])
    assert match, "requires-python must read >=3.X,<3.Y: the range that is tested"
    return [f"3.{minor}" for minor in range(int(match[1]), int(match[2]))]


def test_the_python_range_is_one_fact():
    """requires-python is the range; README.md and environment.yml repeat it, the Makefile reads it."""
    requires = PYPROJECT["project"]["requires-python"]
    pythons = supported_pythons()
    assert pythons[0] == "3.11", "the tools read pyproject.toml with tomllib"
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert [item for item in env["dependencies"] if str(item).startswith("python")] == [f"python{requires}"]
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert f"Python {', '.join(pythons[:-1])} or {pythons[-1]}" in readme
    assert f'requires-python = "{requires}"' in readme
    assert not re.search(r"Python 3\.\d+ or newer|3\.\d+\+ interpreter", readme)
    makefile = (ROOT / "Makefile").read_text()
    assert "REQUIRES_PYTHON := $(shell sed" in makefile and "version_info < (3" not in makefile
    assert f"'{requires}'.split(',')" in make_n(".venv/bin/python")


@pytest.mark.parametrize("requires", [f">=3.8,<3.{sys.version_info[1]}",
                                      f">=3.{sys.version_info[1] + 1},<3.99",
                                      f">=3.{sys.version_info[1] + 1}"])
def test_make_refuses_a_python_outside_the_range_and_names_it(tmp_path, requires):
    """As on Python 3.14 today: the message names the Python version and the range."""
    venv = tmp_path / "venv"
    result = subprocess.run(["make", "-s", f"VENV={venv}", f"REQUIRES_PYTHON={requires}",
                             f"PYTHON={sys.executable}", f"{venv}/bin/python"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, env=MAKE_ENV)
    assert result.returncode != 0 and not venv.exists()
    assert f"is Python {platform.python_version()}, outside the Pythons the course supports, {requires}" \
        in result.stdout
    assert "make PYTHON=" in result.stdout


def test_the_oldest_table_has_a_row_for_every_supported_python():
    rows = PYPROJECT["tool"]["course"]["oldest"]
    assert list(rows) == supported_pythons()
    extras = PYPROJECT["project"]["optional-dependencies"]
    minimum_tf = {normalise(r)[1] for r in extras["cpu"] + extras["gpu"]}
    minimum_keras = {normalise(r)[1] for r in PYPROJECT["project"]["dependencies"] if r.startswith("keras")}
    assert minimum_tf == {">=2.19"} and minimum_keras == {">=3.10"}

    def version(text):
        return tuple(int(part) for part in text.split("."))

    for python, row in rows.items():
        assert set(row) == {"tensorflow", "keras"}, python
        assert version(row["tensorflow"]) >= (2, 19) and version(row["keras"]) >= (3, 10), python
    assert rows[supported_pythons()[0]] == {"tensorflow": "2.19", "keras": "3.10"}, \
        "the oldest Python tests the minimums themselves"


# What pip's index offered on 2026 look-ups (`pip index versions --python-version 3.X
# --only-binary=:all: tensorflow-cpu`): 2.19 for 3.11 and 3.12, nothing older than 2.20 for 3.13.
@pytest.mark.parametrize("python, tensorflow", [("3.11", "2.19"), ("3.12", "2.19"), ("3.13", "2.20")])
def test_the_oldest_leg_installs_the_oldest_versions_this_python_has(python, tensorflow):
    command = make_n("oldest", f"PYTHON_MINOR={python}")
    assert (f'"tensorflow-cpu=={tensorflow}" "keras==3.10"' in command
            or f'"tensorflow=={tensorflow}" "keras==3.10"' in command), command
    assert f"build/venv-oldest/.installed-python{python}" in command, "another Python, another venv"
    assert "COURSE_FAST=1" in command and "--nbval-lax" in command


def test_the_oldest_leg_of_make_test_installs_the_minimums():
    """On this Python (3.11 in CI) without any override."""
    command = make_n("oldest")
    row = PYPROJECT["tool"]["course"]["oldest"][f"{sys.version_info[0]}.{sys.version_info[1]}"]
    pins = f'=={row["tensorflow"]}" "keras=={row["keras"]}"'
    assert f'"tensorflow-cpu{pins}' in command or f'"tensorflow{pins}' in command
    assert "COURSE_FAST=1" in command and "--nbval-lax" in command


def test_a_python_without_tensorflow_skips_the_oldest_leg_and_says_why():
    """Python 3.14 has no TensorFlow wheel: the leg names that Python and passes."""
    result = subprocess.run(["make", "oldest", "PYTHON_MINOR=3.14"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env=MAKE_ENV)
    assert result.returncode == 0, result.stderr
    message = " ".join(result.stdout.split())
    assert message.startswith("Skipping the oldest-versions leg")
    assert "not for Python 3.14" in message and " ".join(supported_pythons()) in message


def test_every_core_dependency_is_imported():
    import_names = {"scikit-learn": "sklearn", "pillow": "PIL"}
    code = "\n".join(path.read_text() for folder in ("course_lib", "tools", "benchmarks")
                     for path in (ROOT / folder).rglob("*.py"))
    code += "\n".join(path.read_text() for path in (ROOT / "notebooks").glob("*.ipynb"))
    for requirement in PYPROJECT["project"]["dependencies"]:
        module = import_names.get(normalise(requirement)[0], normalise(requirement)[0])
        assert re.search(rf"(import|from) {module}\b", code), f"{requirement} is declared but never imported"


def test_installing_where_tensorflow_exists_changes_nothing_but_the_course(tmp_path):
    """What Colab does: `pip install -e .` with TensorFlow and Keras already present."""
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet",
         "--report", str(report), "-e", str(ROOT)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    planned = {item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]}
    assert planned <= {"course_lib", "course-lib"}, f"would also install {planned}"


def test_every_target_make_help_lists_is_a_rule():
    makefile = (ROOT / "Makefile").read_text()
    listed = set(re.findall(r'@echo "make (\w+)', makefile))
    rules = set(re.findall(r"^([\w-]+):", makefile, re.M))
    assert {"course", "test", "quick", "lint", "commands"} <= listed
    assert listed <= rules, f"make help lists targets with no rule: {sorted(listed - rules)}"


def test_the_test_targets_run_openblas_with_one_thread_and_the_course_keeps_the_default():
    """docs/testing.md: with both chains of `make test` on two cores, OpenBLAS's spinning threads
    made lesson 01's student copy over four times slower."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(r"^([\w ]+):[ \t]*\\\n[ \t]*export OPENBLAS_NUM_THREADS = 1$", makefile, re.M)
    assert match, "no target-specific `export OPENBLAS_NUM_THREADS = 1` in the Makefile"
    targets = set(match.group(1).split())
    assert {"test", "background", "unit", "oldest", "lessons", "students", "quick"} <= targets
    assert "course" not in targets
