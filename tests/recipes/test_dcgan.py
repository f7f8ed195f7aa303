"""Lesson 06's recipe: one DCGAN run, one generator file, read by lessons 07 and 08."""

import json

import keras
import numpy as np
import pytest

from course_lib import recipes
from course_lib.config import checkpoint_dir, model_path, seed_everything
from course_lib.models.classifiers import build_cnn_classifier
from course_lib.models.gan import HingeGAN


def images(n=32, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def test_the_lesson_run_keeps_its_record_and_saves_the_one_generator_file(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    seed_everything(0)
    build_cnn_classifier().save(model_path(recipes.CNN_FILE))  # a stand-in reference CNN
    with pytest.raises(recipes.NotTrainedError, match="run lesson 06"):
        recipes.dcgan_generator()
    gan, history = recipes.lesson_dcgan(verbose=0)
    # The lesson's D is the batch-normalized one that won benchmarks/dcgan.py (history.md).
    assert gan.discriminator_options == {"batch_norm": True}
    assert any(isinstance(layer, keras.layers.BatchNormalization) for layer in gan.discriminator.layers)
    epochs = recipes.dcgan_plan()["epochs"]
    assert len(history["d_loss"]) == len(history["frechet"]) == epochs
    workdir = checkpoint_dir(recipes.DCGAN_RUN)
    assert len(list((workdir / "progress").glob("epoch_*.png"))) == epochs
    assert (workdir / "progress" / "progress.gif").exists()
    assert set(json.loads((workdir / "batch_losses.json").read_text())["epoch"]) == set(range(epochs))
    noise = recipes.progress_noise()[:3]
    np.testing.assert_allclose(recipes.dcgan_generator().predict(noise, verbose=0),
                               gan.generator.predict(noise, verbose=0), atol=1e-6)
    assert recipes.lesson_dcgan(verbose=0, require_trained=True).history == history


def test_another_budget_has_its_own_run_and_leaves_the_lessons_file_alone(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    trained = recipes.train_dcgan(images(), epochs=1, name="unit_dcgan", verbose=0)
    assert len(trained.history["g_loss"]) == 1
    assert not model_path(recipes.DCGAN_FILE).exists()


def test_the_run_and_file_names_are_the_ones_on_disk_from_earlier_runs():
    assert (recipes.DCGAN_RUN, recipes.DCGAN_FILE) == ("lesson06_dcgan", "dcgan_generator.keras")
    assert recipes.CNN_RUN == "lesson01_cnn"


def test_the_plan_is_lesson_06s_budget(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "0")
    assert recipes.dcgan_plan() == {"n_train": None, "n_test": None, "epochs": 8, "batch_size": 128,
                                    "n_score": 5000}


def test_a_run_can_train_another_gan_class(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    trained = recipes.train_dcgan(images(), epochs=1, name="unit_dcgan_hinge", verbose=0,
                                  gan_class=HingeGAN)
    assert type(trained.model) is HingeGAN and len(trained.history["d_loss"]) == 1
