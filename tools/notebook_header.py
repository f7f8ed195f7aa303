"""Give every lesson notebook the same first two cells, an "Open in Colab" badge and the Colab
setup cell, and metadata that asks Colab for a GPU runtime. The repository and branch come from
`[tool.course]` in pyproject.toml, so changing them there and running `make headers` updates
every notebook (and `make student` the student copies).

Usage: python tools/notebook_header.py [--check]   (--check: exit 1 if a notebook is stale)
"""

import copy
import inspect
import sys

if sys.version_info < (3, 11):
    sys.exit("The course's tools need Python 3.11 or newer (they read pyproject.toml with tomllib).")

import tomllib
from pathlib import Path

import nbformat

from course_lib import config

ROOT = config.repo_root()
BADGE_TAG = "course-badge"
SETUP_TAG = "course-setup"
GPU_METADATA = {"accelerator": "GPU", "colab": {"gpuType": "T4"}}


def course_setup(repository, branch, notebook, keep_on_drive=False, fast_mode=False,
                 target="/content/course", drive_root="/content/drive"):
    """On Colab, clone `branch` of `repository` (GitHub "owner/name", or any git URL) into
    `target`, or update the clone, and install it with pip without changing Colab's TensorFlow,
    Keras or NumPy; with `keep_on_drive`, mount Google Drive and point COURSE_BUILD_DIR there.
    Everywhere, `fast_mode` sets COURSE_FAST=1, and the last line says which GPU is used."""
    import hashlib
    import os
    import subprocess
    import sys
    import tempfile
    from importlib import metadata

    def run(*command):
        print("$", " ".join(command), flush=True)
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) as process:
            for line in process.stdout:
                print(line, end="", flush=True)
        return process.returncode == 0

    def code_version():
        """A hash of the files of `course_lib` in the clone (None before the first clone)."""
        package = os.path.join(target, "course_lib")
        if not os.path.isdir(package):
            return None
        digest = hashlib.sha256()
        for folder, folders, files in os.walk(package):
            folders[:] = sorted(name for name in folders if name != "__pycache__")
            for name in sorted(files):
                path = os.path.join(folder, name)
                with open(path, "rb") as file:
                    content = hashlib.sha256(file.read()).hexdigest()
                digest.update(f"{os.path.relpath(path, package)} {content}\n".encode())
        return digest.hexdigest()

    if fast_mode:
        os.environ["COURSE_FAST"] = "1"
        os.environ["COURSE_FAST_FROM_SETUP"] = "1"
    elif os.environ.pop("COURSE_FAST_FROM_SETUP", None):
        os.environ.pop("COURSE_FAST", None)
    on_colab = "google.colab" in sys.modules
    print(f"Course notebook {notebook}; fast mode (COURSE_FAST) "
          f"{'on' if os.environ.get('COURSE_FAST') else 'off'}.")
    if on_colab:
        on_github = "://" not in repository and not repository.startswith("/")
        url = f"https://github.com/{repository}.git" if on_github else repository
        issues = f"https://github.com/{repository}/issues" if on_github else "the course's page"
        code_before = code_version()
        if os.path.isdir(os.path.join(target, ".git")):
            fetched = (run("git", "-C", target, "remote", "set-url", "origin", url)
                       and run("git", "-C", target, "fetch", "--depth", "1", "origin", branch)
                       and run("git", "-C", target, "reset", "--hard", "FETCH_HEAD"))
        elif os.path.exists(target) and os.listdir(target):
            raise RuntimeError(
                f"The folder {target}, where this cell keeps the course, holds files that are not "
                f"a copy of the course. Delete it (run `!rm -rf {target}` in a new cell) or start "
                "from a fresh runtime (Runtime > Disconnect and delete runtime), then run this "
                "cell again.")
        else:
            fetched = run("git", "clone", "--depth", "1", "--branch", branch, url, target)
        if not fetched:
            raise RuntimeError(
                f"Could not download the course (branch {branch!r} of {url}); git's message is "
                "above. If git could not resolve or connect to the host, this runtime has no "
                "internet access: check your connection and run this cell again. If git says the "
                "repository or the branch was not found, this copy of the notebook points at a "
                "place where the course is not (an old or altered copy): open the lesson again "
                "from its Colab badge in the course's README on GitHub, and copy over any answers "
                "you wrote here. If that does not help, please report the problem, with git's "
                f"message, at {issues}. (Maintainers: `[tool.course]` in pyproject.toml sets the "
                "repository and branch; `make headers` writes them into the notebooks.)")
        pins = []
        for name in ("tensorflow", "tensorflow-cpu", "keras", "numpy"):
            try:
                pins.append(f"{name}=={metadata.version(name)}")
            except metadata.PackageNotFoundError:
                pass
        constraints = os.path.join(tempfile.gettempdir(), "course-constraints.txt")
        with open(constraints, "w") as file:
            file.write("\n".join(pins) + "\n")
        if not run(sys.executable, "-m", "pip", "install", "--progress-bar", "off",
                   "-c", constraints, "-e", target):
            raise RuntimeError(
                "Could not install the course's Python package in this runtime; pip's message "
                "above says why. Most often packages installed or upgraded earlier in this "
                "session get in the way, or a download from PyPI failed: start "
                "from a fresh runtime (Runtime > Disconnect and delete runtime) and run the "
                "notebook again from this cell. If it fails on a fresh runtime too, Colab's "
                "preinstalled packages have probably changed since the course was tested: please "
                f"report the problem, with pip's message, at {issues}. (Maintainers: the install "
                f"keeps {', '.join(pins) or 'the preinstalled packages'}; the requirements in "
                "pyproject.toml must allow them.)")
        if target not in sys.path:
            sys.path.insert(0, target)
        # A session that already imported course_lib keeps running the code it imported: ask for
        # a restart only when that code is not what the clone now holds (recorded on the module
        # by the run that imported it; for a module imported otherwise, the code before this run).
        code_now = code_version()
        imported = sys.modules.get("course_lib")
        if imported is not None and (
                vars(imported).setdefault("_course_setup_code", code_before) != code_now):
            print("The course's code has changed since course_lib was imported in this session: "
                  "use Runtime > Restart session, then run the notebook again from this cell, so "
                  "that the lesson uses the new code.")
        build = os.path.join(drive_root, "MyDrive", "generative-dl-course", "build")
        if keep_on_drive:
            from google.colab import drive

            drive.mount(drive_root)
            os.makedirs(build, exist_ok=True)
            os.environ["COURSE_BUILD_DIR"] = build
            print(f"KEEP_ON_DRIVE is on: checkpoints and trained models go to {build} on your "
                  "Google Drive and survive a recycled runtime.")
        else:
            if os.environ.get("COURSE_BUILD_DIR") == build:
                del os.environ["COURSE_BUILD_DIR"]
            print(f"KEEP_ON_DRIVE is off: checkpoints and trained models go to "
                  f"{os.environ.get('COURSE_BUILD_DIR') or os.path.join(target, 'build')} on the "
                  "runtime's disk, which Colab deletes when it recycles the runtime. Tick "
                  "KEEP_ON_DRIVE at the top of this cell to keep them on Google Drive.")
    elif keep_on_drive:
        print("KEEP_ON_DRIVE only applies on Colab; here the build folder is COURSE_BUILD_DIR "
              "or build/ in the repository.")
    from course_lib import config

    if on_colab:
        vars(sys.modules["course_lib"]).setdefault("_course_setup_code", code_now)
    print(config.gpu_report())


SETUP_TEMPLATE = '''#@title Course setup: run this cell first
# On Colab it clones (or updates) the course and installs `course_lib`, keeping Colab's own
# TensorFlow and Keras. KEEP_ON_DRIVE (Colab only): keep checkpoints and trained models on your
# Google Drive, so they survive a recycled runtime. FAST_MODE: small data and few epochs
# (COURSE_FAST=1), to check that everything runs; the lesson's results need it off.
KEEP_ON_DRIVE = False  #@param {{type:"boolean"}}
FAST_MODE = False  #@param {{type:"boolean"}}


{function}

course_setup({repo!r}, {branch!r}, {notebook!r}, KEEP_ON_DRIVE, FAST_MODE)'''


def repository() -> tuple:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["course"]
    return settings["repository"], settings.get("branch", "main")


def header_cells(path: Path, folder: str = "notebooks") -> list:
    """The badge and setup cells of notebook `path` as published in `folder` of the repository."""
    repo, branch = repository()
    notebook = f"{folder}/{path.name}"
    url = f"https://colab.research.google.com/github/{repo}/blob/{branch}/{notebook}"
    badge = nbformat.v4.new_markdown_cell(
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})")
    badge.metadata["tags"] = [BADGE_TAG]
    badge.id = BADGE_TAG
    setup = nbformat.v4.new_code_cell(SETUP_TEMPLATE.format(
        function=inspect.getsource(course_setup).rstrip(), repo=repo, branch=branch,
        notebook=notebook))
    setup.metadata["tags"] = [SETUP_TAG]
    setup.metadata["cellView"] = "form"
    setup.id = SETUP_TAG
    return [badge, setup]


def with_header(nb, path: Path, folder: str = "notebooks"):
    """`nb` with fresh header cells (any old ones dropped) and the GPU runtime request."""
    body = [c for c in nb.cells
            if not set(c.metadata.get("tags", [])) & {BADGE_TAG, SETUP_TAG}]
    nb.cells = header_cells(path, folder) + body
    nb.metadata["accelerator"] = GPU_METADATA["accelerator"]
    nb.metadata.setdefault("colab", {}).update(GPU_METADATA["colab"])
    return nb


def header_state(nb) -> tuple:
    return copy.deepcopy(([(c.source, c.metadata) for c in nb.cells[:2]],
                          nb.metadata.get("accelerator"), nb.metadata.get("colab")))


def main(check: bool) -> int:
    stale = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        before = header_state(nb)
        nb = with_header(nb, path)
        if header_state(nb) != before:
            stale.append(path.name)
            if not check:
                nbformat.write(nb, path)
    if check and stale:
        print("notebooks with a stale header (run `make headers`):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
