"""Run a notebook headless in its own folder, for `run_course.py` and `make_executed.py`."""

import os
import sys
import tempfile
from pathlib import Path

from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config import Config

CELL_TIMEOUT_S = 3600
# Figures go into the notebook whatever backend the calling process chose (the tests choose Agg,
# under which plt.show() draws nothing and the copy would have no figures).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def kernel_config(sockets: str) -> Config:
    """Kernel over IPC sockets in the folder `sockets` (absolute, as the kernel runs in the
    notebook's folder) instead of TCP: local only, and no "running over TCP without encryption"
    warning from the kernel in the output. TCP on Windows, which has no IPC transport."""
    if sys.platform == "win32":
        return Config()
    return Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")}})


def execute(nb, folder: Path):
    """Run every cell of `nb` in place, with `folder` as the working directory; returns None, or
    the last line of the error when a cell fails (the cells after it are not run)."""
    with tempfile.TemporaryDirectory(prefix="course-kernel-") as sockets:
        client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                config=kernel_config(sockets),
                                resources={"metadata": {"path": str(folder)}})
        try:
            client.execute(env={**os.environ, "MPLBACKEND": INLINE_BACKEND})
        except CellExecutionError as err:
            return str(err).strip().splitlines()[-1]
    return None
