"""The one train-or-reload sequence every recipe follows."""

import numpy as np
import pytest

from course_lib.config import checkpoint_dir
from course_lib.models.autoencoder import Autoencoder
from course_lib.recipes import NotTrainedError, Trained, require_finished, train_or_reload


def images(n=16, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def small_ae():
    return Autoencoder(2, filters=(4, 8))


def run(x, **kwargs):
    return train_or_reload(small_ae, x, x, name="unit_run", epochs=2, batch_size=8,
                           compile_args={"optimizer": "adam", "loss": "mse"}, verbose=0, **kwargs)


def test_it_trains_then_reloads_the_same_model_and_history():
    x = images()
    first = run(x)
    assert isinstance(first, Trained) and len(first.history["loss"]) == 2
    again = run(x)
    assert again.history == first.history
    np.testing.assert_allclose(again.model.encode(x), first.model.encode(x), atol=1e-6)


def test_the_same_seed_builds_the_same_model_in_another_run():
    x = images()
    a = train_or_reload(small_ae, x, x, name="run_a", epochs=1, batch_size=8,
                        compile_args={"optimizer": "adam", "loss": "mse"}, verbose=0)
    b = train_or_reload(small_ae, x, x, name="run_b", epochs=1, batch_size=8,
                        compile_args={"optimizer": "adam", "loss": "mse"}, verbose=0)
    np.testing.assert_allclose(a.model.encode(x), b.model.encode(x), atol=1e-6)


def test_a_required_run_that_is_missing_raises_and_trains_nothing():
    with pytest.raises(NotTrainedError, match="unit_run.*run lesson 99 first"):
        run(images(), require_trained=True, made_by="lesson 99")
    assert not (checkpoint_dir("unit_run") / "state.json").exists()
    run(images())
    assert require_finished("unit_run", "lesson 99") == checkpoint_dir("unit_run")
    assert run(images(), require_trained=True).history["loss"]
