"""pyproject.toml, environment.yml and the install rules agree."""

import json
import re
import subprocess
import sys
import tomllib

import yaml

from course_lib.config import repo_root

ROOT = repo_root()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SPEC = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*([<>=!~][^;]*)?\s*(?:;\s*(.*))?$")


def normalise(requirement: str) -> tuple:
    name, bound, marker = SPEC.match(requirement).groups()
    return (name.lower().replace("_", "-"), (bound or "").replace(" ", ""), (marker or "").replace('"', "'"))


def pyproject_set():
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    return {normalise(r) for r in project["dependencies"] + extras["cpu"] + extras["dev"] + extras["instructor"]}


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


def test_the_oldest_leg_of_make_test_installs_the_minimums():
    result = subprocess.run(["make", "-n", "-B", "oldest"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    command = " ".join(result.stdout.split())
    assert '"tensorflow-cpu==2.19" "keras==3.10"' in command or '"tensorflow==2.19" "keras==3.10"' in command
    assert "COURSE_FAST=1" in command and "--nbval-lax" in command


def test_python_versions_agree_and_are_enforced():
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python>=3.11,<3.13" in env["dependencies"]
    assert "Python 3.11" in (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "sys.version_info < (3, 11)" in makefile


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
