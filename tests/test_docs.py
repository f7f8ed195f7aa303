"""The README and the documents in docs/: the lesson table's Colab badges open the answer-free
notebooks, every relative link (and its #anchor) resolves, and lesson 00's overview table names
every lesson."""

import re

import nbformat
import pytest

from course_lib.config import repo_root

ROOT = repo_root()
LESSONS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
DOCUMENTS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
COLAB = re.compile(r"\(https://colab\.research\.google\.com/github/[^)]+\)")


def badge_url(notebook) -> str:
    """The link of the notebook's own "Open in Colab" badge cell."""
    badge = next(c for c in nbformat.read(notebook, as_version=4).cells
                 if "course-badge" in c.metadata.get("tags", []))
    return LINK.findall(badge.source)[-1]


def test_the_readme_badges_open_the_student_notebooks():
    readme = (ROOT / "README.md").read_text()
    for lesson in LESSONS:
        url = badge_url(ROOT / "student" / f"{lesson}.ipynb")
        assert url.endswith(f"/student/{lesson}.ipynb")
        assert f"]({url})" in readme, f"README: no Colab badge opening student/{lesson}.ipynb"
    solutions = [link for link in COLAB.findall(readme) if "/notebooks/" in link]
    assert not solutions, f"README: Colab links that open the solutions: {solutions}"


def slug(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    text = re.sub(r"[`*_\[\]()]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path) -> set:
    return {slug(line.lstrip("#")) for line in path.read_text().splitlines()
            if re.match(r"#{1,6} ", line)}


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(document):
    text = re.sub(r"```.*?```", "", document.read_text(), flags=re.S)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (document.parent / path).resolve() if path else document
        if not resolved.exists():
            broken.append(target)
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(target)
    assert not broken, f"{document.relative_to(ROOT)}: links to nothing: {broken}"


def test_lesson_00_overview_lists_every_lesson():
    nb = nbformat.read(ROOT / "notebooks" / "00_setup.ipynb", as_version=4)
    overview = next(c.source for c in nb.cells
                    if c.cell_type == "markdown" and "| lesson | notebook |" in c.source)
    rows = re.findall(r"^\| (\d\d) \| `(\w+)` \|", overview, flags=re.M)
    assert [name for _, name in rows] == LESSONS
    assert all(name.startswith(number) for number, name in rows)
