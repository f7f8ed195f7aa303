"""Run-wide settings: fast mode, seeding, paths and a description of the runtime."""

import os
import platform
import random
import sys
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
    return int(seed)


def on_colab() -> bool:
    """True inside a Google Colab runtime."""
    return "google.colab" in sys.modules


def repo_root() -> Path:
    """The folder that holds `course_lib/`, `data/` and `notebooks/`."""
    return Path(__file__).resolve().parent.parent


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


def describe_runtime() -> dict:
    """Versions, devices and mode of this runtime, for the top of every lesson."""
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    gpu_names = []
    for gpu in gpus:
        details = tf.config.experimental.get_device_details(gpu)
        gpu_names.append(details.get("device_name", gpu.name))
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "cpu_cores": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "gpus": gpu_names,
        "colab": on_colab(),
        "fast_mode": fast_mode(),
    }


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
