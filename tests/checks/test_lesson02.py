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


def fitted(optimizer="adam", learning_rate=3e-3, loss="binary_crossentropy", epochs=2,
           batch_size=32, report="mse", compile_it=True, fit_it=True):
    """A learner's `fit_to_target` with these settings, returning the figure `report` names."""
    def fit_to_target(model, x, x_val, max_steps):
        if compile_it:
            kind = keras.optimizers.Adam if optimizer == "adam" else keras.optimizers.SGD
            model.compile(optimizer=kind(learning_rate=learning_rate), loss=loss)
        if fit_it:
            model.fit(x, x, epochs=epochs, batch_size=batch_size, verbose=0)
        mse = float(np.mean((x_val - model.predict(x_val, verbose=0)) ** 2))
        return {"mse": mse, "rmse": np.sqrt(mse), "summed": 784 * mse,
                "evaluate": model.evaluate(x_val, x_val, verbose=0) if compile_it else 0.0,
                "train": float(np.mean((x - model.predict(x, verbose=0)) ** 2))}[report]
    return fit_to_target


@pytest.fixture(scope="module")
def digits():
    from course_lib import data

    (x, _), _ = data.load_mnist(n_train=320)
    return x[:256], x[256:]


def run_fit(fn, digits, target=0.2, max_steps=16):
    check.fit_to_target(fn, digits[0], digits[1], target=target, max_steps=max_steps)


def test_fit_to_target_accepts_the_reference_on_its_own_digits(capsys):
    check.fit_to_target(check.reference_fit_to_target)
    out = capsys.readouterr().out
    assert "✓ fit_to_target" in out and f"target {check.FAST_TARGET:g}" in out


def test_fit_to_target_accepts_a_run_within_the_budget(digits, capsys):
    run_fit(fitted(loss="mse"), digits)
    assert "after 16 of 16 steps" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (stub, "not done yet"),
    (fitted(report="evaluate"), "compiled loss \\(binary_crossentropy\\)"),
    (fitted(report="rmse"), "root of the MSE"),
    (fitted(report="summed"), "784 pixels"),
    (fitted(report="train"), "training images"),
    (fitted(epochs=3), "over the budget of 16"),
    (fitted(compile_it=False, fit_it=False), "not compiled"),
    (fitted(fit_it=False), "not trained"),
])
def test_fit_to_target_names_the_common_mistakes(wrong, message, digits):
    with pytest.raises(ExerciseError, match=message):
        run_fit(wrong, digits)


@pytest.mark.parametrize("wrong, message", [
    (fitted(learning_rate=1e-6), "far too small"),
    (fitted(learning_rate=1.0), "far too large"),
    (fitted(optimizer="sgd", learning_rate=1e-2), "plain SGD"),
    (fitted(loss="categorical_crossentropy"), "one value per pixel"),
    (fitted(epochs=1), "only 8 of the 16 steps"),
])
def test_fit_to_target_says_why_the_target_was_missed(wrong, message, digits):
    with pytest.raises(ExerciseError, match=f"above the target 0.06: .*{message}"):
        run_fit(wrong, digits, target=0.06)
