"""A training process killed with SIGKILL mid-run and started again ends where an uninterrupted
run ends (issue 8): for the VAE and for the GAN, each in real subprocesses. The workers run on
the CPU (`cpu_only_env` of conftest.py hides the GPUs): the resumed and the uninterrupted run are
compared to 1 %, which a GPU's run-to-run differences are not meant to test."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

WORKER = Path(__file__).with_name("resume_worker.py")
ROOT = WORKER.parent.parent
EPOCHS = 3
LOSSES = {"vae": ["loss"], "gan": ["d_loss", "g_loss"]}


@pytest.fixture
def start(cpu_only_env):
    """Start a worker on the CPU: `start(kind, workdir, out, slow=False)`."""
    def launch(kind, workdir, out, slow=False):
        args = [sys.executable, str(WORKER), kind, str(workdir), str(EPOCHS), str(out)]
        return subprocess.Popen(args + (["--slow"] if slow else []), cwd=ROOT, env=cpu_only_env())

    return launch


def epochs_done(workdir):
    try:
        return json.loads((workdir / "state.json").read_text())["epoch"]
    except (OSError, ValueError, KeyError):
        return 0


def kill_after_first_checkpoint(process, workdir, timeout=120):
    deadline = time.monotonic() + timeout
    while epochs_done(workdir) < 1:
        assert process.poll() is None, "the worker exited before its first checkpoint"
        assert time.monotonic() < deadline, "no checkpoint appeared in time"
        time.sleep(0.05)
    time.sleep(1.0)  # let a few batches of epoch 2 change the weights in memory
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.parametrize("kind", ["vae", "gan"])
def test_killed_run_resumes_to_the_uninterrupted_result(kind, tmp_path, start):
    straight = start(kind, tmp_path / "straight", tmp_path / "straight.json")
    victim = start(kind, tmp_path / "killed", tmp_path / "never.json", slow=True)
    kill_after_first_checkpoint(victim, tmp_path / "killed")
    assert victim.returncode == -signal.SIGKILL
    assert epochs_done(tmp_path / "killed") == 1 and not (tmp_path / "never.json").exists()

    resumed = start(kind, tmp_path / "killed", tmp_path / "resumed.json")
    assert resumed.wait(timeout=300) == 0 and straight.wait(timeout=300) == 0
    expected = json.loads((tmp_path / "straight.json").read_text())
    got = json.loads((tmp_path / "resumed.json").read_text())
    for name in LOSSES[kind]:
        assert len(got[name]) == EPOCHS
        np.testing.assert_allclose(got[name][-1], expected[name][-1], rtol=0.01)


def test_workers_start_with_every_gpu_hidden(start, tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda args, **kwargs: started.append((args, kwargs)))
    start("vae", tmp_path / "w", tmp_path / "out.json", slow=True)
    (args, kwargs), = started
    assert args[1:3] == [str(WORKER), "vae"] and args[-1] == "--slow"
    assert kwargs["env"]["CUDA_VISIBLE_DEVICES"] == "" and kwargs["cwd"] == ROOT
