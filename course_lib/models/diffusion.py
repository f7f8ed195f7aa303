"""Lesson 08: denoising diffusion (Ho et al. 2020, "Denoising Diffusion Probabilistic Models").

The forward process noises an image x_0 in T small steps; its closed form is
q(x_t | x_0) = N(√ᾱ_t · x_0, (1 − ᾱ_t) · I), with ᾱ_t the share of signal kept at step t.
A network ε_θ(x_t, t) learns to predict the noise ε that made x_t: a denoiser for every noise
level. Sampling starts from pure noise and removes the predicted noise step by step, either with
the deterministic DDIM update (Song et al. 2021, "Denoising Diffusion Implicit Models", η = 0)
or with fresh noise at each step (η = 1, DDPM's ancestral sampler on a shorter schedule).

Images are in [0, 1] as everywhere in the course; the model works on 2x − 1 (values in
[−1, 1], the scale the noise has) and hands back images in [0, 1]. The same `Diffusion` class
works on any data shape: lesson 08's latent diffusion runs it on the VAE's codes with
`build_mlp_denoiser` as the network.
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from ..validation import IMAGE_SHAPE, check_feature_batch, check_images, check_positive_int
from .steps import apply_gradients, track, unit_images

TIMESTEPS = 1000
SCHEDULES = ("linear", "cosine")


def signal_schedule(kind: str = "linear", timesteps: int = TIMESTEPS) -> np.ndarray:
    """ᾱ_t for t = 0 … T−1: the share of the clean signal's variance left at step t.

    - "linear": β_t rises linearly from 1e-4 to 0.02 (Ho et al. 2020), ᾱ_t = Π (1 − β_s);
    - "cosine": ᾱ_t = cos²((t/T + s)/(1 + s) · π/2) / cos²(s/(1 + s) · π/2), s = 0.008, with
      each step's β capped at 0.999 (Nichol & Dhariwal 2021, "Improved DDPM").
    """
    timesteps = check_positive_int(timesteps, "timesteps")
    if kind == "linear":
        betas = np.linspace(1e-4, 0.02, timesteps, dtype=np.float64)
    elif kind == "cosine":
        s = 0.008
        f = np.cos((np.arange(timesteps + 1) / timesteps + s) / (1 + s) * np.pi / 2) ** 2
        betas = np.minimum(1 - f[1:] / f[:-1], 0.999)
    else:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {kind!r}")
    return np.cumprod(1 - betas).astype(np.float32)


def noise_to_step(x0, t, noise, alpha_bar):
    """x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε: a draw from q(x_t | x_0) in one line (works on numpy
    arrays and tensors; `t` holds one integer step per example)."""
    a = ops.take(ops.convert_to_tensor(alpha_bar), t)
    a = ops.reshape(a, (-1,) + (1,) * (len(ops.shape(x0)) - 1))
    return ops.sqrt(a) * x0 + ops.sqrt(1.0 - a) * noise


@keras.saving.register_keras_serializable(package="course_lib")
class StepEmbedding(layers.Layer):
    """Sinusoidal embedding of the step t (Vaswani et al. 2017's positions, as in DDPM):
    `dim` numbers sin(t·f_k), cos(t·f_k) at frequencies from 1 to 1/10,000."""

    def __init__(self, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.dim = check_positive_int(dim, "dim")
        if self.dim % 2:
            raise ValueError(f"dim must be even, got {dim}")

    def call(self, t):
        half = self.dim // 2
        freqs = ops.exp(-math.log(10_000.0) * ops.arange(half, dtype="float32") / half)
        angles = ops.cast(ops.reshape(t, (-1, 1)), "float32") * freqs[None, :]
        return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}


def _conditioning(dim, time_dtype, classes):
    """The inputs that condition a network, and their embedding every block receives: the step
    or time t (sinusoidal embedding, then two dense layers) plus, with `classes` > 0, a learned
    embedding of a class label in 0 … classes, where `classes` itself means "no label"."""
    t_in = keras.Input((), dtype=time_dtype, name="t")
    e = StepEmbedding(dim)(t_in)
    e = layers.Dense(dim * 4, activation="swish")(e)
    e = layers.Dense(dim * 4, activation="swish")(e)
    if not classes:
        return [t_in], e
    label_in = keras.Input((), dtype="int32", name="label")
    e = e + layers.Embedding(classes + 1, dim * 4, name="label_embedding")(label_in)
    return [t_in, label_in], e


def _res_block(x, emb, width, groups):
    """Two 3×3 convolutions with the step's embedding added in between, plus a skip path."""
    skip = x if x.shape[-1] == width else layers.Conv2D(width, 1)(x)
    h = x
    if groups:
        h = layers.GroupNormalization(groups)(h)
    h = layers.Conv2D(width, 3, padding="same", activation="swish")(h)
    h = h + layers.Reshape((1, 1, width))(layers.Dense(width)(emb))
    if groups:
        h = layers.GroupNormalization(groups)(h)
    h = layers.Conv2D(width, 3, padding="same", activation="swish")(h)
    return skip + h


def build_unet(widths=(16, 32, 64), groups: int = 8, name: str = "unet", classes: int = 0,
               time_dtype: str = "int32"):
    """ε_θ(x_t, t) for 28×28×1 images: a small U-Net (Ronneberger et al. 2015) with one residual
    block per resolution (28 → 14 → 7, two at 7×7), skip connections from each resolution on the
    way down to the same one on the way up, and the step t fed to every block.

    Inputs: `x_t` (n, 28, 28, 1) and `t` (n,) integer steps (`time_dtype="float32"`: any
    numbers, as lesson 09 feeds 1000·t for t in [0, 1]), and with `classes` > 0 a `label` (n,)
    in 0 … classes (`classes` itself: no label); output: same shape as `x_t` (lesson 08: the
    predicted noise; lesson 09: the velocity). `groups=0` removes the group normalisation.
    """
    if len(widths) != 3:
        raise ValueError(f"widths: expected three numbers (28, 14 and 7 px), got {widths!r}")
    x_in = keras.Input(IMAGE_SHAPE, name="x_t")
    conditions, emb = _conditioning(widths[0], time_dtype, classes)
    h = layers.Conv2D(widths[0], 3, padding="same")(x_in)
    skips = []
    for level, width in enumerate(widths):
        h = _res_block(h, emb, width, groups)
        if level < len(widths) - 1:
            skips.append(h)
            h = layers.Conv2D(width, 3, strides=2, padding="same")(h)
    h = _res_block(h, emb, widths[-1], groups)
    for width, skip in zip(reversed(widths[:-1]), reversed(skips)):
        h = layers.UpSampling2D(2)(h)
        h = layers.Concatenate()([h, skip])
        h = _res_block(h, emb, width, groups)
    out = layers.Conv2D(1, 3, padding="same", kernel_initializer="zeros", name="noise")(h)
    return keras.Model([x_in, *conditions], out, name=name)


def build_mlp_denoiser(dim: int, width: int = 256, depth: int = 3, name: str = "mlp_denoiser",
                       classes: int = 0, time_dtype: str = "int32"):
    """ε_θ(z_t, t) for vectors of `dim` numbers (e.g. a VAE's codes): `depth` dense layers of
    `width` units, each with the step's embedding added, and a residual connection per layer.
    `classes` and `time_dtype` as for `build_unet`."""
    dim = check_positive_int(dim, "dim")
    z_in = keras.Input((dim,), name="x_t")
    conditions, emb = _conditioning(32, time_dtype, classes)
    h = layers.Dense(width)(z_in)
    for _ in range(check_positive_int(depth, "depth")):
        u = layers.LayerNormalization()(h)
        u = layers.Dense(width, activation="swish")(layers.Add()([u, layers.Dense(width)(emb)]))
        h = h + layers.Dense(width)(u)
    out = layers.Dense(dim, kernel_initializer="zeros", name="noise")(h)
    return keras.Model([z_in, *conditions], out, name=name)


class AveragedNetworks(keras.Model):
    """What lesson 08's and lesson 09's generators share: a `network` trained by `train_step`,
    an `ema_network` holding the exponential moving average of its weights (the one that
    samples), a seed generator for the noise of training, and the data's scale: images in
    [0, 1] are worked on as 2x − 1, vectors of `data_shape` as they are.

    A subclass sets its own settings after `super().__init__`, then calls `build_networks()`,
    and defines `_build_network()` (a fresh network) and `train_step`.
    """

    def __init__(self, ema_decay: float = 0.999, data_shape=None, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= ema_decay < 1.0:
            raise ValueError(f"ema_decay must lie in [0, 1), got {ema_decay!r}")
        self.ema_decay, self.seed = float(ema_decay), int(seed)
        self.data_shape = None if data_shape is None else tuple(int(d) for d in data_shape)

    def build_networks(self):
        """Create the network, its average (starting equal to it) and the training state."""
        self.network, self.ema_network = self._build_network(), self._build_network()
        self.ema_network.set_weights(self.network.get_weights())
        self.ema_network.trainable = False
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.trackers = [keras.metrics.Mean(name="loss")]
        self.built = True

    @property
    def metrics(self):
        return self.trackers

    def call(self, inputs, training=False):
        return self.network(inputs, training=training)

    def _to_model_space(self, data):
        if self.data_shape is None:
            return unit_images(data, type(self).__name__) * 2.0 - 1.0
        return ops.cast(data[0] if isinstance(data, (tuple, list)) else data, "float32")

    def update_ema(self):
        """Move each averaged weight toward the network's: e ← d·e + (1 − d)·w, with the
        warm-up d = min(ema_decay, (1 + k)/(10 + k)) at optimizer step k."""
        k = ops.cast(self.optimizer.iterations, "float32")
        decay = ops.minimum(self.ema_decay, (1.0 + k) / (10.0 + k))
        for ema, weight in zip(self.ema_network.weights, self.network.weights):
            ema.assign(decay * ema + (1.0 - decay) * weight)

    @tf.function(reduce_retracing=True)
    def _ema_predict(self, inputs):
        return self.ema_network(inputs, training=False)

    def _from_model_space(self, x):
        if self.data_shape is None:
            return np.clip((x + 1.0) / 2.0, 0.0, 1.0).astype(np.float32)
        return x.astype(np.float32)

    def check_data(self, x) -> np.ndarray:
        """Training data as this model expects it: images in [0, 1], or vectors of its shape."""
        if self.data_shape is None:
            return check_images(x, "x")
        return check_feature_batch(x, "x", feature_shape=self.data_shape)

    def get_config(self):
        return {**super().get_config(), "ema_decay": self.ema_decay, "seed": self.seed,
                "data_shape": None if self.data_shape is None else list(self.data_shape)}


@keras.saving.register_keras_serializable(package="course_lib")
class Diffusion(AveragedNetworks):
    """A denoising diffusion model: `network` predicts the noise in x_t; `ema_network` holds an
    exponential moving average of its weights, which is what samples.

    `fit(images)` takes images in [0, 1] (or, with `data_shape`, vectors of any scale: lesson 08
    standardises the VAE's codes first). One training step draws t and ε, makes x_t and
    regresses ε, then updates the average with decay min(ema_decay, (1 + k)/(10 + k)) at step
    k: the warm-up lets the average follow the fast early changes instead of remembering the
    random initial weights for thousands of steps.
    """

    def __init__(self, widths=(16, 32, 64), groups: int = 8, schedule: str = "linear",
                 timesteps: int = TIMESTEPS, ema_decay: float = 0.999, data_shape=None,
                 seed: int = 0, **kwargs):
        super().__init__(ema_decay=ema_decay, data_shape=data_shape, seed=seed, **kwargs)
        self.widths, self.groups = tuple(int(w) for w in widths), int(groups)
        self.schedule, self.timesteps = schedule, check_positive_int(timesteps, "timesteps")
        self.alpha_bar = signal_schedule(schedule, self.timesteps)
        self.build_networks()

    def _build_network(self):
        if self.data_shape is None:
            return build_unet(self.widths, self.groups)
        return build_mlp_denoiser(int(np.prod(self.data_shape)), width=self.widths[0])

    def noisy_batch(self, x0):
        """(x_t, t, ε) for a batch of clean data x_0: a random step t per example and standard
        normal noise ε, both drawn from the model's seed generator, and x_t made from them."""
        t = keras.random.randint((ops.shape(x0)[0],), 0, self.timesteps, seed=self.seed_generator,
                                 dtype="int32")
        noise = keras.random.normal(ops.shape(x0), seed=self.seed_generator)
        return noise_to_step(x0, t, noise, self.alpha_bar), t, noise

    def train_step(self, data):
        x_t, t, noise = self.noisy_batch(self._to_model_space(data))
        with tf.GradientTape() as tape:
            loss = ops.mean(ops.square(noise - self.network([x_t, t], training=True)))
        apply_gradients(self.optimizer, tape, loss, self.network.trainable_weights)
        self.update_ema()
        return track(self.metrics, {"loss": loss})

    def test_step(self, data):
        """The loss of the averaged network (the one that samples) on a fresh draw of t and ε."""
        x_t, t, noise = self.noisy_batch(self._to_model_space(data))
        loss = ops.mean(ops.square(noise - self.ema_network([x_t, t], training=False)))
        return track(self.metrics, {"loss": loss})

    def sample_steps(self, steps: int) -> np.ndarray:
        """The `steps` noise levels a sampler visits, from T − 1 down to 0, evenly spaced."""
        steps = check_positive_int(steps, "steps")
        if steps > self.timesteps:
            raise ValueError(f"steps must be between 1 and the model's {self.timesteps} "
                             f"timesteps, got {steps}")
        return np.linspace(self.timesteps - 1, 0, steps).round().astype(int)

    def sample(self, n: int, steps: int = 25, eta: float = 0.0, seed: int = 0,
               batch_size: int = 1000, frames: int = 0):
        """`n` samples from pure noise in `steps` denoising steps (same seed, same samples).

        eta = 0 is DDIM's deterministic update; eta = 1 adds DDPM's fresh noise at every step.
        Returns images in [0, 1] (or vectors, for a `data_shape` model); with `frames` > 0 also
        that many snapshots of the first batch along the chain, shape (frames, b, …).
        """
        n = check_positive_int(n, "n")
        if not 0.0 <= eta <= 1.0:
            raise ValueError(f"eta must lie in [0, 1] (0: DDIM, 1: DDPM), got {eta!r}")
        ts = self.sample_steps(steps)
        rng = np.random.default_rng(seed)
        shape = self.data_shape or IMAGE_SHAPE
        outputs, chain = [], []
        for start in range(0, n, batch_size):
            x = rng.standard_normal((min(batch_size, n - start),) + shape).astype(np.float32)
            keep = np.linspace(0, len(ts), frames).round().astype(int) if start == 0 else []
            for i, t in enumerate(ts):
                if i in keep:
                    chain.append(x)
                x = self.denoise_step(x, t, ts[i + 1] if i + 1 < len(ts) else -1, eta, rng)
            if len(ts) in keep:
                chain.append(x)
            outputs.append(x)
        result = self._from_model_space(np.concatenate(outputs))
        if frames:
            return result, self._from_model_space(np.stack(chain))
        return result

    def denoise_step(self, x_t, t: int, t_prev: int, eta: float, rng) -> np.ndarray:
        """One step of the generalized sampler from step t to step t_prev (−1: the clean data):
        predict ε, estimate (x̂_0, ε̂) with `estimate_clean`, then
        x_prev = √ᾱ_prev · x̂_0 + √(1 − ᾱ_prev − σ²) · ε̂ + σ · z,
        σ = eta · √((1 − ᾱ_prev)/(1 − ᾱ_t) · (1 − ᾱ_t/ᾱ_prev))."""
        a_t = float(self.alpha_bar[t])
        a_prev = float(self.alpha_bar[t_prev]) if t_prev >= 0 else 1.0
        x0, eps = self.estimate_clean(x_t, self._predict_noise(x_t, t), t)
        sigma = eta * math.sqrt((1.0 - a_prev) / (1.0 - a_t) * (1.0 - a_t / a_prev))
        x_prev = math.sqrt(a_prev) * x0 + math.sqrt(max(1.0 - a_prev - sigma ** 2, 0.0)) * eps
        if sigma > 0:
            x_prev = x_prev + sigma * rng.standard_normal(x_t.shape).astype(np.float32)
        return x_prev.astype(np.float32)

    def estimate_clean(self, x_t, eps, t: int):
        """(x̂_0, ε̂): the clean data and the noise that x_t = √ᾱ_t · x̂_0 + √(1 − ᾱ_t) · ε̂
        splits into, given the predicted noise `eps`. For images x̂_0 is clipped to the data
        range [−1, 1] and ε̂ re-derived from the clipped x̂_0, so the pair still adds up to x_t.
        (Clipping x̂_0 but keeping the predicted ε, as this sampler first did, breaks that sum
        wherever the clip acts; at t = 999, √ᾱ ≈ 0.006 magnifies any error in ε 158 times in
        x̂_0, so the clip acts on most pixels, and DDIM got worse with more steps.)"""
        x0 = self.clean_from_noise(x_t, eps, t)
        if self.data_shape is not None:
            return x0, eps
        x0 = np.clip(x0, -1.0, 1.0)
        return x0, self.noise_from_clean(x_t, x0, t)

    def clean_from_noise(self, x_t, eps, t: int):
        """x_0 = (x_t − √(1 − ᾱ_t) · ε) / √ᾱ_t: the clean data x_t holds, given its noise ε."""
        a_t = float(self.alpha_bar[t])
        return (x_t - math.sqrt(1.0 - a_t) * eps) / math.sqrt(a_t)

    def noise_from_clean(self, x_t, x0, t: int):
        """ε = (x_t − √ᾱ_t · x_0) / √(1 − ᾱ_t): the noise x_t holds, given its clean data x_0."""
        a_t = float(self.alpha_bar[t])
        return (x_t - math.sqrt(a_t) * x0) / math.sqrt(1.0 - a_t)

    def _predict_noise(self, x_t, t: int) -> np.ndarray:
        steps = np.full((len(x_t),), t, dtype=np.int32)
        return np.asarray(self._ema_predict([tf.constant(x_t), tf.constant(steps)]))

    def get_config(self):
        return {**super().get_config(), "widths": list(self.widths), "groups": self.groups,
                "schedule": self.schedule, "timesteps": self.timesteps}


class LatentDiffusion:
    """A diffusion model over a VAE's standardised codes, and the VAE that decodes its samples
    (Rombach et al. 2022's latent diffusion, in miniature): sample codes, undo the
    standardisation with the codes' `mean` and `std`, decode."""

    def __init__(self, diffusion: Diffusion, vae, mean, std):
        self.diffusion, self.vae = diffusion, vae
        self.mean, self.std = mean, std

    def generate(self, n: int, steps: int = 50, seed: int = 0) -> np.ndarray:
        """`n` images in [0, 1]: the codes of `sample_codes`, decoded by the VAE."""
        return self.vae.decode(self.sample_codes(n, steps=steps, seed=seed))

    def sample_codes(self, n: int, steps: int = 50, seed: int = 0) -> np.ndarray:
        """`n` codes in the VAE's latent space, sampled by DDIM in `steps` steps."""
        return self.diffusion.sample(n, steps=steps, seed=seed) * self.std + self.mean
