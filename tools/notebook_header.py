"""Give every lesson notebook the same first two cells: an "Open in Colab" badge and the
Colab setup cell. The repository path comes from `[tool.course] repository` in pyproject.toml,
so changing it there and running `make headers` updates every notebook.

Usage: python tools/notebook_header.py [--check]   (--check: exit 1 if a notebook is stale)
"""

import sys
import tomllib
from pathlib import Path

import nbformat

from course_lib import config

ROOT = config.repo_root()
BADGE_TAG = "course-badge"
SETUP_TAG = "course-setup"

SETUP_SOURCE = '''# Setup. On Colab this clones the course and installs `course_lib` without touching the
# preinstalled TensorFlow; everywhere else it does nothing.
import subprocess
import sys

if "google.colab" in sys.modules:
    subprocess.run(["git", "clone", "-q", "--depth", "1",
                    "https://github.com/{repo}.git", "/content/course"], check=False)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "/content/course"],
                   check=True)
    sys.path.insert(0, "/content/course")'''


def repository() -> tuple:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["course"]
    return settings["repository"], settings.get("branch", "main")


def header_cells(path: Path) -> list:
    repo, branch = repository()
    url = f"https://colab.research.google.com/github/{repo}/blob/{branch}/notebooks/{path.name}"
    badge = nbformat.v4.new_markdown_cell(
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})")
    badge.metadata["tags"] = [BADGE_TAG]
    badge.id = BADGE_TAG
    setup = nbformat.v4.new_code_cell(SETUP_SOURCE.format(repo=repo))
    setup.metadata["tags"] = [SETUP_TAG]
    setup.id = SETUP_TAG
    return [badge, setup]


def with_header(nb, path: Path):
    body = [c for c in nb.cells
            if not set(c.metadata.get("tags", [])) & {BADGE_TAG, SETUP_TAG}]
    nb.cells = header_cells(path) + body
    return nb


def main(check: bool) -> int:
    stale = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        before = [c.source for c in nb.cells[:2]]
        nb = with_header(nb, path)
        if [c.source for c in nb.cells[:2]] != before:
            stale.append(path.name)
            if not check:
                nbformat.write(nb, path)
    if check and stale:
        print("notebooks with a stale header (run `make headers`):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
