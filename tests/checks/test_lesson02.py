"""The lesson-02 checks pass the solutions and reject stubs and plausible mistakes."""

import keras
import numpy as np
import pytest
from keras import layers

from course_lib.checks import ExerciseError
from course_lib.checks import lesson02 as check


def decoder_solution(latent_dim, activation="sigmoid", n_up=2):
    inputs = keras.Input((latent_dim,))
    x = layers.Dense(7 * 7 * 16, activation="relu")(inputs)
    x = layers.Reshape((7, 7, 16))(x)
    for _ in range(n_up):
        x = layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(x)
    outputs = layers.Conv2DTranspose(1, 3, padding="same", activation=activation)(x)
    return keras.Model(inputs, outputs)


def dense_decoder(latent_dim):
    inputs = keras.Input((latent_dim,))
    x = layers.Dense(784, activation="sigmoid")(inputs)
    return keras.Model(inputs, layers.Reshape((28, 28, 1))(x))


def stub(*args):
    raise NotImplementedError()


def pca_solution(train, test, k):
    mean = train.mean(axis=0)
    _, _, vt = np.linalg.svd(train - mean, full_matrices=False)
    return (test - mean) @ vt[:k].T @ vt[:k] + mean


def pca_uncentred(train, test, k):
    _, _, vt = np.linalg.svd(train, full_matrices=False)
    return test @ vt[:k].T @ vt[:k]


def pca_test_mean(train, test, k):
    _, _, vt = np.linalg.svd(train - train.mean(0), full_matrices=False)
    return (test - test.mean(0)) @ vt[:k].T @ vt[:k] + test.mean(0)


def test_decoder_accepts_solution(capsys):
    check.decoder(decoder_solution)
    assert "✓ decoder" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (lambda k: decoder_solution(k, activation=None), "into \\[0, 1\\]"),
    (lambda k: decoder_solution(k, n_up=3), "expected \\(8, 28, 28, 1\\)"),
    (dense_decoder, "no Conv2DTranspose"),
])
def test_decoder_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.decoder(wrong)


def test_pca_accepts_solution(capsys):
    check.pca_reconstruction(pca_solution)
    assert "✓ pca_reconstruction" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (pca_uncentred, "without centering"),
    (pca_test_mean, "training mean"),
    (lambda train, test, k: pca_solution(train, test, k + 1), "not right yet"),
])
def test_pca_rejects(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.pca_reconstruction(wrong)


def test_smallest_code_accepts_the_reference(capsys):
    check.smallest_code(check.reference_smallest_code)
    assert "✓ smallest_code" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (lambda d, t: min((k for k, m in d.items() if m < t), default=None), "includes equality"),
    (lambda d, t: max((k for k, m in d.items() if m <= t), default=None), "the smallest"),
    (lambda d, t: next((k for k, m in d.items() if m <= t), None), "not sorted"),
    (lambda d, t: min((m for m in d.values() if m <= t), default=None), "return the code size"),
    (lambda d, t: min(k for k, m in d.items() if m <= t), "raised ValueError"),
])
def test_smallest_code_names_the_common_mistakes(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        check.smallest_code(wrong)
