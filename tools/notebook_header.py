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

    if fast_mode:
        os.environ["COURSE_FAST"] = "1"
        os.environ["COURSE_FAST_FROM_SETUP"] = "1"
    elif os.environ.pop("COURSE_FAST_FROM_SETUP", None):
        os.environ.pop("COURSE_FAST", None)
    on_colab = "google.colab" in sys.modules
    print(f"Course notebook {notebook}; fast mode (COURSE_FAST) "
          f"{'on' if os.environ.get('COURSE_FAST') else 'off'}.")
    if on_colab:
        url = (repository if "://" in repository or repository.startswith("/")
               else f"https://github.com/{repository}.git")
        setting = (f"Check `[tool.course] repository` (now {repository!r}) and `branch` (now "
                   f"{branch!r}) in pyproject.toml of the course, then run `make headers` so the "
                   "notebooks point at a repository and branch that exist.")
        if os.path.isdir(os.path.join(target, ".git")):
            fetched = (run("git", "-C", target, "remote", "set-url", "origin", url)
                       and run("git", "-C", target, "fetch", "--depth", "1", "origin", branch)
                       and run("git", "-C", target, "reset", "--hard", "FETCH_HEAD"))
        elif os.path.exists(target) and os.listdir(target):
            raise RuntimeError(f"{target} exists but is not a git clone of the course: delete it "
                               "(or restart the runtime) and run this cell again.")
        else:
            fetched = run("git", "clone", "--depth", "1", "--branch", branch, url, target)
        if not fetched:
            raise RuntimeError(f"Could not fetch branch {branch!r} of {url} (git's output is "
                               f"above). {setting}")
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
            raise RuntimeError(f"pip could not install the course from {target} while keeping "
                               f"{', '.join(pins) or 'the preinstalled packages'} (pip's output "
                               f"above says why). {setting}")
        if target not in sys.path:
            sys.path.insert(0, target)
        if "course_lib" in sys.modules:
            print("course_lib was already imported in this session: use Runtime > Restart "
                  "session, then run the notebook again, to load the updated code.")
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
