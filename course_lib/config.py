"""Run-wide settings: fast mode, seeding, paths and a description of the runtime."""

import functools
import os
import platform
import random
import sys
import tomllib
from pathlib import Path

import numpy as np

FAST_ENV = "COURSE_FAST"


def fast_mode() -> bool:
    """True when `COURSE_FAST` is set to 1/true/yes: smaller data and fewer epochs, for CI."""
    return os.environ.get(FAST_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def mode() -> str:
    """"fast" or "default": the name of the current mode, as result files record it."""
    return "fast" if fast_mode() else "default"


def by_mode(default, fast):
    """Return `fast` in fast mode and `default` otherwise (read at call time)."""
    return fast if fast_mode() else default


def seed_everything(seed: int = 0) -> int:
    """Seed Python, NumPy, TensorFlow and Keras in one call; returns the seed."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    import keras

    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(int(seed))  # also seeds TensorFlow's global generator
    # Keras 3.15 also forgets its global SeedGenerator here, Keras 3.10 does not: drop it, so an
    # unseeded keras.random draw after this call repeats on every version.
    from keras.src.backend.common import global_state

    global_state.set_global_attribute("global_seed_generator", None)
    return int(seed)


def on_colab() -> bool:
    """True inside a Google Colab runtime."""
    return "google.colab" in sys.modules


def repo_root() -> Path:
    """The folder that holds `course_lib/`, `data/` and `notebooks/`: the clone of the course
    that `course_lib` was installed from, editable (`pip install -e .`). Raises `RuntimeError`
    with what to do when `course_lib` is not inside its clone (a plain `pip install .` copies
    only the package into site-packages, without the data, the shipped weights and the
    benchmark results, and `build/` would land in site-packages)."""
    return checkout_root(Path(__file__).resolve().parent)


def checkout_root(package_dir) -> Path:
    """The parent of `package_dir` when it is a clone of the course (its `pyproject.toml`
    names the project `course_lib`), else `RuntimeError` saying to install editable."""
    root = Path(package_dir).parent
    if not _is_checkout(root):
        raise RuntimeError(
            f"course_lib is installed at {package_dir}, outside a clone of the course, so it "
            f"cannot find data/, the shipped weights in data/weights/ or benchmarks/results/, "
            f"and would write build/ into {root}. A plain `pip install .` copies only the Python "
            f"package: uninstall it (`pip uninstall course_lib`), clone the course and install "
            f"it editable from the clone (`pip install -e .`, or `make`).")
    return root


@functools.lru_cache(maxsize=None)
def _is_checkout(root: Path) -> bool:
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return project.get("name") == "course_lib"


def build_root() -> Path:
    """The build folder: `$COURSE_BUILD_DIR` when set, else `build/` in the repository."""
    return Path(os.environ.get("COURSE_BUILD_DIR") or repo_root() / "build")


def build_dir(*parts: str) -> Path:
    """A folder under the build folder (`build_root()`), created on first use."""
    path = build_root().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def checkpoint_dir(name: str) -> Path:
    """Where `fit_resumable` keeps the run `name`; fast and default mode never share one."""
    return build_dir("checkpoints", mode(), name)


def model_path(filename: str) -> Path:
    """Where a lesson saves a trained model for later lessons (`build/models/`, or
    `build/models/fast/` in fast mode so a quick run never stands in for a full one)."""
    return build_dir("models", "fast") / filename if fast_mode() else build_dir("models") / filename


class Runtime(dict):
    """`describe_runtime()`'s answer: a dict that a notebook shows as one line."""

    def __repr__(self):
        devices = f"GPU {', '.join(self['gpus'])}" if self["gpus"] else "no GPU"
        return (f"Python {self['python']}, TensorFlow {self['tensorflow']}, Keras {self['keras']}, "
                f"NumPy {self['numpy']}; {self['cpu_cores']} CPU cores ({self['cpu']}), {devices}"
                f"{', on Colab' if self['colab'] else ''}; fast mode "
                f"{'on' if self['fast_mode'] else 'off'}")

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))


def describe_runtime() -> Runtime:
    """Versions, devices and mode of this runtime, for the top of every lesson."""
    import keras
    import tensorflow as tf

    return Runtime({
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "cpu_cores": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "gpus": gpu_names(),
        "colab": on_colab(),
        "fast_mode": fast_mode(),
    })


def gpu_names() -> list:
    """Names of the GPUs TensorFlow sees (empty on a CPU-only runtime)."""
    import tensorflow as tf

    return [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
            for gpu in tf.config.list_physical_devices("GPU")]


def gpu_report(names=None, colab=None) -> str:
    """One line for the top of a lesson: the GPU TensorFlow uses, or that there is none and how
    to get one (Colab's menu on Colab, the `gpu` extra or Colab elsewhere). `names` and `colab`
    default to this runtime's."""
    names = gpu_names() if names is None else names
    colab = on_colab() if colab is None else colab
    if names:
        return f"GPU in use: {', '.join(names)}."
    if colab:
        return ("No GPU: this runtime trains on the CPU, which takes far longer in default mode. "
                "Switch with Runtime > Change runtime type > Hardware accelerator: GPU (a T4 is "
                "free), then run the notebook again from the top.")
    return ("No GPU: TensorFlow trains on the CPU (fine in fast mode; in default mode lessons take "
            "up to about 20 minutes each on 2 cores). To use an NVIDIA GPU on Linux install the "
            "`gpu` extra (`pip install -e \".[gpu]\"`), or open the lesson on Colab with its badge.")


def machine_label() -> str:
    """A short machine description for benchmark files: the GPU name, or CPU and core count."""
    info = describe_runtime()
    if info["gpus"]:
        return info["gpus"][0]
    model = _cpu_model() or info["cpu"]
    return f"{model} ({info['cpu_cores']} cores)"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""
