"""The digit judge: both halves must agree, and lesson 01's Gaussian half, fitted on real MNIST
training digits, keeps real test digits and rejects noise and inverted digits."""

import numpy as np
import pytest

from course_lib import data
from course_lib.models.classifiers import GaussianClassifier
from course_lib.realism import DigitJudge, likelihood_floor
from course_lib.recipes import DIGIT_DENSITY


class Softmax:
    """A stand-in classifier: probabilities as a function of the images."""

    def __init__(self, fn):
        self.fn = fn

    def predict(self, x, batch_size=None, verbose=0):
        return self.fn(x)


class Brightness:
    """A stand-in density: the log-likelihood of an image is its mean pixel value."""

    def log_likelihood(self, x):
        return np.asarray(x).mean(axis=(1, 2, 3))


def images(brightness):
    return np.stack([np.full((28, 28, 1), b, np.float32) for b in brightness])


@pytest.fixture(scope="module")
def mnist_density():
    """Lesson 01's Gaussian on 5,000 real training digits, its floor on 1,000 held out."""
    (x, y), (x_test, _) = data.load_mnist(n_train=6000, n_test=2000)
    density = GaussianClassifier(**DIGIT_DENSITY).fit(x[:5000], y[:5000])
    return density, likelihood_floor(density, x[5000:], 1.0), x_test


def test_an_image_counts_only_when_both_halves_accept_it():
    confident_when_dark = Softmax(lambda x: np.where(x.mean(axis=(1, 2, 3))[:, None] < 0.5,
                                                     np.eye(10)[3], np.full(10, 0.1)))
    judge = DigitJudge(confident_when_dark, Brightness(), floor=0.2, confidence=0.9)
    batch = images([0.0, 0.3, 0.4, 0.7])  # too unlikely, both, both, not confident
    np.testing.assert_array_equal(judge.accepts(batch), [False, True, True, False])
    assert judge.completeness(batch) == 0.5
    np.testing.assert_allclose(judge.confidence(batch), [1, 1, 1, 0.1])
    np.testing.assert_allclose(judge.log_likelihood(batch), [0.0, 0.3, 0.4, 0.7], rtol=1e-6)


def test_the_thresholds_themselves_count():
    top = np.array([0.9, 0.9, 0.89])
    judge = DigitJudge(Softmax(lambda x: np.stack([top, 1 - top], axis=1)), Brightness(),
                       floor=0.25, confidence=0.9)
    np.testing.assert_array_equal(judge.accepts(images([0.25, 0.24, 0.9])), [True, False, False])


def test_the_floor_is_a_percentile_of_real_log_likelihoods():
    real = images(np.linspace(0.0, 1.0, 101))
    assert likelihood_floor(Brightness(), real, 1.0) == pytest.approx(0.01, abs=1e-6)
    assert likelihood_floor(Brightness(), real, 50.0) == pytest.approx(0.5, abs=1e-6)


def test_the_gaussian_half_keeps_real_digits_and_rejects_noise_and_inverted_digits(mnist_density):
    density, floor, x_test = mnist_density
    outliers = data.make_outliers(x_test, seed=1)
    assert np.mean(density.log_likelihood(x_test) >= floor) >= 0.97
    for kind in ("noise", "inverted"):
        assert np.mean(density.log_likelihood(outliers[kind]) >= floor) <= 0.05, kind
    # A blank image and the mean digit are *more* likely than real digits: the classifier half
    # has to reject them.
    smooth = np.concatenate([np.zeros((1, 28, 28, 1), np.float32), x_test.mean(0, keepdims=True)])
    assert np.all(density.log_likelihood(smooth) > np.percentile(density.log_likelihood(x_test), 99))


@pytest.mark.parametrize("call, message", [
    (lambda j: j.accepts(np.zeros((28, 28, 1))), "single image"),
    (lambda j: j.completeness(np.full((2, 28, 28, 1), 2.0)), r"expected values in \[0, 1\]"),
    (lambda j: j.confidence(np.zeros((0, 28, 28, 1))), "empty batch"),
    (lambda j: j.log_likelihood(np.zeros((2, 28, 28))), "channel axis is missing"),
])
def test_bad_images_get_a_clear_error(call, message):
    judge = DigitJudge(Softmax(lambda x: np.full((len(x), 10), 0.1)), Brightness(), floor=0.0)
    with pytest.raises(ValueError, match=message):
        call(judge)


@pytest.mark.parametrize("kwargs, message", [
    (dict(floor=np.nan), "floor must be a finite"),
    (dict(floor=0.0, confidence=0.0), "confidence must lie"),
    (dict(floor=0.0, confidence=1.5), "confidence must lie"),
])
def test_bad_settings_get_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DigitJudge(None, Brightness(), **kwargs)
    with pytest.raises(ValueError, match="percentile must lie"):
        likelihood_floor(Brightness(), images([0.5]), 101)
