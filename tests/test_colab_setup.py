"""The Colab setup cell's logic (`course_setup` in tools/notebook_header.py) on a simulated Colab:
a fake `google.colab` module with a fake Drive, real git against a local repository made here
(standing in for GitHub), and pip run against this environment's TensorFlow and Keras (standing
in for Colab's preinstalled ones) with `--dry-run`, so nothing is installed."""

import subprocess
import sys
import types

import nbformat
import pytest

from course_lib.config import repo_root
from tools_loader import tool

ROOT = repo_root()
BRANCH = "course-branch"


def git(*args, cwd):
    subprocess.run(["git", "-c", "user.name=course", "-c", "user.email=course@example.org",
                    "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True,
                   capture_output=True, text=True)


@pytest.fixture
def origin(tmp_path):
    """A repository with the course's pyproject.toml and a stub `course_lib`, whose branch
    `course-branch` differs from `main`."""
    repo = tmp_path / "origin"
    (repo / "course_lib").mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        (repo / name).write_text((ROOT / name).read_text())
    (repo / "course_lib" / "__init__.py").write_text('"""Stand-in."""\n')
    git("init", cwd=repo)
    git("add", ".", cwd=repo)
    git("commit", "-m", "main", cwd=repo)
    git("checkout", "-b", BRANCH, cwd=repo)
    (repo / "branch.txt").write_text("from the configured branch\n")
    git("add", ".", cwd=repo)
    git("commit", "-m", "branch", cwd=repo)
    git("checkout", "main", cwd=repo)
    return repo


class Colab:
    """A fake Colab: `google.colab` with `drive.mount`, and a recorder of the commands run,
    which dry-runs pip (`dry_run_pip`) or replaces it by a no-op."""

    def __init__(self, monkeypatch, tmp_path, dry_run_pip=False):
        self.commands, self.mounted, self.report = [], [], tmp_path / "pip-report.json"
        self.dry_run_pip = dry_run_pip
        drive = types.ModuleType("google.colab.drive")
        drive.mount = self.mounted.append
        colab = types.ModuleType("google.colab")
        colab.drive = drive
        monkeypatch.setitem(sys.modules, "google.colab", colab)
        monkeypatch.setitem(sys.modules, "google.colab.drive", drive)
        real_popen = subprocess.Popen

        def popen(command, *args, **kwargs):
            command = list(command)
            self.commands.append(command)
            if command[1:4] == ["-m", "pip", "install"]:
                command = (command + ["--dry-run", "--report", str(self.report)] if self.dry_run_pip
                           else [sys.executable, "-c", "print('pip stand-in')"])
            return real_popen(command, *args, **kwargs)

        monkeypatch.setattr(subprocess, "Popen", popen)
        monkeypatch.setattr(sys, "path", list(sys.path))
        monkeypatch.delenv("COURSE_FAST", raising=False)
        monkeypatch.delenv("COURSE_FAST_FROM_SETUP", raising=False)

    def pip_commands(self):
        return [c for c in self.commands if c[1:3] == ["-m", "pip"]]


def run_setup(origin, tmp_path, **flags):
    return tool("notebook_header").course_setup(
        origin.as_uri(), BRANCH, "notebooks/00_setup.ipynb", target=str(tmp_path / "content" / "course"),
        drive_root=str(tmp_path / "drive"), **flags)


def test_first_run_clones_the_branch_and_installs_without_touching_tensorflow(
        origin, tmp_path, monkeypatch, capsys):
    import json
    from importlib import metadata

    colab = Colab(monkeypatch, tmp_path, dry_run_pip=True)
    run_setup(origin, tmp_path)
    clone = tmp_path / "content" / "course"
    assert (clone / "branch.txt").exists(), "the configured branch, not the default one"
    assert str(clone) in sys.path
    [pip] = colab.pip_commands()
    assert pip[-2:] == ["-e", str(clone)] and not any("tensorflow" in arg for arg in pip)
    pins = open(pip[pip.index("-c") + 1]).read().split()
    tensorflow = next(name for name in ("tensorflow", "tensorflow-cpu")
                      if any(d.metadata["Name"].lower().replace("_", "-") == name
                             for d in metadata.distributions()))
    assert f"{tensorflow}=={metadata.version(tensorflow)}" in pins
    assert f"keras=={metadata.version('keras')}" in pins
    planned = {item["metadata"]["name"].lower()
               for item in json.loads(colab.report.read_text())["install"]}
    assert planned <= {"course_lib", "course-lib"}, f"pip would also install {planned}"
    out = capsys.readouterr().out
    assert "$ git clone" in out and "Cloning into" in out, "git's output is shown"
    assert "Would install" in out, "pip's output is shown"
    assert "KEEP_ON_DRIVE is off" in out and "deletes when it recycles the runtime" in out
    assert "Runtime > Change runtime type" in out, "no GPU here: the Colab advice is printed"


def test_second_run_pulls_the_new_commits(origin, tmp_path, monkeypatch, capsys):
    colab = Colab(monkeypatch, tmp_path)
    run_setup(origin, tmp_path)
    git("checkout", BRANCH, cwd=origin)
    (origin / "fix.txt").write_text("a fix pushed after the first run\n")
    git("add", ".", cwd=origin)
    git("commit", "-m", "fix", cwd=origin)
    run_setup(origin, tmp_path)
    assert (tmp_path / "content" / "course" / "fix.txt").exists()
    assert [c[1:4] for c in colab.commands if c[0] == "git"][-3:] == [
        ["-C", str(tmp_path / "content" / "course"), "remote"],
        ["-C", str(tmp_path / "content" / "course"), "fetch"],
        ["-C", str(tmp_path / "content" / "course"), "reset"]]
    assert len(colab.pip_commands()) == 2
    assert "already exists" not in capsys.readouterr().out


@pytest.mark.parametrize("wrong", ["repository", "branch"])
def test_a_wrong_repository_or_branch_names_the_setting(origin, tmp_path, monkeypatch, capsys, wrong):
    colab = Colab(monkeypatch, tmp_path)
    repository = (tmp_path / "no-such-course").as_uri() if wrong == "repository" else origin.as_uri()
    with pytest.raises(RuntimeError, match=r"`\[tool.course\] repository`.*pyproject.toml"):
        tool("notebook_header").course_setup(
            repository, BRANCH if wrong == "repository" else "no-such-branch", "notebooks/00_setup.ipynb",
            target=str(tmp_path / "content" / "course"), drive_root=str(tmp_path / "drive"))
    assert not colab.pip_commands()
    assert "fatal:" in capsys.readouterr().out, "git's own message is shown"


def test_keep_on_drive_mounts_drive_and_redirects_the_build_folder(origin, tmp_path, monkeypatch, capsys):
    from course_lib import config

    colab = Colab(monkeypatch, tmp_path)
    monkeypatch.delenv("COURSE_BUILD_DIR")
    run_setup(origin, tmp_path, keep_on_drive=True)
    drive_build = tmp_path / "drive" / "MyDrive" / "generative-dl-course" / "build"
    assert colab.mounted == [str(tmp_path / "drive")]
    assert config.build_root() == drive_build and drive_build.is_dir()
    assert "KEEP_ON_DRIVE is on" in capsys.readouterr().out
    run_setup(origin, tmp_path, keep_on_drive=False)
    assert config.build_root() == config.repo_root() / "build"
    assert "KEEP_ON_DRIVE is off" in capsys.readouterr().out


def test_fast_mode_flag_sets_and_unsets_course_fast(origin, tmp_path, monkeypatch):
    from course_lib import config

    Colab(monkeypatch, tmp_path)
    run_setup(origin, tmp_path, fast_mode=True)
    assert config.fast_mode()
    run_setup(origin, tmp_path, fast_mode=False)
    assert not config.fast_mode()
    monkeypatch.setenv("COURSE_FAST", "1")
    run_setup(origin, tmp_path, fast_mode=False)
    assert config.fast_mode(), "a COURSE_FAST set outside the notebook is kept"


def test_off_colab_the_cell_runs_nothing_but_reports_the_gpu(monkeypatch, capsys):
    """The generated cell itself, executed as a local kernel would."""
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    _, cell = tool("notebook_header").header_cells(ROOT / "notebooks" / "00_setup.ipynb")
    exec(compile(cell.source, "setup-cell", "exec"), {})
    out = capsys.readouterr().out
    assert "Course notebook notebooks/00_setup.ipynb" in out and "No GPU" in out
    assert "$ git" not in out and "KEEP_ON_DRIVE" not in out


def test_every_lesson_asks_colab_for_a_gpu_and_embeds_the_tested_setup():
    import inspect

    header = tool("notebook_header")
    repo, branch = header.repository()
    function = inspect.getsource(header.course_setup).rstrip()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata.get("accelerator") == "GPU" and nb.metadata["colab"]["gpuType"], path.name
        setup = nb.cells[1].source
        assert function in setup, f"{path.name}: run `make headers`"
        assert setup.rstrip().endswith(
            f"course_setup({repo!r}, {branch!r}, 'notebooks/{path.name}', KEEP_ON_DRIVE, FAST_MODE)")
        assert 'KEEP_ON_DRIVE = False  #@param {type:"boolean"}' in setup
