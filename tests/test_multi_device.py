"""The VAE and the GAN under `MirroredStrategy` over 2 logical CPUs (in a fresh process, see
tests/multi_device_worker.py): the global batch is split and the gradients scaled per replica,
so one strategy epoch matches one single-device epoch. Without the scaling in
`course_lib.models.steps.per_replica` the updates would be twice as large. The worker runs with
every GPU hidden (`cpu_only_env` of conftest.py): its single-device run would otherwise take a
GPU and be compared with the 2 CPUs to 1e-5."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

WORKER = Path(__file__).with_name("multi_device_worker.py")


@pytest.fixture(scope="module")
def run_worker(cpu_only_env):
    """Run the worker on the CPU; its completed process."""
    def run():
        return subprocess.run([sys.executable, str(WORKER)], capture_output=True, text=True,
                              timeout=600, cwd=WORKER.parent.parent, check=True, env=cpu_only_env())

    return run


@pytest.fixture(scope="module")
def summary(run_worker):
    return json.loads(run_worker().stdout.strip().splitlines()[-1])


def test_the_worker_runs_with_every_gpu_hidden(run_worker, monkeypatch):
    ran = []
    monkeypatch.setattr(subprocess, "run", lambda args, **kwargs: ran.append((args, kwargs)))
    run_worker()
    (args, kwargs), = ran
    assert args == [sys.executable, str(WORKER)] and kwargs["env"]["CUDA_VISIBLE_DEVICES"] == ""


def test_vae_epoch_under_the_strategy_matches_one_device(summary):
    assert summary["replicas"] == 2
    single, mirrored = summary["vae_loss"]
    assert abs(single - mirrored) <= 1e-5 * abs(single)
    assert summary["vae_max_weight_change"] > 0.05  # the epoch did move the weights
    assert summary["vae_max_weight_difference"] < 1e-5


def test_denoiser_epoch_under_the_strategy_matches_one_device(summary):
    assert summary["dae_max_weight_change"] > 1e-3  # the epoch did move the weights
    assert summary["dae_max_weight_difference"] < 1e-5


def test_gan_updates_under_the_strategy_have_the_single_device_size(summary):
    """Noise, dropout and batch-norm statistics are drawn per replica, so the GAN's updates
    match in size, not value: unscaled gradients would make them about twice as large."""
    norms = summary["gan_update_norms"]
    for network in ("d", "g"):
        ratio = norms["mirrored"][network] / norms["single"][network]
        assert 0.7 < ratio < 1.4, (network, ratio)
