"""Execute every lesson notebook in order, headless, and write each executed notebook as HTML.

Usage: python tools/run_course.py [NOTEBOOK ...]   (default: notebooks/[0-9][0-9]_*.ipynb)
Ends with a table of each lesson's recorded headline figures, its wall time and where the HTML is.
`COURSE_FAST=1` runs the short version. Exit status 1 if any notebook fails.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter
from traitlets.config import Config

from course_lib import config, report

ROOT = config.repo_root()
CELL_TIMEOUT_S = 3600


def kernel_config(sockets: str) -> Config:
    """Kernel over IPC sockets in the folder `sockets` (absolute, as the kernel runs in the
    notebook's folder) instead of TCP: local only, and no "running over TCP without encryption"
    warning from the kernel in the output. TCP on Windows, which has no IPC transport."""
    if sys.platform == "win32":
        return Config()
    return Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")}})


def run(path: Path) -> tuple:
    """Execute one notebook in its folder; write HTML even when a cell fails."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    error = None
    with tempfile.TemporaryDirectory(prefix="course-kernel-") as sockets:
        client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                config=kernel_config(sockets),
                                resources={"metadata": {"path": str(path.parent)}})
        try:
            client.execute()
        except CellExecutionError as err:
            error = str(err).strip().splitlines()[-1]
    seconds = time.perf_counter() - start
    html_dir = config.build_dir("html")
    html, _ = HTMLExporter().from_notebook_node(nb)
    target = html_dir / f"{path.stem}.html"
    target.write_text(html, encoding="utf-8")
    return seconds, target, error


FAST_CAPTION = ("Fast mode is a smoke run: it trains on small subsets for seconds, to show that "
                "every lesson runs, not what it reaches. The default-mode figures are in the "
                "README's Results.")


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
