"""The Colab setup cell's logic (`course_setup` in tools/notebook_header.py) on a simulated Colab:
a fake `google.colab` module with a fake Drive, real git against a local repository made here
(standing in for GitHub: git's `url.<base>.insteadOf`, in a git config of the test's own, rewrites
https://github.com/ to a local folder, so the cell takes the "owner/name" path Colab takes, and
only the file protocol is allowed, so nothing reaches the network), and pip run against this
environment's TensorFlow and Keras (standing in for Colab's preinstalled ones) with `--dry-run`,
or replaced by a stand-in, so nothing is installed."""

import json
import shutil
import subprocess
import sys
import types

import nbformat
import pytest

from course_lib.config import repo_root
from tools_loader import tool

ROOT = repo_root()
REPOSITORY, _ = tool("notebook_header").repository()
BRANCH = "course-branch"
RESTART = "Runtime > Restart session"


def git(*args, cwd):
    subprocess.run(["git", "-c", "user.name=course", "-c", "user.email=course@example.org",
                    "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True,
                   capture_output=True, text=True)


@pytest.fixture
def github(tmp_path, monkeypatch):
    """A folder that stands in for https://github.com/ in every git command of the test."""
    folder = tmp_path / "github"
    folder.mkdir()
    config = tmp_path / "gitconfig"
    config.write_text(f'[url "{folder.as_uri()}/"]\n\tinsteadOf = https://github.com/\n')
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_ALLOW_PROTOCOL", "file")
    return folder


@pytest.fixture
def origin(github):
    """The course's repository on the stand-in GitHub, with its pyproject.toml and `course_lib`,
    whose branch `course-branch` differs from `main`."""
    repo = github / f"{REPOSITORY}.git"
    repo.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        (repo / name).write_text((ROOT / name).read_text())
    shutil.copytree(ROOT / "course_lib", repo / "course_lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    git("init", cwd=repo)
    git("add", ".", cwd=repo)
    git("commit", "-m", "main", cwd=repo)
    git("checkout", "-b", BRANCH, cwd=repo)
    (repo / "branch.txt").write_text("from the configured branch\n")
    git("add", ".", cwd=repo)
    git("commit", "-m", "branch", cwd=repo)
    git("checkout", "main", cwd=repo)
    return repo


def push(origin, files):
    """A commit on `course-branch` of `origin` that writes `files` (path: text)."""
    git("checkout", BRANCH, cwd=origin)
    for name, text in files.items():
        (origin / name).write_text(text)
    git("add", ".", cwd=origin)
    git("commit", "-m", "update", cwd=origin)
    git("checkout", "main", cwd=origin)


class Colab:
    """A fake Colab: `google.colab` with `drive.mount`, and a recorder of the commands run,
    which dry-runs pip (`dry_run_pip`), replaces it by a no-op, or by a failing one
    (`pip_fails`)."""

    def __init__(self, monkeypatch, tmp_path, dry_run_pip=False, pip_fails=False):
        import course_lib

        self.commands, self.mounted, self.report = [], [], tmp_path / "pip-report.json"
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
                command = (command + ["--dry-run", "--report", str(self.report)] if dry_run_pip
                           else [sys.executable, "-c", "print('ERROR: ResolutionImpossible'); "
                                 "raise SystemExit(1)"] if pip_fails
                           else [sys.executable, "-c", "print('pip stand-in')"])
            return real_popen(command, *args, **kwargs)

        monkeypatch.setattr(subprocess, "Popen", popen)
        monkeypatch.setattr(sys, "path", list(sys.path))
        monkeypatch.delenv("COURSE_FAST", raising=False)
        monkeypatch.delenv("COURSE_FAST_FROM_SETUP", raising=False)
        # The setup records on `course_lib` which code it imported: this process's course_lib
        # starts each test without that record and keeps none afterwards.
        monkeypatch.setattr(course_lib, "_course_setup_code", None, raising=False)
        monkeypatch.delattr(course_lib, "_course_setup_code")

    def pip_commands(self):
        return [c for c in self.commands if c[1:3] == ["-m", "pip"]]


def run_setup(tmp_path, repository=REPOSITORY, branch=BRANCH, **flags):
    return tool("notebook_header").course_setup(
        repository, branch, "notebooks/00_setup.ipynb", target=str(tmp_path / "content" / "course"),
        drive_root=str(tmp_path / "drive"), **flags)


def test_first_run_clones_the_branch_and_installs_without_touching_tensorflow(
        origin, tmp_path, monkeypatch, capsys):
    from importlib import metadata

    colab = Colab(monkeypatch, tmp_path, dry_run_pip=True)
    run_setup(tmp_path)
    clone = tmp_path / "content" / "course"
    [clone_command] = [c for c in colab.commands if c[:2] == ["git", "clone"]]
    assert clone_command[-2:] == [f"https://github.com/{REPOSITORY}.git", str(clone)], (
        "an owner/name repository is cloned from GitHub")
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
    run_setup(tmp_path)
    push(origin, {"fix.txt": "a fix pushed after the first run\n"})
    run_setup(tmp_path)
    clone = str(tmp_path / "content" / "course")
    assert (tmp_path / "content" / "course" / "fix.txt").exists()
    assert [c[1:] for c in colab.commands if c[0] == "git"][-3:] == [
        ["-C", clone, "remote", "set-url", "origin", f"https://github.com/{REPOSITORY}.git"],
        ["-C", clone, "fetch", "--depth", "1", "origin", BRANCH],
        ["-C", clone, "reset", "--hard", "FETCH_HEAD"]]
    assert len(colab.pip_commands()) == 2
    assert "already exists" not in capsys.readouterr().out


def learner_advice(message, *advice):
    """`message` gives each piece of `advice`, and the hint for maintainers comes last."""
    for piece in advice:
        assert piece in message, f"{piece!r} missing from: {message}"
    maintainers = message.index("(Maintainers:")
    assert maintainers > max(message.index(piece) for piece in advice)
    assert message.rstrip().endswith(")") and len(message) - maintainers < 160, "short, at the end"


@pytest.mark.parametrize("wrong", ["repository", "branch"])
def test_a_wrong_repository_or_branch_tells_the_learner_what_to_do(
        origin, tmp_path, monkeypatch, capsys, wrong):
    colab = Colab(monkeypatch, tmp_path)
    repository = "learner/no-such-course" if wrong == "repository" else REPOSITORY
    with pytest.raises(RuntimeError) as error:
        run_setup(tmp_path, repository, BRANCH if wrong == "repository" else "no-such-branch")
    learner_advice(str(error.value), "Could not download the course", "internet",
                   "Colab badge in the course's README",
                   f"https://github.com/{repository}/issues")
    assert "[tool.course]" in str(error.value)
    assert not colab.pip_commands()
    assert "fatal:" in capsys.readouterr().out, "git's own message is shown"


def test_a_failed_install_tells_the_learner_what_to_do(origin, tmp_path, monkeypatch, capsys):
    Colab(monkeypatch, tmp_path, pip_fails=True)
    with pytest.raises(RuntimeError) as error:
        run_setup(tmp_path)
    learner_advice(str(error.value), "Could not install the course",
                   "Runtime > Disconnect and delete runtime",
                   f"https://github.com/{REPOSITORY}/issues")
    assert "ResolutionImpossible" in capsys.readouterr().out, "pip's own message is shown"


# Runs in a fresh Python whose sys.path offers no course_lib (neither the repository nor the
# editable install of this environment): on a fake Colab with a stand-in for pip, it runs the
# setup function (the source that the notebooks embed) for each "run" step of the settings, and
# says where course_lib was imported from, or pushes a commit to the stand-in GitHub ("push").
DRIVER = r"""
import json, os, subprocess, sys, types
from importlib.util import find_spec

settings = json.load(open(sys.argv[1]))
sys.path[:] = [entry for entry in sys.path if "__editable__" not in entry
               and os.path.realpath(entry or os.getcwd()) != settings["root"]]
sys.meta_path[:] = [finder for finder in sys.meta_path
                    if not getattr(finder, "__module__", "").startswith("__editable__")]
sys.path_importer_cache.clear()
assert find_spec("course_lib") is None, "course_lib is importable before the setup"

colab = types.ModuleType("google.colab")
colab.drive = types.ModuleType("google.colab.drive")
sys.modules.update({"google.colab": colab, "google.colab.drive": colab.drive})
real_popen = subprocess.Popen


def popen(command, *args, **kwargs):
    if list(command[1:4]) == ["-m", "pip", "install"]:
        command = [sys.executable, "-c", "print('pip stand-in')"]
    return real_popen(command, *args, **kwargs)


subprocess.Popen = popen
namespace = {}
exec(settings["function"], namespace)


def git(*args):
    subprocess.run(["git", "-c", "user.name=course", "-c", "user.email=course@example.org", *args],
                   cwd=settings["origin"], check=True, capture_output=True)


for step in settings["steps"]:
    if "push" in step:  # a commit on the branch, as the course's authors would push one
        git("checkout", settings["branch"])
        for name, text in step["push"].items():
            with open(os.path.join(settings["origin"], name), "a") as file:
                file.write(text)
        git("commit", "-am", "update")
        git("checkout", "main")
        continue
    print(f"=== {step['run']}", flush=True)
    namespace["course_setup"](settings["repository"], settings["branch"],
                              "notebooks/00_setup.ipynb", target=settings["target"],
                              drive_root=settings["drive_root"])
    print("course_lib from", sys.modules["course_lib"].__file__, flush=True)
    print("course_lib.config from", sys.modules["course_lib.config"].__file__, flush=True)
"""


def test_reruns_import_the_clone_and_ask_for_a_restart_only_when_its_code_changed(
        origin, tmp_path, cpu_only_env):
    import inspect

    clone = tmp_path / "content" / "course"
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({
        "root": str(ROOT.resolve()), "repository": REPOSITORY, "branch": BRANCH,
        "function": inspect.getsource(tool("notebook_header").course_setup),
        "target": str(clone), "drive_root": str(tmp_path / "drive"),
        "origin": str(origin),
        "steps": [{"run": "first"}, {"run": "unchanged"},
                  {"push": {"README.md": "\nA new paragraph.\n"}}, {"run": "docs only"},
                  {"push": {"course_lib/config.py": "\n# A fix.\n"}}, {"run": "code"},
                  {"run": "code, not restarted"}]}))
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    result = subprocess.run([sys.executable, "-I", str(driver), str(settings)], cwd=tmp_path,
                            env=cpu_only_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    runs = dict(part.split("\n", 1) for part in result.stdout.split("=== ")[1:])
    assert list(runs) == ["first", "unchanged", "docs only", "code", "code, not restarted"]
    assert f"$ git clone --depth 1 --branch {BRANCH} https://github.com/{REPOSITORY}.git" in (
        runs["first"])
    for out in runs.values():
        assert f"course_lib from {clone / 'course_lib' / '__init__.py'}" in out, out
        assert f"course_lib.config from {clone / 'course_lib' / 'config.py'}" in out, out
    for name in ("first", "unchanged", "docs only"):
        assert RESTART not in runs[name], f"{name}: {runs[name]}"
    for name in ("code", "code, not restarted"):
        assert RESTART in runs[name], f"{name}: {runs[name]}"
    assert (clone / "course_lib" / "config.py").read_text().endswith("# A fix.\n")


def test_keep_on_drive_mounts_drive_and_redirects_the_build_folder(origin, tmp_path, monkeypatch, capsys):
    from course_lib import config

    colab = Colab(monkeypatch, tmp_path)
    monkeypatch.delenv("COURSE_BUILD_DIR")
    run_setup(tmp_path, keep_on_drive=True)
    drive_build = tmp_path / "drive" / "MyDrive" / "generative-dl-course" / "build"
    assert colab.mounted == [str(tmp_path / "drive")]
    assert config.build_root() == drive_build and drive_build.is_dir()
    assert "KEEP_ON_DRIVE is on" in capsys.readouterr().out
    run_setup(tmp_path, keep_on_drive=False)
    assert config.build_root() == config.repo_root() / "build"
    assert "KEEP_ON_DRIVE is off" in capsys.readouterr().out


def test_fast_mode_flag_sets_and_unsets_course_fast(origin, tmp_path, monkeypatch):
    from course_lib import config

    Colab(monkeypatch, tmp_path)
    run_setup(tmp_path, fast_mode=True)
    assert config.fast_mode()
    run_setup(tmp_path, fast_mode=False)
    assert not config.fast_mode()
    monkeypatch.setenv("COURSE_FAST", "1")
    run_setup(tmp_path, fast_mode=False)
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
