"""Fixtures of the recipes' tests."""

import pytest

from course_lib import training


@pytest.fixture
def eager_training(monkeypatch):
    """`fit_resumable` runs every step eagerly, as it does a short fast-mode run, whatever the
    mode the test sets: for the tests of a recipe's default-mode plan on a few images, where
    tracing a U-Net's train step would cost more than its steps. The compiled steps themselves
    are tested in tests/models."""
    monkeypatch.setattr(training, "fast_mode", lambda: True)
    monkeypatch.setattr(training, "EAGER_MAX_STEPS", 1_000)
