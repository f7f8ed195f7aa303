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
    assert ("keras", ">=3.0", "") in {normalise(r) for r in PYPROJECT["project"]["dependencies"]}


def test_extras_pick_the_right_tensorflow_build():
    extras = {k: {normalise(r) for r in v} for k, v in PYPROJECT["project"]["optional-dependencies"].items()}
    assert ("tensorflow-cpu", ">=2.16", "sys_platform != 'darwin'") in extras["cpu"]
    assert ("tensorflow", ">=2.16", "sys_platform == 'darwin'") in extras["cpu"]
    assert any(name == "tensorflow" and "linux" in marker for name, _, marker in extras["gpu"])


def test_installing_where_tensorflow_exists_changes_nothing_but_the_course(tmp_path):
    """What Colab does: `pip install -e .` with TensorFlow and Keras already present."""
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet",
         "--report", str(report), "-e", str(ROOT)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    planned = {item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]}
    assert planned <= {"course_lib", "course-lib"}, f"would also install {planned}"
