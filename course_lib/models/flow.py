"""Lesson 09: flow matching (Lipman et al. 2023, "Flow Matching for Generative Modeling"; Liu
et al. 2023, "Flow Straight and Fast", rectified flow) with classifier-free guidance (Ho &
Salimans 2022).

Data x_0 and noise ε are joined by a straight line, x_t = (1 − t)·x_0 + t·ε for t in [0, 1],
travelled at the constant velocity ε − x_0. A network v_θ(x_t, t) regresses that velocity;
generating solves dx/dt = v_θ(x, t) backwards from pure noise at t = 1 to data at t = 0 with a
few Euler or Heun steps. The network is lesson 08's U-Net (fed 1000·t, so its step embedding
sees the range it was built for) and, for guidance, a class label that training replaces by a
"no label" token on a share of the examples; sampling then mixes the two velocities,
v = v_∅ + w·(v_y − v_∅).
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ..validation import IMAGE_SHAPE, check_images, check_labels, check_positive_int
from .diffusion import AveragedNetworks, build_mlp_denoiser, build_unet
from .steps import apply_gradients, track

TIME_SCALE = 1000.0  # t in [0, 1] reaches the network as 1000·t, the range of lesson 08's steps
METHODS = ("euler", "heun")


def straight_path(x0, noise, t):
    """x_t = (1 − t)·x_0 + t·ε: the point a fraction t of the way from the data to the noise
    (`t` holds one number per example; works on numpy arrays and tensors)."""
    t = ops.reshape(ops.cast(t, "float32"), (-1,) + (1,) * (len(ops.shape(x0)) - 1))
    return (1.0 - t) * x0 + t * noise


def velocity_target(x0, noise):
    """dx_t/dt = ε − x_0: the velocity along the straight path, the same at every t."""
    return noise - x0


def guided_velocity(v_uncond, v_cond, w: float):
    """Classifier-free guidance: v_∅ + w·(v_y − v_∅). w = 0 is the unconditional velocity,
    w = 1 the conditional one, w > 1 pushes further toward the class."""
    return v_uncond + w * (v_cond - v_uncond)


def euler_step(velocity, x, t: float, t_next: float):
    """One Euler step of dx/dt = velocity(x, t) from t to t_next."""
    return x + (t_next - t) * velocity(x, t)


def heun_step(velocity, x, t: float, t_next: float):
    """One Heun step (second order): an Euler step as a trial, then the mean of the velocities at
    both ends."""
    v = velocity(x, t)
    trial = x + (t_next - t) * v
    return x + (t_next - t) * 0.5 * (v + velocity(trial, t_next))


STEPPERS = {"euler": euler_step, "heun": heun_step}


@keras.saving.register_keras_serializable(package="course_lib")
class FlowMatching(AveragedNetworks):
    """A flow-matching generator, unconditional (`classes=0`) or class-conditional with
    classifier-free guidance (`classes` > 0: `fit(x, y)` with labels in 0 … classes − 1, each
    replaced by the "no label" token `classes` with probability `label_dropout`).

    The training step draws t ~ U(0, 1) and ε ~ N(0, I), makes x_t on the straight path and
    regresses the velocity ε − x_0; the averaged network (`ema_network`, as in lesson 08)
    samples. Images are in [0, 1] (worked on as 2x − 1); with `data_shape` the model works on
    vectors of that shape with an MLP (`widths[0]` units wide), e.g. the 2-D toy of lesson 09.
    """

    def __init__(self, widths=(16, 32, 64), groups: int = 8, classes: int = 0,
                 label_dropout: float = 0.1, ema_decay: float = 0.999, data_shape=None,
                 seed: int = 0, **kwargs):
        super().__init__(ema_decay=ema_decay, data_shape=data_shape, seed=seed, **kwargs)
        if int(classes) < 0:
            raise ValueError(f"classes must be 0 (unconditional) or a number of classes, got "
                             f"{classes!r}")
        if not 0.0 <= label_dropout < 1.0:
            raise ValueError(f"label_dropout must lie in [0, 1), got {label_dropout!r}")
        self.widths, self.groups = tuple(int(w) for w in widths), int(groups)
        self.classes, self.label_dropout = int(classes), float(label_dropout)
        self.build_networks()

    def _build_network(self):
        if self.data_shape is None:
            return build_unet(self.widths, self.groups, name="velocity_unet",
                              classes=self.classes, time_dtype="float32")
        return build_mlp_denoiser(int(np.prod(self.data_shape)), width=self.widths[0],
                                  name="velocity_mlp", classes=self.classes,
                                  time_dtype="float32")

    def _inputs(self, x_t, t, labels):
        inputs = [x_t, TIME_SCALE * t]
        return inputs + [labels] if self.classes else inputs

    def _labels(self, data):
        if not self.classes:
            return None
        if not isinstance(data, (tuple, list)) or len(data) < 2 or data[1] is None:
            raise ValueError(f"FlowMatching with classes={self.classes} trains on images and "
                             f"their labels: call fit(x, y)")
        return ops.cast(data[1], "int32")

    def drop_labels(self, labels):
        """`labels` with each one replaced by the "no label" token (`classes`) with probability
        `label_dropout`, drawn from the model's seed generator."""
        drop = keras.random.uniform(ops.shape(labels), seed=self.seed_generator) < self.label_dropout
        return ops.where(drop, self.classes, labels)

    def noisy_batch(self, x0):
        """(x_t, t, ε) for a batch of clean data x_0: t ~ U(0, 1) per example, ε ~ N(0, I),
        and x_t on the straight path between them."""
        t = keras.random.uniform((ops.shape(x0)[0],), seed=self.seed_generator)
        noise = keras.random.normal(ops.shape(x0), seed=self.seed_generator)
        return straight_path(x0, noise, t), t, noise

    def train_step(self, data):
        x0, labels = self._to_model_space(data), self._labels(data)
        if labels is not None:
            labels = self.drop_labels(labels)
        x_t, t, noise = self.noisy_batch(x0)
        with tf.GradientTape() as tape:
            v = self.network(self._inputs(x_t, t, labels), training=True)
            loss = ops.mean(ops.square(velocity_target(x0, noise) - v))
        apply_gradients(self.optimizer, tape, loss, self.network.trainable_weights)
        self.update_ema()
        return track(self.metrics, {"loss": loss})

    def test_step(self, data):
        """The loss of the averaged network on a fresh draw of t and ε, labels kept."""
        x0, labels = self._to_model_space(data), self._labels(data)
        x_t, t, noise = self.noisy_batch(x0)
        v = self.ema_network(self._inputs(x_t, t, labels), training=False)
        return track(self.metrics, {"loss": ops.mean(ops.square(velocity_target(x0, noise) - v))})

    def velocity_loss(self, images, noise, t, batch_size: int = 500) -> float:
        """The training loss of the averaged network on given images (in [0, 1]), noises and
        times (one per image), without labels: the same test for every model it is asked of."""
        x0 = check_images(images, "images") * 2.0 - 1.0
        noise, t = np.asarray(noise, np.float32), np.asarray(t, np.float32)
        if noise.shape != x0.shape or t.shape != (len(x0),):
            raise ValueError(f"expected noise of the images' shape {x0.shape} and one time per "
                             f"image; got {noise.shape} and {t.shape}")
        x_t, target = np.asarray(straight_path(x0, noise, t)), np.asarray(velocity_target(x0, noise))
        inputs = [x_t, TIME_SCALE * t] + ([np.full(len(x0), self.classes, np.int32)]
                                          if self.classes else [])
        predicted = self.ema_network.predict(inputs, batch_size=batch_size, verbose=0)
        return float(np.mean((target - predicted) ** 2))

    def velocity(self, x, t: float, labels=None, guidance: float = 1.0) -> np.ndarray:
        """The averaged network's velocity at (x, t): unconditional when `labels` is None,
        else guided with weight `guidance` (0: unconditional, 1: conditional)."""
        x = np.asarray(x, np.float32)
        times = np.full((len(x),), TIME_SCALE * t, np.float32)
        if not self.classes:
            return np.asarray(self._ema_predict([tf.constant(x), tf.constant(times)]))
        empty = np.full((len(x),), self.classes, np.int32)
        if labels is None or guidance == 0.0:
            return self._predict_with(x, times, empty)
        v_cond = self._predict_with(x, times, labels)
        if guidance == 1.0:
            return v_cond
        return guided_velocity(self._predict_with(x, times, empty), v_cond, guidance)

    def _predict_with(self, x, times, labels):
        return np.asarray(self._ema_predict([tf.constant(x), tf.constant(times),
                                             tf.constant(labels, dtype=tf.int32)]))

    def sample(self, n: int, steps: int = 8, method: str = "euler", labels=None,
               guidance: float = 1.0, seed: int = 0, batch_size: int = 1000, frames: int = 0):
        """`n` samples: noise at t = 1 carried to t = 0 in `steps` steps of `method` ("euler":
        one network call per step; "heun": two). With `labels` (one class per sample, for a
        conditional model) the velocity is guided with weight `guidance`. Same seed, same
        samples. Returns images in [0, 1] (vectors for a `data_shape` model); with `frames` > 0
        also that many snapshots of the first batch along the way, shape (frames, b, …).
        """
        n = check_positive_int(n, "n")
        steps = check_positive_int(steps, "steps")
        if method not in STEPPERS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        labels = self._check_request(n, labels, guidance)
        times = np.linspace(1.0, 0.0, steps + 1)
        keep = np.linspace(0, steps, frames).round().astype(int) if frames else []
        rng = np.random.default_rng(seed)
        shape = self.data_shape or IMAGE_SHAPE
        outputs, chain = [], []
        for start in range(0, n, batch_size):
            x = rng.standard_normal((min(batch_size, n - start),) + shape).astype(np.float32)
            batch_labels = None if labels is None else labels[start:start + len(x)]

            def velocity(x_now, t, batch_labels=batch_labels):
                return self.velocity(x_now, t, batch_labels, guidance)

            for i in range(steps + 1):
                if start == 0 and i in keep:
                    chain.append(x)
                if i < steps:
                    x = STEPPERS[method](velocity, x, times[i], times[i + 1]).astype(np.float32)
            outputs.append(x)
        result = self._from_model_space(np.concatenate(outputs))
        if frames:
            return result, self._from_model_space(np.stack(chain))
        return result

    def _check_request(self, n: int, labels, guidance):
        """The requested labels as int32 (or None), after checking them and the guidance."""
        if not np.isfinite(guidance) or guidance < 0:
            raise ValueError(f"guidance must be a number ≥ 0 (0: unconditional, 1: "
                             f"conditional), got {guidance!r}")
        if labels is None:
            if guidance != 1.0:
                raise ValueError("guidance needs labels: pass one class per sample")
            return None
        if not self.classes:
            raise ValueError("this model is unconditional (classes=0): it takes no labels")
        labels = check_labels(labels, name="labels", n_classes=self.classes)
        if len(labels) != n:
            raise ValueError(f"got {len(labels)} labels for {n} samples; expected one per sample")
        return labels.astype(np.int32)

    def get_config(self):
        return {**super().get_config(), "widths": list(self.widths), "groups": self.groups,
                "classes": self.classes, "label_dropout": self.label_dropout}
