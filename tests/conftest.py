"""Test-wide settings: quiet TensorFlow, headless matplotlib, a scratch build folder, the
environment of worker processes that must run on the CPU, and a skip on a GPU for the tests in
this process that only the CPU's bit-identical reruns satisfy."""

import os
from collections import Counter
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

# Test files that take minutes on one core. They come first, then the others by number of tests
# (xdist's own order, which `make`'s --no-loadscope-reorder hands over to this hook), so that with
# two workers neither ends the run alone with a long file.
LONG_FILES = ("test_commands_fast.py", "test_tools_nbgrader.py", "test_student_notebooks.py")


def pytest_collection_modifyitems(items):
    tests_per_file = Counter(item.path for item in items)
    items.sort(key=lambda item: (item.path.name not in LONG_FILES, -tests_per_file[item.path],
                                 str(item.path)))


@pytest.fixture(autouse=True)
def scratch_build_dir(tmp_path, monkeypatch):
    """Every test writes build outputs (models, results, checkpoints) under its own tmp folder."""
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path / "build"))
    return tmp_path / "build"


@pytest.fixture(scope="session")
def lessons_build(tmp_path_factory):
    """The build folder of a learner who ran the lessons in fast mode: `make test` sets
    STUDENT_TEST_BUILD to the folder its notebooks leg just ran them in, so the student copies
    and nbgrader's round trip reload the lessons' models, as on a learner's second pass. Without
    it, one scratch folder for the session, where the first lesson run trains them."""
    given = os.environ.get("STUDENT_TEST_BUILD")
    return Path(given) if given else tmp_path_factory.mktemp("lessons") / "build"


# Hides every NVIDIA GPU from TensorFlow in a process started with it (CUDA reads it at start-up).
CPU_ONLY = {"CUDA_VISIBLE_DEVICES": ""}


@pytest.fixture(scope="session")
def cpu_only_env():
    """A function that returns this process's environment (read at call time, so with the test's
    COURSE_BUILD_DIR) plus `CPU_ONLY`: for the worker processes of the tests whose expectations
    hold on a CPU only (bit-identical reruns, 2 logical CPUs as 2 replicas, a resumed run that
    ends where an uninterrupted one ends). On a machine with an NVIDIA GPU (`make` then installs
    `tensorflow[and-cuda]`) they still train on the CPU; on a CPU-only machine it changes
    nothing, and tests/test_determinism.py checks that the workers do get it."""
    def env() -> dict:
        return {**os.environ, **CPU_ONLY}

    return env


def visible_gpus() -> list:
    """The names of the GPUs TensorFlow sees in this process."""
    import tensorflow as tf

    return [gpu.name for gpu in tf.config.list_physical_devices("GPU")]


@pytest.fixture
def skip_on_gpu():
    """Skips the test, saying why, when this process sees a GPU: for tests that compare its
    results with another process's or a resumed training's, bit for bit or to 1e-5, which only the
    CPU reproduces (docs/reliability.md). TensorFlow has started here, too late to hide the GPU."""
    gpus = visible_gpus()
    if gpus:
        pytest.skip(f"TensorFlow sees {', '.join(gpus)}: this test compares results bit for bit "
                    f"(or to 1e-5) across processes or a resumed training, which only the CPU "
                    f"reproduces (docs/reliability.md); it runs on a machine without a GPU")
