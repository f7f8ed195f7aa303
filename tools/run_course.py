"""Execute every lesson notebook in order, headless, and write each executed notebook as HTML.

Usage: python tools/run_course.py [NOTEBOOK ...]   (default: notebooks/[0-9][0-9]_*.ipynb)
Ends with a table of each lesson's recorded headline figures, its wall time and where the HTML is.
`COURSE_FAST=1` runs the short version. Exit status 1 if any notebook fails.
"""

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from course_lib import config, report
from notebook_runner import execute

ROOT = config.repo_root()


def run(path: Path) -> tuple:
    """Execute one notebook in its folder; write HTML even when a cell fails."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    error = execute(nb, path.parent)
    seconds = time.perf_counter() - start
    html_dir = config.build_dir("html")
    html, _ = HTMLExporter().from_notebook_node(nb)
    target = html_dir / f"{path.stem}.html"
    target.write_text(html, encoding="utf-8")
    return seconds, target, error


FAST_CAPTION = ("Fast mode is a smoke run: it trains on small subsets for seconds, to show that "
                "every lesson runs, not what it reaches. The default-mode figures are in "
                "docs/results.md.")


def summary(rows: list, mode: str) -> str:
    """The results table: per notebook its wall time, status and the figures it recorded in
    `mode` (a file left by a run in the other mode is not shown)."""
    figures = {payload["lesson"]: payload["figures"] for payload in report.load_all(mode)}
    lines = ["| notebook | wall time | status | headline figures |", "|---|---|---|---|"]
    for path, seconds, _, error in rows:
        lesson = "lesson" + path.name[:2]
        shown = ", ".join(f"{k} = {v:.4g}" for k, v in figures.get(lesson, {}).items())
        status = "ok" if error is None else f"FAILED: {error[:80]}"
        lines.append(f"| {path.stem} | {seconds:.0f} s | {status} | {shown} |")
    if mode == "fast":
        lines += ["", FAST_CAPTION]
    return "\n".join(lines)


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: notebooks/[0-9][0-9]_*.ipynb)")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    notebooks = ([p.resolve() for p in args.notebooks]
                 or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    mode = config.mode()
    print(f"Running {len(notebooks)} notebooks in {mode} mode; HTML goes to "
          f"{config.build_dir('html')}", flush=True)
    rows = []
    total = time.perf_counter()
    for path in notebooks:
        print(f"  {path.name} ...", end=" ", flush=True)
        seconds, html, error = run(path)
        print(f"{seconds:.0f} s" + ("" if error is None else f"  FAILED: {error}"), flush=True)
        rows.append((path, seconds, html, error))
    table = summary(rows, mode)
    print()
    print(table)
    print(f"\nTotal {time.perf_counter() - total:.0f} s. Executed notebooks as HTML: "
          f"{config.build_dir('html')}")
    (config.build_root() / "course-summary.md").write_text(table + "\n")
    return 0 if all(error is None for *_, error in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
