import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from course_lib import config


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("yes", True),
                                             ("On", True), ("0", False), ("", False),
                                             ("no", False), ("false", False), ("off", False)])
def test_fast_mode_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("COURSE_FAST", value)
    assert config.fast_mode() is expected
    assert config.mode() == ("fast" if expected else "default")
    assert config.by_mode("full", "fast") == ("fast" if expected else "full")


def test_build_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path / "b"))
    assert config.build_root() == tmp_path / "b"
    assert config.build_dir("x", "y") == tmp_path / "b" / "x" / "y" and (tmp_path / "b" / "x" / "y").is_dir()
    monkeypatch.delenv("COURSE_BUILD_DIR")
    assert config.build_root() == config.repo_root() / "build"


def test_repo_root_is_the_clone_the_package_lives_in():
    root = config.repo_root()
    assert (root / "course_lib" / "config.py").is_file() and (root / "notebooks").is_dir()
    assert (root / "data" / "weights").is_dir() and (root / "pyproject.toml").is_file()
    assert config.checkout_root(root / "course_lib") == root


@pytest.mark.parametrize("pyproject", [None, '[project]\nname = "something-else"\n', "not toml ["])
def test_a_package_outside_its_clone_is_refused_with_what_to_do(tmp_path, pyproject):
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    with pytest.raises(RuntimeError, match=r"outside a clone of the course.*data/.*pip install -e \."):
        config.checkout_root(tmp_path / "course_lib")


def test_a_non_editable_install_fails_at_the_first_path_with_a_clear_message(tmp_path):
    """What `pip install .` leaves: `course_lib/` alone in site-packages. COURSE_BUILD_DIR still
    works; everything that needs the clone (data, weights, the default build folder) refuses."""
    site = tmp_path / "site-packages"
    shutil.copytree(config.repo_root() / "course_lib", site / "course_lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    script = ("import os, sys; from course_lib import config; print(config.__file__); "
              "print(config.build_root()); os.environ.pop('COURSE_BUILD_DIR'); config.build_root()")
    env = {**os.environ, "PYTHONPATH": str(site), "COURSE_BUILD_DIR": str(tmp_path / "b")}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert lines[:2] == [str(site / "course_lib" / "config.py"), str(tmp_path / "b")], done.stderr
    assert done.returncode == 1
    assert "RuntimeError: course_lib is installed at" in done.stderr
    assert "pip install -e ." in done.stderr and "data/weights/" in done.stderr


def test_seed_everything_gives_the_same_numbers_twice():
    import keras
    import tensorflow as tf

    def draw():
        config.seed_everything(7)
        return np.random.rand(3), tf.random.uniform((3,)).numpy(), keras.random.normal((3,)).numpy()

    first, second = draw(), draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    config.seed_everything(8)
    assert not np.array_equal(np.random.rand(3), first[0])


def test_seed_everything_makes_layer_initialisation_reproducible():
    import keras

    def weights():
        config.seed_everything(3)
        layer = keras.layers.Dense(4)
        layer.build((None, 5))
        return layer.kernel.numpy()

    np.testing.assert_array_equal(weights(), weights())


@pytest.mark.parametrize("bad", [-1, 1.5, "3", None])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="seed"):
        config.seed_everything(bad)


def test_describe_runtime_lists_versions_and_devices():
    info = config.describe_runtime()
    assert info["tensorflow"].startswith("2.") and info["keras"].startswith("3.")
    assert isinstance(info["gpus"], list) and info["cpu_cores"] >= 1
    assert info["colab"] is False
    line = repr(info)  # how a notebook shows it: one line, not a dict
    assert "\n" not in line and not line.startswith("{")
    assert f"TensorFlow {info['tensorflow']}" in line and f"{info['cpu_cores']} CPU cores" in line



def test_paths_follow_the_build_dir_and_mode(monkeypatch, scratch_build_dir):
    monkeypatch.setenv("COURSE_FAST", "1")
    assert config.checkpoint_dir("x") == scratch_build_dir / "checkpoints" / "fast" / "x"
    assert config.model_path("m.keras") == scratch_build_dir / "models" / "fast" / "m.keras"
    monkeypatch.setenv("COURSE_FAST", "0")
    assert config.checkpoint_dir("x") == scratch_build_dir / "checkpoints" / "default" / "x"
    assert config.model_path("m.keras") == scratch_build_dir / "models" / "m.keras"
    assert "cores" in config.machine_label() or config.describe_runtime()["gpus"]


def test_gpu_report_names_the_gpu_or_says_how_to_get_one():
    assert config.gpu_report(["Tesla T4"], colab=True) == "GPU in use: Tesla T4."
    on_colab = config.gpu_report([], colab=True)
    assert on_colab.startswith("No GPU") and "Runtime > Change runtime type" in on_colab
    local = config.gpu_report([], colab=False)
    assert local.startswith("No GPU") and "[gpu]" in local and "Colab" in local
    assert config.gpu_report() == config.gpu_report(config.gpu_names(), colab=False)
