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


def test_digit_judge_joins_the_reference_classifier_and_lesson_01s_gaussian(monkeypatch):
    from course_lib import data
    from course_lib.realism import likelihood_floor

    monkeypatch.setenv("COURSE_FAST", "1")  # the reference CNN's 6,000 training digits
    seed_everything(0)
    (x, y), (x_test, _) = data.load_mnist(n_train=6000, n_test=500)
    # A CNN trained for a few steps stands in for lesson 01's (the lesson and
    # benchmarks/autoencoders.py check the real one's figures on real digits)
    train_cnn_classifier(x[:300], y[:300], epochs=1, verbose=0).model.save(
        model_path(recipes.CNN_FILE))
    judge = recipes.digit_judge(verbose=0)
    assert judge.confidence_threshold == recipes.DIGIT_JUDGE["confidence"] == 0.9
    # the floor: the 1st percentile of the last 1,000 training digits, which the density never saw
    assert judge.floor == pytest.approx(likelihood_floor(judge.density, x[5000:], 1.0))
    assert np.mean(judge.log_likelihood(x[5000:]) < judge.floor) == pytest.approx(0.01, abs=0.002)
    assert judge.density.reg_ == recipes.DIGIT_DENSITY["reg"]
    assert judge.density.n_components == recipes.DIGIT_DENSITY["n_components"]
    batch = np.concatenate([x_test, data.make_outliers(x_test, seed=1)["noise"]])
    np.testing.assert_array_equal(judge.accepts(batch), (judge.confidence(batch) >= 0.9)
                                  & (judge.log_likelihood(batch) >= judge.floor))
    outliers = data.make_outliers(x_test, seed=1)
    assert judge.completeness(outliers["noise"]) == judge.completeness(outliers["inverted"]) == 0.0
