"""Lesson 07's recipes: the conditional GAN with its early snapshot, the unpaired domains, and
the fake detector (its balanced training set, and that it learns an easy split)."""

import numpy as np
import pytest

from course_lib import recipes
from course_lib.config import checkpoint_dir, model_path
from course_lib.metrics import auroc
from course_lib.models.detector import fake_scores


def images(n=8, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def strokes(n, seed=0):
    """'Real' images: one bright bar each, at random places."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28, 1), np.float32)
    for image, r, c in zip(x, rng.integers(4, 12, n), rng.integers(6, 20, n)):
        image[r:r + 14, c:c + 3, 0] = 1.0
    return x


def blobs(n, seed=0):
    """'Fake' images: smooth noise blobs with the same mean brightness as the strokes."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((n, 7, 7, 1)).astype(np.float32)
    x = np.repeat(np.repeat(coarse, 4, axis=1), 4, axis=2)
    return x * (strokes(1).mean() / x.mean())


def test_cycle_domains_are_the_plans_share_of_two_disjoint_halves(monkeypatch):
    from course_lib.domains import to_style_b

    monkeypatch.setenv("COURSE_FAST", "1")
    n = recipes.gan_applications_plan()["cycle_n_train"]
    x, y = images(2 * n + 10), np.arange(2 * n + 10) % 10
    x_a, x_b = recipes.cycle_domains(x, y)
    assert len(x_a) == len(x_b) == n
    np.testing.assert_array_equal(x_a, x[:n])  # A: the first half as it is
    np.testing.assert_allclose(x_b, to_style_b(x[n + 5:2 * n + 5]))  # B: the second half, restyled


def test_lesson_cgan_keeps_its_first_epoch_and_saves_its_generator(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    with pytest.raises(recipes.NotTrainedError, match="lesson_cgan"):
        recipes.early_cgan()
    x, y = images(32), np.arange(32) % 10
    cgan, history = recipes.lesson_cgan(x, y, verbose=0)
    assert len(history["d_loss"]) == recipes.gan_applications_plan()["cgan_epochs"] == 2
    assert (checkpoint_dir(recipes.CGAN_RUN) / recipes.CGAN_SNAPSHOT).exists()
    assert model_path(recipes.CGAN_FILE).exists()
    wanted = np.arange(4)
    early = recipes.early_cgan().generate(wanted, seed=1)
    assert early.shape == (4, 28, 28, 1)
    assert not np.allclose(early, cgan.generate(wanted, seed=1))  # a second epoch changed G


def test_the_detector_trains_on_even_and_holds_out_odd_images():
    x = images(6)
    np.testing.assert_array_equal(recipes.held_out(x), x[[1, 3, 5]])


def test_detector_data_is_balanced_shuffled_and_labelled():
    real, fake = strokes(10), blobs(4)
    x, y = recipes.detector_data(real, fake, seed=1)
    assert x.shape == (8, 28, 28, 1) and y.tolist().count(1.0) == y.tolist().count(0.0) == 4
    assert y.tolist() != sorted(y.tolist())  # shuffled
    for image, label in zip(x, y):  # each image keeps its own label
        assert (label == 1.0) == any(np.array_equal(image, f) for f in fake)
    np.testing.assert_array_equal(x, recipes.detector_data(real, fake, seed=1)[0])


def test_detector_learns_an_easy_split():
    detector = recipes.train_fake_detector(strokes(512), blobs(512), epochs=4, name="unit_detector").model
    real_scores, fake = fake_scores(detector, strokes(200, seed=1)), \
        fake_scores(detector, blobs(200, seed=1))
    assert real_scores.shape == (200,) and 0 <= real_scores.min() and fake.max() <= 1
    assert auroc(fake, real_scores) > 0.9
    assert (checkpoint_dir("unit_detector") / "state.json").exists()


def test_detector_data_names_bad_images():
    with pytest.raises(ValueError, match="real: got uint8 images"):
        recipes.detector_data((strokes(2) * 255).astype(np.uint8), blobs(2))
