"""The GAN lesson's measurements: Fréchet distance and class histogram on constructed cases."""

import numpy as np
import pytest

from course_lib.metrics import class_histogram, frechet_distance, frechet_yardstick


def features(n=500, d=8, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d))


def test_frechet_distance_of_a_set_with_itself_is_zero():
    a = features()
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_frechet_distance_grows_with_a_shift_of_the_mean():
    a = features()
    small, large = frechet_distance(a, a + 0.5), frechet_distance(a, a + 2.0)
    assert small == pytest.approx(8 * 0.5 ** 2, rel=1e-6)  # ‖Δμ‖² with equal covariances
    assert large == pytest.approx(8 * 2.0 ** 2, rel=1e-6) and large > small


def test_frechet_distance_sees_a_change_of_spread():
    a = features()
    b = (a - a.mean(0)) * 3 + a.mean(0)  # same mean, three times the spread
    expected = 4 * np.trace(np.cov(a, rowvar=False))  # Tr(Σ + 9Σ − 2·3Σ)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-4)


def test_frechet_distance_rejects_mismatched_features():
    with pytest.raises(ValueError, match="expected"):
        frechet_distance(features(d=8), features(d=4))
    with pytest.raises(ValueError, match="at least 2 rows"):
        frechet_distance(features(n=1), features())


def test_class_histogram_on_constructed_cases():
    np.testing.assert_allclose(class_histogram([3, 3, 3, 3]), np.eye(10)[3])  # total collapse
    np.testing.assert_allclose(class_histogram(np.arange(10).repeat(7)), np.full(10, 0.1))
    probs = np.eye(4)[[0, 1, 1, 3]] * 0.7 + 0.075
    np.testing.assert_allclose(class_histogram(probs, n_classes=4), [0.25, 0.5, 0.0, 0.25])


@pytest.mark.parametrize("labels", [[], [0, 10], [-1, 2], [[[0]]]])
def test_class_histogram_rejects_bad_labels(labels):
    with pytest.raises(ValueError, match="labels"):
        class_histogram(np.asarray(labels))


def test_nearest_images_finds_copies_and_their_distance():
    from course_lib.metrics import nearest_images

    reference = np.random.default_rng(0).random((30, 28, 28, 1)).astype(np.float32)
    queries = reference[[4, 17]].copy()
    queries[1, 0, 0, 0] = 1.0 - queries[1, 0, 0, 0]  # one pixel changed
    neighbours, distances = nearest_images(queries, reference, batch_size=1)
    np.testing.assert_array_equal(neighbours[0], reference[4])
    np.testing.assert_array_equal(neighbours[1], reference[17])
    assert distances[0] == pytest.approx(0.0, abs=1e-3)
    assert distances[1] == pytest.approx(abs(1 - 2 * reference[17, 0, 0, 0]), abs=1e-3)
    with pytest.raises(ValueError, match="reference"):
        nearest_images(queries, reference * 255)


def test_frechet_distance_of_few_samples_is_finite_and_quiet():
    """Fewer samples than features give singular covariances: no warning, a finite value."""
    import warnings

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(20, 64)), rng.normal(size=(20, 64)) + 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-3)
        assert np.isfinite(frechet_distance(a, b)) and frechet_distance(a, b) > 64 * 0.5


def test_yardstick_of_a_set_against_itself_is_zero():
    a = features()
    stick = frechet_yardstick(a, a, n=len(a), draws=5)  # every draw is the whole set, reordered
    assert stick.mean == pytest.approx(0.0, abs=1e-6) and stick.std == pytest.approx(0.0, abs=1e-6)
    assert (stick.n, stick.draws) == (500, 5)


def test_yardstick_of_the_same_distribution_is_small_and_shrinks_with_n():
    pool, reference = features(n=20_000, d=4, seed=1), features(n=20_000, d=4, seed=2)
    small_n, large_n = (frechet_yardstick(pool, reference, n=n) for n in (100, 5000))
    assert large_n.mean < small_n.mean < 0.5  # the sample-size bias, not a difference
    assert large_n.std < small_n.std


def test_yardstick_of_a_shifted_gaussian_matches_the_closed_form():
    pool, reference = features(n=20_000, d=4, seed=1) + 0.5, features(n=20_000, d=4, seed=2)
    stick = frechet_yardstick(pool, reference, n=10_000)
    assert stick.mean == pytest.approx(4 * 0.5 ** 2, abs=0.05)  # ‖Δμ‖², equal covariances
    assert "5 draws of 10,000 real digits" in str(stick)


def test_yardstick_rejects_more_draws_than_the_pool_holds():
    with pytest.raises(ValueError, match="pool holds 500"):
        frechet_yardstick(features(), features(), n=501)
