import numpy as np
import pytest

from course_lib.validation import check_images, check_labels, check_positive_int, check_weight


def images(n=2):
    return np.random.default_rng(0).random((n, 28, 28, 1), dtype=np.float32)


def test_valid_images_pass_through_as_float32():
    x = images().astype(np.float64)
    out = check_images(x)
    assert out.dtype == np.float32 and out.shape == (2, 28, 28, 1)


@pytest.mark.parametrize("bad, message", [
    ((images() * 255).astype(np.uint8), "uint8.*expected floats in \\[0, 1\\].*255"),
    (images() * 255, "values span.*expected values in \\[0, 1\\]"),
    (images()[..., 0], "channel axis is missing"),
    (np.zeros((2, 32, 32, 1), np.float32), "expected \\(n, 28, 28, 1\\)"),
    (np.zeros((28, 28, 1), np.float32), "single image"),
    (np.zeros((0, 28, 28, 1), np.float32), "empty"),
    (np.full((1, 28, 28, 1), np.nan, np.float32), "NaN"),
    (np.full((1, 28, 28, 1), np.inf, np.float32), "NaN or infinite"),
])
def test_bad_images_raise_a_clear_error(bad, message):
    with pytest.raises(ValueError, match=message):
        check_images(bad)


def test_custom_range_for_tanh_images():
    x = images() * 2 - 1
    check_images(x, value_range=(-1, 1))
    with pytest.raises(ValueError, match="values span \\[-0.9.*expected values in \\[0, 1\\]"):
        check_images(x)
    with pytest.raises(ValueError, match="expected floats in \\[-1, 1\\].* \\* 2 - 1"):
        check_images((x * 100).astype(np.uint8), value_range=(-1, 1))


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "4", None])
def test_positive_int_rejects_non_positive_or_non_integers(bad):
    with pytest.raises(ValueError, match="latent_dim must be a whole number >= 1"):
        check_positive_int(bad, "latent_dim")


def test_labels_in_range_and_out_of_range():
    np.testing.assert_array_equal(check_labels([0, 9, 3]), [0, 9, 3])
    with pytest.raises(ValueError, match="\\[0, 9\\]"):
        check_labels([0, 10])
    with pytest.raises(ValueError, match="1-D"):
        check_labels(np.zeros((2, 2), int))
    with pytest.raises(ValueError, match="non-integer"):
        check_labels([0.5, 1.0])


@pytest.mark.parametrize("good", [0, 2.5, np.float32(0.5), np.int64(3)])
def test_weight_accepts_finite_non_negative_numbers(good):
    assert check_weight(good, "cycle_weight") == float(good)
    assert type(check_weight(good, "cycle_weight")) is float


@pytest.mark.parametrize("bad, problem", [
    (float("inf"), "infinite"),
    (float("nan"), "not a number"),
    (-1.0, "negative"),
    (True, "of type bool"),
    ("2", "of type str"),
])
def test_weight_rejects_what_is_not_a_finite_non_negative_number(bad, problem):
    with pytest.raises(ValueError, match=rf"cycle_weight must be a finite number >= 0, got .*\({problem}\)"):
        check_weight(bad, "cycle_weight")
