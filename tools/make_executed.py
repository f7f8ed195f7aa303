"""Run the lessons in default mode and write them, with their outputs, to `executed/`, the
folder GitHub renders with every figure. The cell sources stay those of the lessons (a test
checks it); outputs are cleaned for reading: figures recompressed as PNG, terminal colour codes
and progress-bar redraws removed, widget state dropped. The copy's metadata records the run's
mode and time, and every cell that ran longer than 30 s with its time (for the times the
lessons state above their slow cells).

Usage: python tools/make_executed.py [--out executed] [NOTEBOOK ...]   (default: every lesson)
Uses COURSE_BUILD_DIR like the lessons do, so trained models are reloaded. Refuses fast mode.
Exit status 1 if a notebook fails (its executed copy is then left as it was).
"""

import argparse
import base64
import io
import re
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from PIL import Image

from course_lib import config
import notebook_runner

ROOT = config.repo_root()
MARK = "course_executed"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
LONG_CELL_S = 30  # cells that take longer are listed in the copy's metadata with their time


def clean_text(text: str) -> str:
    """What a terminal would finally show: colour codes dropped, backspaces and carriage
    returns applied, so a progress bar keeps only its last state."""
    text = ANSI.sub("", text)
    while True:
        shorter = re.sub(r"[^\n\x08]\x08", "", text)
        if shorter == text:
            break
        text = shorter
    text = text.replace("\x08", "")
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n"))


def compress_png(data: bytes) -> bytes:
    """The smaller of `data` and the same figure as an optimized 256-colour PNG on white (exact
    for figures of at most 256 colours; smooth gradients may band slightly)."""
    image = Image.open(io.BytesIO(data))
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    out = io.BytesIO()
    image.convert("RGB").quantize(256, dither=Image.Dither.NONE).save(out, "PNG", optimize=True)
    return min(data, out.getvalue(), key=len)


def clean_outputs(nb):
    """Tidy an executed notebook in place for committing (see the module docstring)."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.outputs:
            if output.output_type == "stream":
                if outputs and outputs[-1].output_type == "stream" and outputs[-1].name == output.name:
                    outputs[-1].text += output.text
                    continue
            elif output.output_type == "error":
                output.traceback = [ANSI.sub("", line) for line in output.traceback]
            else:
                data = output.get("data", {})
                data.pop(WIDGET_MIME, None)
                if "image/png" in data:
                    png = compress_png(base64.b64decode(data["image/png"]))
                    data["image/png"] = base64.b64encode(png).decode("ascii")
            outputs.append(output)
        for output in outputs:
            if output.output_type == "stream":
                output.text = clean_text(output.text)
        cell.outputs = outputs
    return nb


def cell_seconds(cell) -> float:
    """How long a code cell ran, from the timestamps nbclient records (NaN without them)."""
    timing = cell.metadata.get("execution", {})
    try:
        return (datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
                - datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
                ).total_seconds()
    except (KeyError, ValueError):
        return float("nan")


def long_cells(nb) -> dict:
    """Cell index (as a string, for JSON) → seconds, for the code cells over `LONG_CELL_S`."""
    return {str(index): round(seconds) for index, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and (seconds := cell_seconds(cell)) > LONG_CELL_S}


def execute(path: Path, out: Path) -> tuple:
    """Run one lesson in its folder; write the cleaned executed copy to `out` if it succeeds.
    Returns (seconds, error or None)."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    error = notebook_runner.execute(nb, path.parent)
    if error:
        return time.perf_counter() - start, error
    seconds = time.perf_counter() - start
    slow = long_cells(nb)
    nb = clean_outputs(nb)
    nb.metadata[MARK] = {"mode": config.mode(), "seconds": round(seconds), "long_cells": slow}
    nbformat.write(nb, out / path.name)
    return seconds, None


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "executed")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="lessons to run (default: notebooks/[0-9][0-9]_*.ipynb)")
    args = parser.parse_args(argv)
    if config.fast_mode():
        parser.error("executed notebooks show default-mode runs: unset COURSE_FAST")
    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    notebooks = ([p.resolve() for p in args.notebooks]
                 or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"Running {len(notebooks)} notebooks in default mode (build folder "
          f"{config.build_root()}); executed copies go to {args.out}", flush=True)
    failed = 0
    for path in notebooks:
        print(f"  {path.name} ...", end=" ", flush=True)
        seconds, error = execute(path, args.out)
        failed += error is not None
        size = "" if error else f", {(args.out / path.name).stat().st_size / 1e6:.2f} MB"
        print(f"{seconds:.0f} s{size}" + ("" if error is None else f"  FAILED: {error}"), flush=True)
    total = sum(p.stat().st_size for p in args.out.glob("*.ipynb"))
    print(f"{args.out} holds {len(list(args.out.glob('*.ipynb')))} executed notebooks, "
          f"{total / 1e6:.2f} MB in all.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
