"""`seed_everything(s)` and the same small training give bit-identical weights on the CPU, for
the autoencoder, the VAE and the GAN; another seed gives other weights (so the check can fail).

GPUs do not give bit-identical reruns (docs/reliability.md), so the trainings run in a worker
process started with every GPU hidden (`CUDA_VISIBLE_DEVICES=""`, the `cpu_only_env` fixture of
conftest.py): on a machine with an NVIDIA GPU the check still runs on the CPU, and the worker
reports what it saw so that the pinning is checked on a CPU-only machine too. Tests that compare
this process's results bit for bit cannot hide a GPU once TensorFlow has started: they skip there,
saying why (the `skip_on_gpu` fixture of conftest.py, checked here with a mocked device list). This
module is the
worker: `python tests/test_determinism.py OUT.npz` trains every kind with the seeds of `RUNS` and
writes the weights to OUT.npz and the devices to OUT.json."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from course_lib.config import seed_everything

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("autoencoder", "vae", "gan")
RUNS = (("first", 7), ("second", 7), ("other", 8))
X = (np.random.default_rng(0).random((64, 28, 28, 1)) < 0.3).astype(np.float32)


def build(kind):
    from course_lib.models.autoencoder import Autoencoder
    from course_lib.models.gan import GAN
    from course_lib.models.vae import VAE

    if kind == "autoencoder":
        model = Autoencoder(4, filters=(4, 8))
        model.compile(optimizer="adam", loss="binary_crossentropy")
    elif kind == "vae":
        model = VAE(2, filters=(4, 8))
        model.compile(optimizer="adam")
    else:
        model = GAN(noise_dim=8)
        model.compile()
    return model


def train(kind, seed):
    """Seed, build and fit for two shuffled epochs; return the model."""
    seed_everything(seed)
    model = build(kind)
    model.fit(X, X if kind == "autoencoder" else None, batch_size=16, epochs=2, shuffle=True,
              verbose=0)
    return model


def work(out: Path):
    """The worker: every kind, every run, weights to `out`, what the process saw beside it."""
    import tensorflow as tf

    arrays, devices = {}, set()
    for kind in KINDS:
        for run, seed in RUNS:
            model = train(kind, seed)
            for i, weight in enumerate(model.weights):
                arrays[f"{kind}/{run}/{i}"] = np.array(weight)
                devices.add(tf.DeviceSpec.from_string(weight.value.device).device_type)
    np.savez(out, **arrays)
    out.with_suffix(".json").write_text(json.dumps({
        "CUDA_VISIBLE_DEVICES": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "gpus": [gpu.name for gpu in tf.config.list_physical_devices("GPU")],
        "weight_devices": sorted(devices)}))


@pytest.fixture(scope="module")
def worker(tmp_path_factory, cpu_only_env):
    """Run the worker once, on the CPU; its weights by kind and run, and its report."""
    out = tmp_path_factory.mktemp("determinism") / "weights.npz"
    done = subprocess.run([sys.executable, __file__, str(out)], cwd=ROOT, env=cpu_only_env(),
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out) as saved:
        weights = {(kind, run): [saved[f"{kind}/{run}/{i}"]
                                 for i in range(sum(k.startswith(f"{kind}/{run}/") for k in saved))]
                   for kind in KINDS for run, _ in RUNS}
    return weights, json.loads(out.with_suffix(".json").read_text())


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_weights_bit_for_bit(kind, worker):
    weights, _ = worker
    first, second, other = (weights[kind, run] for run, _ in RUNS)
    assert len(first) == len(second) > 0
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, other))


def test_the_worker_trained_on_the_cpu_with_every_gpu_hidden(worker):
    _, report = worker
    assert report == {"CUDA_VISIBLE_DEVICES": "", "gpus": [], "weight_devices": ["CPU"]}


def test_cpu_only_env_hides_the_gpus_and_keeps_the_rest(cpu_only_env, scratch_build_dir):
    env = cpu_only_env()
    assert env["CUDA_VISIBLE_DEVICES"] == ""
    assert env["COURSE_BUILD_DIR"] == str(scratch_build_dir), "read when called, not when defined"
    assert {key: value for key, value in env.items() if key != "CUDA_VISIBLE_DEVICES"} == \
        {key: value for key, value in os.environ.items() if key != "CUDA_VISIBLE_DEVICES"}


def test_skip_on_gpu_skips_with_the_reason_when_a_gpu_is_visible(request, monkeypatch):
    import tensorflow as tf

    gpu = tf.config.PhysicalDevice(name="/physical_device:GPU:0", device_type="GPU")
    monkeypatch.setattr(tf.config, "list_physical_devices",
                        lambda kind=None: [gpu] if kind in (None, "GPU") else [])
    with pytest.raises(pytest.skip.Exception,
                       match=r"sees /physical_device:GPU:0: .*bit for bit.*docs/reliability\.md"):
        request.getfixturevalue("skip_on_gpu")


def test_skip_on_gpu_lets_the_test_run_without_a_gpu(request, monkeypatch):
    import tensorflow as tf

    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [])
    request.getfixturevalue("skip_on_gpu")


def test_the_cross_process_comparisons_skip_on_a_gpu():
    """The tests that compare a model's outputs with a fresh process's, bit for bit."""
    found = []
    for path in (ROOT / "tests").rglob("test_*.py"):
        for decorator, name in re.findall(r"(.*)\ndef (test_\w*fresh_process\w*)\(", path.read_text()):
            found.append(name)
            assert decorator == '@pytest.mark.usefixtures("skip_on_gpu")', f"{path.name}::{name}"
    assert len(found) >= 5


if __name__ == "__main__":
    work(Path(sys.argv[1]))
