"""Lesson 01's CNN recipes: the trainer and the reference classifier the later lessons use."""

import keras
import numpy as np
import pytest

from course_lib import recipes
from course_lib.config import model_path, seed_everything
from course_lib.models.classifiers import feature_model
from course_lib.recipes import train_cnn_classifier


def images(n=8, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def test_train_cnn_classifier_learns_and_resumes(tmp_path):
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 32)
    x = np.zeros((64, 28, 28, 1), np.float32)
    x[y == 1, :14] = 1.0  # class 1: top half lit
    x = np.clip(x + rng.random(x.shape).astype(np.float32) * 0.1, 0.0, 1.0)
    model, history = train_cnn_classifier(x, y, epochs=4, batch_size=8, verbose=0, workdir=tmp_path)
    assert np.mean(model.predict(x, verbose=0).argmax(1) == y) == 1.0
    assert len(history["accuracy"]) == 4
    again = train_cnn_classifier(x, y, epochs=4, batch_size=8, verbose=0, workdir=tmp_path)
    assert again.history == history
    np.testing.assert_allclose(again.model.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5)
    _, plain = train_cnn_classifier(x, y, epochs=2, batch_size=8, verbose=0)  # no checkpoint
    assert len(plain["loss"]) == 2
    assert feature_model(model).predict(x[:2], verbose=0).shape == (2, 128)
    with pytest.raises(ValueError, match="same"):
        train_cnn_classifier(x, y[:10], epochs=1)


def test_reference_classifier_reloads_the_saved_model(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    seed_everything(0)
    saved = train_cnn_classifier(images(20), np.arange(20) % 10, epochs=1, verbose=0).model
    saved.save(model_path(recipes.CNN_FILE))
    loaded = recipes.reference_classifier(verbose=0)
    assert isinstance(loaded, keras.Model)
    np.testing.assert_allclose(loaded.predict(images(3), verbose=0),
                               saved.predict(images(3), verbose=0), rtol=1e-5)


def test_a_damaged_reference_classifier_is_named(monkeypatch):
    from course_lib.saving import ModelFileError

    monkeypatch.setenv("COURSE_FAST", "1")
    model_path(recipes.CNN_FILE).write_bytes(b"not a zip")
    with pytest.raises(ModelFileError, match="cnn_classifier.keras is not a .keras archive"):
        recipes.reference_classifier()
    assert model_path(recipes.CNN_FILE).read_bytes() == b"not a zip"  # left as it is
