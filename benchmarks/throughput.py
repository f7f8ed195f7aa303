"""Training throughput (images/s) of the course's autoencoder, VAE and DCGAN against plain
references of the same architecture, measured side by side in one run.

References (the same encoder/decoder/generator/discriminator builders, plain training code):
- autoencoder: a functional `keras.Model(image, decoder(encoder(image)))`, compiled, `fit(x, x)`;
- VAE: the `train_step` of the keras.io VAE example (keras.io/examples/generative/vae), adapted
  to the course decoder's logits;
- DCGAN: the `@tf.function` loop of the TensorFlow DCGAN tutorial
  (tensorflow.org/tutorials/generative/dcgan): one generator pass, two tapes, simultaneous
  updates. The course GAN updates D, then G against the updated D (fresh noise), as in the
  keras.io DCGAN example; `dcgan_alternating_reference` is that algorithm in a bare
  `@tf.function` loop, which separates the cost of the algorithm from that of `fit`.

Every contender gets the course's `tf.data` pipeline (`data.make_dataset`: batch, prefetch,
autotuning off; `autoencoder_autotune` turns it on), one warm-up call (tracing), then
`--rounds` timed calls of `--steps` batches each. Rounds interleave the contenders, in an order
that rotates from round to round, so load from other processes hits them alike. The figure
kept is a contender's images over its total time in all rounds (the harmonic mean of its
rounds' rates), which is what a training run sees, stalls included. Variants of the course
model (XLA, batch size, `steps_per_execution`, autotuning) run in the same rounds and are
recorded as extra keys.

Usage: python benchmarks/throughput.py [--rounds R] [--steps S] [--models M ...]
(COURSE_FAST=1: smoke run). With `--models`, the other models' figures are kept from the
existing `throughput.json`, so one model can be re-measured alone.
"""

import argparse
import json
import statistics
import time

import course_lib  # noqa: F401  (quiets TensorFlow before it loads)
import keras
import tensorflow as tf
from keras import ops

from course_lib import config, data, report
from course_lib.models.autoencoder import Autoencoder, build_decoder, build_encoder
from course_lib.models.gan import GAN, build_discriminator, build_generator
from course_lib.models.gan import discriminator_loss, generator_loss
from course_lib.models.vae import VAE, bernoulli_nll, kl_divergence
from course_lib.validation import check_positive_int

BATCH = 128
LATENT = 32


class ReferenceVAE(keras.Model):
    """The keras.io VAE example's model: encoder, reparameterization and loss in `train_step`."""

    def __init__(self, latent_dim, **kwargs):
        super().__init__(**kwargs)
        self.encoder = build_encoder(latent_dim, variational=True)
        self.decoder = build_decoder(latent_dim, output_activation=None)
        self.seed_generator = keras.random.SeedGenerator(0)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, x):
        with tf.GradientTape() as tape:
            z_mean, z_log_var = self.encoder(x, training=True)
            eps = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
            logits = self.decoder(z_mean + ops.exp(0.5 * z_log_var) * eps, training=True)
            loss = ops.mean(bernoulli_nll(x, logits)) + ops.mean(kl_divergence(z_mean, z_log_var))
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


def images(x, batch_size, targets=False, autotune=False):
    """Endless batches of `x` (as `(x, x)` pairs with `targets`) from the course's pipeline,
    `data.make_dataset`. No shuffle: the order does not change the cost of a step, and
    refilling a shuffle buffer on every `fit` call would add the same fixed cost to every
    contender, blurring the ratios."""
    return data.make_dataset(x, x if targets else None, batch_size, shuffle=False,
                             drop_remainder=True, autotune=autotune).repeat()


def fit_runner(model, ds, batch_size):
    """A callable training `steps` batches with `fit`; returns images/s."""
    def run(steps):
        start = time.perf_counter()
        model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0)
        return steps * batch_size / (time.perf_counter() - start)
    return run


def loop_runner(step, ds, batch_size):
    """A callable running a `@tf.function` step on `steps` batches; returns images/s."""
    def run(steps):
        start = time.perf_counter()
        for batch in ds.take(steps):
            loss = step(batch)
        float(loss)  # wait for the last step
        return steps * batch_size / (time.perf_counter() - start)
    return run


def autoencoder_contenders(x):
    def course(batch_size=BATCH, autotune=False, **compile_kw):
        model = Autoencoder(latent_dim=LATENT)
        model.compile(optimizer="adam", loss="binary_crossentropy", **compile_kw)
        return fit_runner(model, images(x, batch_size, True, autotune), batch_size)

    inputs = keras.Input((28, 28, 1))
    reference = keras.Model(inputs, build_decoder(LATENT)(build_encoder(LATENT)(inputs)))
    reference.compile(optimizer="adam", loss="binary_crossentropy", jit_compile=False)
    return {
        "autoencoder": course(jit_compile=False),
        "autoencoder_reference": fit_runner(reference, images(x, BATCH, targets=True), BATCH),
        "autoencoder_xla": course(jit_compile=True),
        "autoencoder_batch64": course(64, jit_compile=False),
        "autoencoder_batch256": course(256, jit_compile=False),
        "autoencoder_spe8": course(jit_compile=False, steps_per_execution=8),
        "autoencoder_autotune": course(jit_compile=False, autotune=True),
    }


def vae_contenders(x):
    def course(**compile_kw):
        model = VAE(latent_dim=LATENT, seed=0)
        model.compile(optimizer="adam", **compile_kw)
        return fit_runner(model, images(x, BATCH), BATCH)

    reference = ReferenceVAE(LATENT)
    reference.compile(optimizer="adam", jit_compile=False)
    return {
        "vae": course(jit_compile=False),
        "vae_reference": fit_runner(reference, images(x, BATCH), BATCH),
        "vae_xla": course(jit_compile=True),
        "vae_spe8": course(jit_compile=False, steps_per_execution=8),
    }


def tutorial_step(alternating):
    """The TF tutorial's GAN step on the course networks and losses; `alternating=True` updates
    D first and then G against the updated D with fresh noise, like the course GAN."""
    generator, discriminator = build_generator(), build_discriminator()
    g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    d_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    g_opt.build(generator.trainable_variables)  # variables exist before tracing
    d_opt.build(discriminator.trainable_variables)
    seed = keras.random.SeedGenerator(0)

    def noise(real):
        return keras.random.normal((ops.shape(real)[0], generator.input_shape[-1]), seed=seed)

    def apply(opt, tape, loss, net):
        opt.apply_gradients(zip(tape.gradient(loss, net.trainable_variables),
                                net.trainable_variables))

    @tf.function
    def simultaneous(real):
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake_logits = discriminator(generator(noise(real), training=True), training=True)
            real_logits = discriminator(real, training=True)
            g_loss = generator_loss(fake_logits)
            d_loss = discriminator_loss(real_logits, fake_logits)
        apply(g_opt, g_tape, g_loss, generator)
        apply(d_opt, d_tape, d_loss, discriminator)
        return g_loss

    @tf.function
    def two_phase(real):
        fake = generator(noise(real), training=True)
        with tf.GradientTape() as d_tape:
            d_loss = discriminator_loss(discriminator(real, training=True),
                                        discriminator(fake, training=True))
        apply(d_opt, d_tape, d_loss, discriminator)
        with tf.GradientTape() as g_tape:
            g_loss = generator_loss(discriminator(generator(noise(real), training=True),
                                                  training=True))
        apply(g_opt, g_tape, g_loss, generator)
        return g_loss

    return two_phase if alternating else simultaneous


def dcgan_contenders(x):
    def course(**compile_kw):
        gan = GAN(seed=0)
        gan.compile(**compile_kw)
        return fit_runner(gan, images(x, BATCH), BATCH)

    return {
        "dcgan": course(jit_compile=False),
        "dcgan_reference": loop_runner(tutorial_step(False), images(x, BATCH), BATCH),
        "dcgan_alternating_reference": loop_runner(tutorial_step(True), images(x, BATCH), BATCH),
        "dcgan_xla": course(jit_compile=True),
        "dcgan_spe8": course(jit_compile=False, steps_per_execution=8),
    }


def measure(contenders, rounds, steps):
    """Warm each contender up, then time them in interleaved, rotating rounds: name →
    images/s over all rounds (a contender that fails, e.g. an op XLA cannot compile, is left
    out)."""
    speeds = {}
    for name, run in list(contenders.items()):
        try:
            run(min(steps, 8))
        except Exception as err:  # noqa: BLE001  (reported and skipped, not hidden)
            print(f"  {name}: skipped ({type(err).__name__}: {str(err).splitlines()[0][:120]})")
            del contenders[name]
            continue
        speeds[name] = []
    names = list(contenders)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            speeds[name].append(contenders[name](steps))
        print(f"  round {r + 1}/{rounds}: " + ", ".join(f"{n} {s[-1]:.0f}" for n, s in speeds.items()),
              flush=True)
    return {name: statistics.harmonic_mean(values) for name, values in speeds.items()}


def ratios(model, speeds):
    """`<model>_ratio`: course / reference images/s (≥ 0.95 wanted); `<variant>_speedup`:
    a course variant (XLA, batch size, steps_per_execution) / the course default."""
    out = {}
    for name, value in speeds.items():
        if name.endswith("reference") and model in speeds:
            out[name.replace("_reference", "") + "_ratio"] = speeds[model] / value
        elif name != model and model in speeds:
            out[f"{name}_speedup"] = value / speeds[model]
    return out


MODELS = {"autoencoder": autoencoder_contenders, "vae": vae_contenders,
          "dcgan": dcgan_contenders}


def kept_figures(models):
    """The figures of the models not re-measured, from the last default-mode file."""
    path = config.repo_root() / "benchmarks" / "results" / "throughput.json"
    if config.fast_mode() or set(models) == set(MODELS) or not path.is_file():
        return {}
    old = json.loads(path.read_text())
    return {k: v for k, v in old.items()
            if k not in ("mode", "machine") and not k.startswith(tuple(models))}


def main(rounds, steps, models):
    rounds, steps = check_positive_int(rounds, "rounds"), check_positive_int(steps, "steps")
    config.seed_everything(0)
    (x, _), _ = data.load_mnist(n_train=config.by_mode(4096, 512), n_test=10)
    figures = {**kept_figures(models), "rounds": rounds, "steps_per_round": steps,
               "batch_size": BATCH}
    for model in models:
        build = MODELS[model]
        print(f"{model}:", flush=True)
        speeds = measure(build(x), rounds, steps)
        figures.update({f"{name}_img_per_s": value for name, value in speeds.items()})
        figures.update(ratios(model, speeds))
    report.write_benchmark("throughput", figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=config.by_mode(5, 1))
    parser.add_argument("--steps", type=int, default=config.by_mode(64, 2),
                        help="batches per timed call")
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS),
                        help="re-measure only these; the others' figures are kept from the file")
    main(**vars(parser.parse_args()))
