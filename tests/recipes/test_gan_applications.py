"""Lesson 07's recipes: the conditional GAN with its early snapshot, the unpaired domains, the
translators (CycleGAN variants and the paired one), and the fake detector (its balanced
training set, early stopping, and that it learns an easy split)."""

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


def test_detector_learns_an_easy_split_and_reloads():
    detector, history = recipes.train_fake_detector(strokes(512), blobs(512), max_epochs=8,
                                                    patience=2, min_delta=0.0,
                                                    name="unit_detector")
    assert 1 <= len(history["val_auroc"]) <= 8
    real_scores, fake = fake_scores(detector, strokes(200, seed=1)), \
        fake_scores(detector, blobs(200, seed=1))
    assert real_scores.shape == (200,) and 0 <= real_scores.min() and fake.max() <= 1
    assert auroc(fake, real_scores) > 0.9
    assert (checkpoint_dir("unit_detector") / "best.weights.h5").exists()
    reloaded, again = recipes.train_fake_detector(strokes(512), blobs(512), max_epochs=8,
                                                  patience=2, min_delta=0.0,
                                                  name="unit_detector", require_trained=True)
    assert again == history  # reloaded, nothing trained
    np.testing.assert_array_equal(fake_scores(reloaded, blobs(8)), fake_scores(detector, blobs(8)))


def test_detector_stops_after_patience_epochs_without_a_rise():
    # With min_delta 1, no epoch after the first can count as a rise: patience 2 stops at 3.
    _, history = recipes.train_fake_detector(strokes(64), blobs(64), max_epochs=6, patience=2,
                                             min_delta=1.0, name="unit_detector_stop")
    assert len(history["val_auroc"]) == 3


def test_best_epoch_counts_only_rises_above_min_delta():
    assert recipes.gan_applications.best_epoch([0.5, 0.9, 0.905, 0.95], 0.01) == 3
    assert recipes.gan_applications.best_epoch([0.5, 0.9, 0.905, 0.909], 0.01) == 1
    with pytest.raises(ValueError, match="validation_share"):
        recipes.train_fake_detector(strokes(4), blobs(4), max_epochs=1, patience=1,
                                    validation_share=0.01, name="unit_detector_bad")


def test_translator_variants_and_the_paired_translator(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    x_a, x_b = images(32), images(32, seed=1)
    nocycle = recipes.lesson_cyclegan(x_a, x_b, variant="nocycle", verbose=0).model
    assert nocycle.cycle_weight == 0.0 and nocycle.identity_weight == 5.0 and nocycle.coordinates
    nocoord = recipes.lesson_cyclegan(x_a, x_b, variant="nocoord", verbose=0).model
    assert nocoord.cycle_weight == 10.0 and nocoord.identity_weight == 5.0
    assert not nocoord.coordinates
    assert (checkpoint_dir(recipes.NOCOORD_RUN) / "state.json").exists()
    with pytest.raises(ValueError, match="variant: got 'cycle10'"):
        recipes.lesson_cyclegan(x_a, x_b, variant="cycle10")
    paired, history = recipes.paired_translator(x_a, verbose=0)
    assert len(history["loss"]) == recipes.gan_applications_plan()["cycle_epochs"]
    assert paired.predict(x_a[:2], verbose=0).shape == (2, 28, 28, 1)
    assert (checkpoint_dir(recipes.PAIRED_RUN) / "state.json").exists()


def test_detector_data_names_bad_images():
    with pytest.raises(ValueError, match="real: got uint8 images"):
        recipes.detector_data((strokes(2) * 255).astype(np.uint8), blobs(2))


def test_clothes_cgan_trains_each_upsampling_under_its_own_run(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    x, y = images(32), np.arange(32) % 10
    model, history = recipes.clothes_cgan(x, y, upsampling="resize", verbose=0)
    assert model.upsampling == "resize"
    assert len(history["d_loss"]) == recipes.gan_applications_plan()["clothes_epochs"]
    assert (checkpoint_dir(recipes.CLOTHES_RUNS["resize"]) / "state.json").exists()
    assert not (checkpoint_dir(recipes.CLOTHES_RUNS["transpose"]) / "state.json").exists()
    with pytest.raises(recipes.NotTrainedError):
        recipes.clothes_cgan(x, y, require_trained=True)
    with pytest.raises(ValueError, match="upsampling: got 'bilinear'"):
        recipes.clothes_cgan(x, y, upsampling="bilinear")
