"""Lesson 05's variational autoencoder (Kingma & Welling 2014, "Auto-Encoding Variational Bayes").

The encoder maps an image x to a Gaussian over codes, q(z|x) = N(μ(x), σ²(x)), instead of a
single code. A code drawn from it as z = μ + σ·ε with ε ~ N(0, I) (the reparameterization
trick, `Sampling`, so gradients reach μ and σ) is decoded into a Bernoulli logit per pixel.
Training maximises the evidence lower bound: reconstruct x well while keeping q(z|x) close to
the prior N(0, I), so that codes drawn from the prior decode to new images (`VAE.sample`).

Loss, in nats per image. For a batch of images x with encoder outputs μ(x), log σ²(x) and a
decoder that gives Bernoulli logits for every pixel:

    reconstruction = mean over the batch of  Σ_pixels  −log p(x_pixel | z)   (binary cross-entropy)
    kl             = mean over the batch of  Σ_dims  ½ (μ² + σ² − log σ² − 1)   = KL(q(z|x) ‖ N(0, I))
    loss           = reconstruction + kl_weight · kl

Summing over pixels and latent dimensions before averaging over the batch keeps both terms on the
same scale; with `kl_weight = 1` the loss is the negative ELBO of one image.

`train_step` is written with the kit of `steps` (a `tf.GradientTape`), so the model runs on the
TensorFlow backend only; overriding `compute_loss` instead would be backend-agnostic.
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops
from scipy.special import logsumexp

from ..metrics import LOG_2PI
from ..validation import IMAGE_SHAPE, check_codes, check_images, check_positive_int, check_weight
from .autoencoder import build_decoder, build_encoder
from .steps import apply_gradients, track, unit_images


@keras.saving.register_keras_serializable(package="course_lib")
class Sampling(layers.Layer):
    """z = μ + σ·ε with ε ~ N(0, I): a sample of q(z|x) through which gradients reach μ and log σ²."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def kl_divergence(z_mean, z_log_var):
    """KL(N(μ, σ²) ‖ N(0, I)) per image, summed over latent dimensions: shape (batch,)."""
    return 0.5 * ops.sum(ops.square(z_mean) + ops.exp(z_log_var) - z_log_var - 1.0, axis=-1)


def bernoulli_nll(x, logits):
    """−log p(x | z) per image for a Bernoulli decoder, summed over pixels: shape (batch,).

    Uses the stable form max(l, 0) − l·x + log(1 + e^−|l|) of the binary cross-entropy on logits.
    """
    per_pixel = ops.relu(logits) - logits * x + ops.log1p(ops.exp(-ops.abs(logits)))
    return ops.sum(ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=-1)


def _normal_log_density(z, mean, log_var):
    """log N(z; mean, exp(log_var)) summed over the last axis."""
    return -0.5 * ops.sum(LOG_2PI + log_var + ops.square(z - mean) / ops.exp(log_var), axis=-1)


@keras.saving.register_keras_serializable(package="course_lib")
class VAE(keras.Model):
    """Encoder q(z|x) = N(μ(x), σ²(x)), prior p(z) = N(0, I), Bernoulli decoder p(x|z).

    Images are floats in [0, 1]: binary for an exact likelihood, grey levels as in most tutorials.
    `kl_weight` (c) scales the KL term: 0 gives a plain autoencoder with noise, 1 the ELBO,
    larger values a β-VAE.
    """

    def __init__(self, latent_dim: int = 2, filters=(32, 64), kl_weight: float = 1.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.kl_weight = check_weight(kl_weight, "kl_weight")
        self.filters = tuple(filters)
        self.seed = seed
        self.encoder = build_encoder(latent_dim, self.filters, variational=True)
        self.decoder = build_decoder(latent_dim, self.filters[::-1], output_activation=None)
        self.sampling = Sampling(seed=seed, name="sampling")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")
        # Built on construction (fit never calls the model), so a saved VAE is a built one and
        # `load_model` restores its optimizer state instead of skipping it.
        self.build((None, *IMAGE_SHAPE))

    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_tracker, self.kl_tracker]

    def build(self, input_shape):
        self.sampling.build([(None, self.latent_dim)] * 2)
        self.built = True

    def call(self, x, training=False):
        """Pixel probabilities of the decoded posterior mean (what `reconstruct` returns)."""
        z_mean, _ = self.encoder(x, training=training)
        return ops.sigmoid(self.decoder(z_mean, training=training))

    def compute_losses(self, x, training=False) -> dict:
        """The three terms of the loss for one batch, each in nats per image."""
        z_mean, z_log_var = self.encoder(x, training=training)
        z = self.sampling([z_mean, z_log_var])
        logits = self.decoder(z, training=training)
        reconstruction = ops.mean(bernoulli_nll(x, logits))
        kl = ops.mean(kl_divergence(z_mean, z_log_var))
        return {"loss": reconstruction + self.kl_weight * kl,
                "reconstruction": reconstruction, "kl": kl}

    def train_step(self, data):
        x = unit_images(data, "VAE")
        with tf.GradientTape() as tape:
            losses = self.compute_losses(x, training=True)
        apply_gradients(self.optimizer, tape, losses["loss"], self.trainable_weights)
        return track(self.metrics, losses)

    def test_step(self, data):
        return track(self.metrics, self.compute_losses(unit_images(data, "VAE")))

    # Numpy in, numpy out: what the lessons call.

    def encode(self, x, batch_size: int = 512):
        """Posterior parameters `(z_mean, z_log_var)`, each of shape (n, latent_dim)."""
        z_mean, z_log_var = self.encoder.predict(check_images(x), batch_size=batch_size, verbose=0)
        return z_mean, z_log_var

    def decode(self, z, batch_size: int = 512) -> np.ndarray:
        """Pixel probabilities, shape (n, 28, 28, 1), for codes of shape (n, latent_dim)."""
        z = check_codes(z, self.latent_dim)
        return _sigmoid(self.decoder.predict(z, batch_size=batch_size, verbose=0))

    def reconstruct(self, x, batch_size: int = 512) -> np.ndarray:
        """Decode the posterior mean of each image."""
        z_mean, _ = self.encode(x, batch_size)
        return self.decode(z_mean, batch_size)

    def sample(self, n: int, seed=None) -> np.ndarray:
        """`n` new images: codes drawn from the prior N(0, I), then decoded."""
        n = check_positive_int(n, "n")
        z = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32)
        return self.decode(z)

    def log_likelihood(self, x, k: int = 200, seed: int = 0, batch_size: int = None) -> np.ndarray:
        """Importance-weighted estimate of log p(x) in nats, one value per image (Burda et al.
        2015): log (1/k) Σ_i p(x|z_i) p(z_i) / q(z_i|x) with z_1..z_k ~ q(z|x).

        Exact only in the limit k → ∞, and always ≥ the ELBO on the same samples. `x` must be
        binary for the Bernoulli decoder to define a probability.
        """
        log_w = self._log_weights(x, k, seed, batch_size)
        return (logsumexp(log_w, axis=0) - math.log(log_w.shape[0])).astype(np.float64)

    def elbo(self, x, k: int = 1, seed: int = 0, batch_size: int = None) -> np.ndarray:
        """The evidence lower bound per image in nats, averaged over `k` posterior samples."""
        return self._log_weights(x, k, seed, batch_size).mean(axis=0).astype(np.float64)

    def _log_weights(self, x, k, seed, batch_size):
        """log p(x|z) + log p(z) − log q(z|x) for k posterior samples: shape (k, n)."""
        x = check_images(x, "x")
        k = check_positive_int(k, "k")
        batch_size = check_positive_int(batch_size or max(1, 2048 // k), "batch_size")
        rng = np.random.default_rng(seed)
        chunks = []
        for start in range(0, len(x), batch_size):
            batch = x[start:start + batch_size]
            eps = rng.standard_normal((k, len(batch), self.latent_dim)).astype(np.float32)
            chunks.append(self._log_weight_graph(batch, eps).numpy())
        return np.concatenate(chunks, axis=1)

    @tf.function(reduce_retracing=True)
    def _log_weight_graph(self, x, eps):
        k, n = ops.shape(eps)[0], ops.shape(eps)[1]
        z_mean, z_log_var = self.encoder(x)
        z = z_mean[None] + ops.exp(0.5 * z_log_var)[None] * eps
        logits = self.decoder(ops.reshape(z, (k * n, self.latent_dim)))
        x_k = ops.reshape(ops.tile(x[None], (k, 1, 1, 1, 1)), (k * n, 28, 28, 1))
        log_px_z = -ops.reshape(bernoulli_nll(x_k, logits), (k, n))
        log_pz = _normal_log_density(z, 0.0, ops.zeros_like(z))
        log_qz = _normal_log_density(z, z_mean[None], z_log_var[None])
        return log_px_z + log_pz - log_qz

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "filters": list(self.filters),
                "kl_weight": self.kl_weight, "seed": self.seed}


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return (0.5 * (1.0 + np.tanh(0.5 * logits))).astype(np.float32)
