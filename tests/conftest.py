"""Test-wide settings: quiet TensorFlow, headless matplotlib, and a scratch build folder."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest


@pytest.fixture(autouse=True)
def scratch_build_dir(tmp_path, monkeypatch):
    """Every test writes build outputs (models, results, checkpoints) under its own tmp folder."""
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path / "build"))
    return tmp_path / "build"
