"""A battery of wrong inputs over the public functions of `course_lib` (issue 8): each call
raises an error whose message says what was wrong and what was expected, and a failed call
leaves checkpoints in place. `check_images` itself is tested in tests/test_validation.py,
corrupted and missing data files in tests/test_data.py, unwritable and corrupt checkpoint
folders in tests/test_training.py; here the checks are exercised through the public API."""

import errno

import numpy as np
import pytest

from course_lib import baselines, data, latent, metrics
from course_lib.config import seed_everything
from course_lib.models.autoencoder import Autoencoder, DenoisingAutoencoder
from course_lib.models.classifiers import GaussianClassifier
from course_lib.models.gan import GAN
from course_lib.models.vae import VAE
from course_lib.recipes import train_cnn_classifier
from course_lib.training import CheckpointError, fit_resumable

GOOD = np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)
NAN = GOOD.copy()
NAN[0, 3, 3, 0] = np.nan
BAD_IMAGES = {
    "uint8": ((GOOD * 255).astype(np.uint8), "uint8 images.*expected floats in \\[0, 1\\]"),
    "0-255 floats": (GOOD * 255, "values span.*expected values in \\[0, 1\\]"),
    "no channel axis": (GOOD[..., 0], "channel axis is missing"),
    "32x32": (np.zeros((8, 32, 32, 1), np.float32), "got shape \\(8, 32, 32, 1\\); expected \\(n, 28, 28, 1\\)"),
    "NaN": (NAN, "NaN or infinite.*expected finite"),
    "empty": (np.zeros((0, 28, 28, 1), np.float32), "expected at least one"),
}


@pytest.fixture(scope="module")
def models():
    seed_everything(0)
    found = {"ae": Autoencoder(4, filters=(4, 8)), "vae": VAE(2, filters=(4, 8)), "gan": GAN(8)}
    found["ae"].compile(optimizer="adam", loss="binary_crossentropy")
    found["vae"].compile(optimizer="adam")
    found["gan"].compile()
    return found


IMAGE_CALLS = {
    "data.add_noise": lambda m, x, w: data.add_noise(x, 0.1),
    "data.binarize": lambda m, x, w: data.binarize(x),
    "data.make_outliers": lambda m, x, w: data.make_outliers(x),
    "metrics.mse_per_pixel": lambda m, x, w: metrics.mse_per_pixel(x, x),
    "baselines.pca_reconstruct": lambda m, x, w: baselines.pca_reconstruct(x, GOOD, k=2),
    "metrics.nearest_images": lambda m, x, w: metrics.nearest_images(x, GOOD),
    "Autoencoder.encode": lambda m, x, w: m["ae"].encode(x),
    "VAE.encode": lambda m, x, w: m["vae"].encode(x),
    "VAE.log_likelihood": lambda m, x, w: m["vae"].log_likelihood(x, k=2),
    "GAN.discriminate": lambda m, x, w: m["gan"].discriminate(x),
    "fit_resumable(VAE)": lambda m, x, w: fit_resumable(m["vae"], x, epochs=1, workdir=w),
    "fit_resumable(GAN)": lambda m, x, w: fit_resumable(m["gan"], x, epochs=1, workdir=w),
    "fit_resumable(Autoencoder)": lambda m, x, w: fit_resumable(m["ae"], x, x, epochs=1,
                                                             workdir=w),
}


@pytest.mark.parametrize("bad", BAD_IMAGES)
@pytest.mark.parametrize("call", IMAGE_CALLS)
def test_bad_images_are_refused_with_what_was_expected(models, tmp_path, call, bad):
    x, message = BAD_IMAGES[bad]
    with pytest.raises(ValueError, match=message):
        IMAGE_CALLS[call](models, x, tmp_path)
    assert not (tmp_path / "state.json").exists()  # nothing was checkpointed


SIZE_CALLS = {
    "Autoencoder(latent_dim)": (lambda m, v, w: Autoencoder(v), "latent_dim"),
    "DenoisingAutoencoder(latent_dim)": (lambda m, v, w: DenoisingAutoencoder(v), "latent_dim"),
    "VAE(latent_dim)": (lambda m, v, w: VAE(v), "latent_dim"),
    "GAN(noise_dim)": (lambda m, v, w: GAN(v), "noise_dim"),
    "VAE.sample(n)": (lambda m, v, w: m["vae"].sample(v), "n"),
    "VAE.log_likelihood(k)": (lambda m, v, w: m["vae"].log_likelihood(GOOD[:2], k=v), "k"),
    "GAN.generate(n)": (lambda m, v, w: m["gan"].generate(v), "n"),
    "baselines.pca_reconstruct(k)": (lambda m, v, w: baselines.pca_reconstruct(GOOD, GOOD, k=v), "k"),
    "metrics.compression_ratio(k)": (lambda m, v, w: metrics.compression_ratio(v), "k"),
    "latent.latent_grid(n)": (lambda m, v, w: latent.latent_grid(GOOD[:, 0, :2, 0], n=v), "n"),
    "data.make_dataset(batch_size)": (lambda m, v, w: data.make_dataset(GOOD, batch_size=v), "batch_size"),
    "data.load_mnist(n_train)": (lambda m, v, w: data.load_mnist(n_train=v), "n_train"),
    "fit_resumable(epochs)": (lambda m, v, w: fit_resumable(m["vae"], GOOD, epochs=v, workdir=w), "epochs"),
    "fit_resumable(batch_size)": (lambda m, v, w: fit_resumable(m["vae"], GOOD, epochs=1,
                                                             batch_size=v, workdir=w), "batch_size"),
}


@pytest.mark.parametrize("value", [0, -2, 2.5])
@pytest.mark.parametrize("call", SIZE_CALLS)
def test_non_positive_or_fractional_sizes(models, tmp_path, call, value):
    fn, name = SIZE_CALLS[call]
    with pytest.raises(ValueError, match=f"^{name} must be a whole number >= 1, got {value}"):
        fn(models, value, tmp_path)


@pytest.mark.parametrize("call, message", [
    (lambda m, w: m["ae"].decode(np.zeros((3, 5))), "z: got shape \\(3, 5\\); expected codes of shape \\(n, 4\\)"),
    (lambda m, w: m["ae"].decode(np.full((3, 4), np.nan)), "z: contains NaN.*expected finite codes"),
    (lambda m, w: m["vae"].decode(np.zeros((3, 5))), "z: got shape \\(3, 5\\); expected codes of shape \\(n, 2\\)"),
    (lambda m, w: m["vae"].decode(np.full((3, 2), np.inf)), "expected finite codes"),
    (lambda m, w: metrics.frechet_distance(np.full((5, 3), np.nan), np.zeros((5, 3))), "NaN.*expected finite"),
    (lambda m, w: metrics.auroc([np.nan, 1.0], [0.5]), "NaN.*expected finite"),
    (lambda m, w: metrics.continuity(np.full((3, 3, 28, 28, 1), np.nan)), "NaN.*expected finite"),
    (lambda m, w: data.add_noise(GOOD, -1), "sigma must be a finite number >= 0"),
    (lambda m, w: data.make_dataset(GOOD, np.arange(3)), "8 examples but y has 3; expected the same"),
    (lambda m, w: fit_resumable(m["ae"], GOOD, GOOD[:3], epochs=1, workdir=w), "8 examples but y has 3"),
    (lambda m, w: fit_resumable(m["ae"], np.full((4, 3), np.nan), np.ones((4, 1)), epochs=1,
                             workdir=w), "NaN or infinite values; expected finite"),
], ids=["ae-decode-shape", "ae-decode-nan", "vae-decode-shape", "vae-decode-inf", "frechet-nan",
        "auroc-nan", "continuity-nan", "negative-sigma", "dataset-lengths", "fit-lengths", "fit-nan"])
def test_other_bad_values(models, tmp_path, call, message):
    with pytest.raises(ValueError, match=message):
        call(models, tmp_path)
    assert not (tmp_path / "state.json").exists()  # nothing was checkpointed


@pytest.mark.parametrize("labels, message", [
    (np.array([0, 1, 2, 3, 4, 5, 6, 10]), "values span \\[0, 10\\]; expected class indices in \\[0, 9\\]"),
    (np.array([0, 1, 2, 3, 4, 5, 6, -1]), "values span \\[-1, 6\\]; expected class indices in \\[0, 9\\]"),
])
def test_labels_out_of_range(labels, message):
    with pytest.raises(ValueError, match=message):
        train_cnn_classifier(GOOD, labels, epochs=1)
    with pytest.raises(ValueError, match=message):
        GaussianClassifier(n_classes=10, reg=0.1).fit(GOOD, labels)
    with pytest.raises(ValueError, match="labels: values must lie in \\[0, 9\\]"):
        metrics.class_histogram(labels)


def test_full_disk_keeps_the_previous_checkpoint(models, tmp_path, monkeypatch):
    x = GOOD
    fit_resumable(models["ae"], x, x, epochs=1, batch_size=4, workdir=tmp_path, verbose=0)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(models["ae"], "save_weights", disk_full)
    with pytest.raises(CheckpointError, match="No space left.*previous checkpoint is still there"):
        fit_resumable(models["ae"], x, x, epochs=2, batch_size=4, workdir=tmp_path, verbose=0)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if not p.name.startswith("tmp-")}
    assert after == before
