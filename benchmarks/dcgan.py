"""Lesson 06 benchmark: the lesson's DCGAN, the course's first discriminator with one thing
changed at a time, that discriminator's run trained for longer, and the course GAN against the
recipe of the TensorFlow DCGAN tutorial.

Lesson 06's model (`recipes.lesson_dcgan`: a D with 32 and 64 filters, dropout 0.3 and batch
normalization after its second convolution) won this comparison and replaced the course's first
D, the same network without batch norm (`build_discriminator`'s defaults, the run "dropout_").
Every other variant changes one thing from that first D (`VARIANTS`: a spectrally normalized D
of twice the widths without dropout, a D of twice the widths alone, for the lesson's epochs and
for half of them, two time-scale learning rates, the hinge loss); the lesson's D is the one that
adds batch normalization, as in the DCGAN paper's D. One variant changes one thing from the
lesson's D instead: a minibatch standard deviation channel (`mbstd_`). All train on the same
data, batch and seed; the first D's run is continued from a copy of its checkpoint to two and three times its 8
epochs (`LONGER_BUDGETS`); every run is reloaded when finished. Each is scored on the lesson's
5,000 samples (seed 1) against the 10,000 test digits: Fréchet distance, confident share,
precision and recall, every class share, and its last epoch's mean D(x) and D(G(z)); the images
per second of a training step of each setting are measured in alternation, in the same process
and conditions.

The reference re-implements, in our own code, the architecture and hyperparameters of
tensorflow.org/tutorials/generative/dcgan: noise of 100 numbers; generator Dense(7·7·256) →
Conv2DTranspose 128 (5×5, stride 1) → 64 (5×5, stride 2) → 1 (5×5, stride 2, tanh), batch norm
and LeakyReLU between, no biases; discriminator Conv2D 64 and 128 (5×5, stride 2) with
LeakyReLU and dropout 0.3, then one logit; cross-entropy on logits; Adam(1e-4) for each network;
batch 256; data scaled to [−1, 1]; both networks updated from one forward pass per step.

For the tutorial comparison both models train for the same number of generator steps on the
same MNIST training images; the course model there is `GAN` with `build_discriminator`'s
defaults (the first D, without batch norm).
Each is scored on 10,000 generated digits: the Fréchet distance to the 10,000 test digits in the
feature space of the lesson-01 CNN (lower is better; beside it the yardstick, 10,000 real
training digits scored the same way, five draws), the largest and smallest class share of
the CNN's predictions (0.1 each for a perfectly balanced generator), and the share the CNN
classifies with confidence ≥ 0.9 (`scoring.ImageScorer`). The benchmark's budget is its own
(1,500 steps by default, about 3 of the lesson's 8 epochs, because the reference trains about 4×
slower): its course model is not lesson 06's run and is not saved (lesson 06's recipe,
`recipes.lesson_dcgan`, writes the one `dcgan_generator.keras`); its progress GIF goes to
`build/bench/dcgan_progress/`.

The tutorial comparison takes over an hour (the reference alone 3,832 s on 2 cores) and has
no checkpoint: `--keep-equal-steps` copies its figures from the committed results file instead
of training both models again.

Usage: python benchmarks/dcgan.py [--steps N] [--keep-equal-steps]   (COURSE_FAST=1: smoke run)
"""

import argparse
import json
import shutil
import time

import course_lib  # noqa: F401  (quiets TensorFlow before it loads)
import keras
import numpy as np
import tensorflow as tf
from keras import layers

from course_lib import config, data, report, training
from course_lib.models.gan import GAN, HingeGAN
from course_lib.recipes import (dcgan_plan, lesson_dcgan, reference_classifier, require_finished,
                                train_dcgan)
from course_lib.recipes.dcgan import LESSON_DISCRIMINATOR
from course_lib.scoring import ImageScorer
from course_lib.validation import check_positive_int

COURSE_BATCH = 128
REFERENCE_BATCH = 256
REFERENCE_NOISE = 100
FRAMES = 10
# The course's first D (`build_discriminator`'s defaults) and that GAN with one thing changed
# each: prefix of its figures → run, discriminator options, optimizers factory, GAN class, epochs
# (the lesson's unless named). "dropout_": the first D itself, the reference of every other
# variant; "sn_": spectral normalization (Miyato et al. 2018) on a D of twice the widths without
# dropout, as SN-GANs train; "wide_": capacity alone, D of twice the widths with the lesson's
# dropout; "ttur_": the two time-scale update rule (Heusel et al. 2017), D's Adam at 4e-4 and G's
# at 1e-4 instead of 2e-4 each (β1 = 0.5 as in the lesson); "hinge_": the hinge loss (Lim & Ye
# 2017, as SN-GANs train) in place of cross-entropy, same cost per step; "wide4_": the wide D for
# half the epochs, about the first D's wall-clock budget since its step costs about twice as
# much. The change that won, batch normalization in D, is the lesson's own run (no prefix).
# "mbstd_" changes one thing from the lesson's D: a minibatch standard deviation channel after its
# first convolution (Karras et al. 2018), a remedy for too little variety (the class band).
BASE = "dropout_"
VARIANTS = {
    BASE: {"run": "lesson06_dcgan_dropout", "discriminator": {}},
    "sn_": {"run": "lesson06_dcgan_sn",
            "discriminator": {"filters": (64, 128), "dropout": 0.0, "spectral_norm": True}},
    "wide_": {"run": "lesson06_dcgan_wide", "discriminator": {"filters": (64, 128)}},
    "ttur_": {"run": "lesson06_dcgan_ttur", "optimizers": lambda: {
        "d_optimizer": keras.optimizers.Adam(4e-4, beta_1=0.5),
        "g_optimizer": keras.optimizers.Adam(1e-4, beta_1=0.5)}},
    "hinge_": {"run": "lesson06_dcgan_hinge", "gan_class": HingeGAN},
    "wide4_": {"run": "lesson06_dcgan_wide_e4", "discriminator": {"filters": (64, 128)},
               "epochs": lambda plan: plan["epochs"] // 2},
    "mbstd_": {"run": "lesson06_dcgan_mbstd",
               "discriminator": {**LESSON_DISCRIMINATOR, "minibatch_std": True}},
}
# The first D's run continued (from a copy of its checkpoint) to these multiples of its epochs.
LONGER_BUDGETS = (2, 3)
EQUAL_STEPS_KEYS = (
    "fd_course", "fd_reference", "fd_untrained", "fd_real_yardstick", "fd_real_yardstick_std",
    "fd_sample_size", "generator_steps", "min_class_share", "max_class_share",
    "reference_min_class_share", "reference_max_class_share", "course_confident_share",
    "reference_confident_share", "course_img_per_s", "reference_img_per_s", "train_seconds",
    "reference_train_seconds")


def reference_generator():
    """The tutorial's generator (tanh output: images in [−1, 1])."""
    return keras.Sequential([
        keras.Input((REFERENCE_NOISE,)),
        layers.Dense(7 * 7 * 256, use_bias=False), layers.BatchNormalization(), layers.LeakyReLU(),
        layers.Reshape((7, 7, 256)),
        layers.Conv2DTranspose(128, 5, strides=1, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(),
        layers.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(),
        layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False, activation="tanh"),
    ], name="reference_generator")


def reference_discriminator():
    """The tutorial's discriminator (one logit)."""
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(64, 5, strides=2, padding="same"), layers.LeakyReLU(), layers.Dropout(0.3),
        layers.Conv2D(128, 5, strides=2, padding="same"), layers.LeakyReLU(), layers.Dropout(0.3),
        layers.Flatten(), layers.Dense(1),
    ], name="reference_discriminator")


def train_reference(x, steps, seed=0):
    """The tutorial's training loop for `steps` generator steps; returns (generator, seconds)."""
    config.seed_everything(seed)
    generator, discriminator = reference_generator(), reference_discriminator()
    g_opt, d_opt = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    noise_seed = keras.random.SeedGenerator(seed)

    @tf.function
    def step(real):
        noise = keras.random.normal((tf.shape(real)[0], REFERENCE_NOISE), seed=noise_seed)
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = generator(noise, training=True)
            real_logits = discriminator(real, training=True)
            fake_logits = discriminator(fake, training=True)
            g_loss = cross_entropy(tf.ones_like(fake_logits), fake_logits)
            d_loss = (cross_entropy(tf.ones_like(real_logits), real_logits)
                      + cross_entropy(tf.zeros_like(fake_logits), fake_logits))
        g_opt.apply_gradients(zip(g_tape.gradient(g_loss, generator.trainable_variables),
                                  generator.trainable_variables))
        d_opt.apply_gradients(zip(d_tape.gradient(d_loss, discriminator.trainable_variables),
                                  discriminator.trainable_variables))

    start = time.perf_counter()
    for batch in batches(x * 2.0 - 1.0, REFERENCE_BATCH, steps, seed):
        step(batch)
    return generator, time.perf_counter() - start


def train_course(x, steps, seed=0):
    """The course GAN for `steps` generator steps, a progress frame every steps/FRAMES steps;
    returns (gan, seconds, progress GIF path)."""
    config.seed_everything(seed)
    gan = GAN(seed=seed)
    gan.compile()
    frames = min(FRAMES, steps)
    grid = training.ProgressGrid(np.random.default_rng(seed).standard_normal((40, gan.noise_dim)),
                                 config.build_dir("bench", "dcgan_progress"), ncols=10)
    for old in grid.frames():
        old.unlink()
    start = time.perf_counter()
    gan.fit(batches(x, COURSE_BATCH, steps, seed), epochs=frames, steps_per_epoch=steps // frames,
            callbacks=[grid], shuffle=False, verbose=2)
    return gan, time.perf_counter() - start, grid.gif_path


def batches(x, batch_size, steps, seed):
    """`steps` full batches of `x`, reshuffled every pass (same order for the same seed)."""
    ds = data.make_dataset(x, batch_size=batch_size, seed=seed, drop_remainder=True)
    return ds.repeat().take(steps)


def discriminator_comparison() -> dict:
    """Lesson 06's run, each of `VARIANTS` and the first D's run continued to each of
    `LONGER_BUDGETS` times its epochs (each trained or reloaded), scored like the lesson's last
    epoch, with the training speed of each setting."""
    plan = dcgan_plan()
    (x_train, _), (x_test, _) = data.load_mnist(n_train=plan["n_train"], n_test=plan["n_test"])
    scorer = ImageScorer(reference_classifier(verbose=2), x_test)
    runs = {"": (lesson_dcgan(verbose=2), plan["epochs"])}  # the lesson's figures carry no prefix
    settings = {"": {"discriminator": LESSON_DISCRIMINATOR}}
    for prefix, variant in VARIANTS.items():
        epochs = variant["epochs"](plan) if "epochs" in variant else plan["epochs"]
        runs[prefix] = (train_variant(x_train, variant, epochs), epochs)
        settings[prefix] = variant
    previous = VARIANTS[BASE]["run"]
    for epochs in (plan["epochs"] * factor for factor in LONGER_BUDGETS):
        runs[f"{BASE}e{epochs}_"] = (continued_run(x_train, epochs, previous), epochs)
        previous = f"{VARIANTS[BASE]['run']}_e{epochs}"
    speeds = images_per_second(settings, x_train)
    figures = {"lesson_epochs": plan["epochs"], "lesson_n_score": plan["n_score"]}
    for prefix, ((gan, history), epochs) in runs.items():
        score = scorer.score(gan.generate(plan["n_score"], seed=1))
        figures[prefix + "fd" if prefix else "fd_lesson"] = score["fd"]
        figures.update({prefix + key: score[key] for key in ("confident_share", "precision", "recall")})
        figures.update({prefix + "d_real": history["d_real"][-1],
                        prefix + "d_fake": history["d_fake"][-1]})
        if prefix in speeds:  # a longer run of the first D has that D's speed
            figures[prefix + "img_per_s"] = speeds[prefix]
        if prefix:
            figures[prefix + "epochs"] = epochs
        figures.update({f"{prefix}class_share_{d}": share
                        for d, share in enumerate(score["class_shares"])})
    return figures


def train_variant(x_train, variant: dict, epochs: int):
    """One of `VARIANTS` trained (or reloaded) on `x_train` for `epochs`."""
    optimizers = variant.get("optimizers")
    return train_dcgan(x_train, epochs=epochs, name=variant["run"],
                       discriminator=variant.get("discriminator"),
                       optimizers=optimizers() if optimizers else None,
                       gan_class=variant.get("gan_class", GAN))


def continued_run(x_train, epochs: int, previous: str):
    """The first D's run continued to `epochs` under run `<its name>_e<epochs>`, started from a
    copy of the finished checkpoint of run `previous` (weights, optimizer and random states), so
    that checkpoint is left alone; each epoch sees the batches an uninterrupted run would have
    seen (their order depends only on the seed and the epoch)."""
    workdir = config.checkpoint_dir(f"{VARIANTS[BASE]['run']}_e{epochs}")
    if not (workdir / training.STATE).exists():
        source = require_finished(previous, "benchmarks/dcgan.py")
        workdir.mkdir(parents=True, exist_ok=True)
        for name in (training.WEIGHTS, training.RNG, training.STATE):
            shutil.copy2(source / name, workdir / name)
    return train_dcgan(x_train, epochs=epochs, name=workdir.name,
                       discriminator=VARIANTS[BASE]["discriminator"])


def images_per_second(settings: dict, x, steps: int = None, rounds: int = 3) -> dict:
    """Training images per second of a `GAN` with each setting in `settings` (name → a dict
    with optional "discriminator" options, "optimizers" factory and "gan_class", as in
    `VARIANTS`), timed over `steps` batches of 128 in alternation, `rounds` times (median)."""
    steps = steps or config.by_mode(20, 2)
    ds = batches(x, COURSE_BATCH, steps, seed=0)
    models = {}
    for name, setting in settings.items():
        optimizers = setting.get("optimizers")
        models[name] = setting.get("gan_class", GAN)(seed=0,
                                                     discriminator=setting.get("discriminator"))
        models[name].compile(**(optimizers() if optimizers else {}))
        models[name].fit(ds, epochs=1, verbose=0)  # traces the step
    seconds = {name: [] for name in models}
    for _ in range(rounds):
        for name, model in models.items():
            start = time.perf_counter()
            model.fit(ds, epochs=1, verbose=0)
            seconds[name].append(time.perf_counter() - start)
    return {name: steps * COURSE_BATCH / float(np.median(s)) for name, s in seconds.items()}


def equal_steps(steps) -> dict:
    """The course GAN (default discriminator) and the tutorial recipe after `steps` generator
    steps each, scored on 10,000 samples against the test digits."""
    steps = check_positive_int(steps, "steps") // min(FRAMES, steps) * min(FRAMES, steps)
    (x_train, _), (x_test, _) = data.load_mnist(n_train=config.by_mode(None, 2048),
                                                n_test=config.by_mode(None, 1000))
    n_samples = len(x_test)
    scorer = ImageScorer(reference_classifier(verbose=2), x_test, train_images=x_train)
    real = scorer.yardstick(n_samples)
    print(f"real training digits, {n_samples} per set: Fréchet distance {real}", flush=True)

    gan, course_seconds, gif = train_course(x_train, steps)
    course = scorer.score(gan.generate(n_samples, seed=1))
    print(f"course DCGAN after {steps} steps, {course_seconds:.0f} s: Fréchet distance "
          f"{course['fd']:.2f}, class shares {course['min_class_share']:.3f}-"
          f"{course['max_class_share']:.3f}, confident {course['confident_share']:.3f}", flush=True)

    generator, reference_seconds = train_reference(x_train, steps)
    noise = keras.random.normal((n_samples, REFERENCE_NOISE), seed=1)
    reference_images = (generator.predict(noise, batch_size=1000, verbose=0) + 1.0) / 2.0
    reference = scorer.score(reference_images)

    untrained = scorer.frechet(GAN(seed=0).generate(n_samples, seed=1))
    print("course class shares   ", np.round(course["class_shares"], 3))
    print("reference class shares", np.round(reference["class_shares"], 3))
    print(f"progress GIF: {gif}")
    return {
        "fd_course": course["fd"], "fd_reference": reference["fd"], "fd_untrained": untrained,
        "fd_real_yardstick": real.mean, "fd_real_yardstick_std": real.std, "fd_sample_size": real.n,
        "generator_steps": steps,
        "min_class_share": course["min_class_share"], "max_class_share": course["max_class_share"],
        "reference_min_class_share": reference["min_class_share"],
        "reference_max_class_share": reference["max_class_share"],
        "course_confident_share": course["confident_share"],
        "reference_confident_share": reference["confident_share"],
        "course_img_per_s": steps * COURSE_BATCH / course_seconds,
        "reference_img_per_s": steps * REFERENCE_BATCH / reference_seconds,
        "train_seconds": course_seconds, "reference_train_seconds": reference_seconds,
    }


def committed_equal_steps() -> dict:
    """The tutorial comparison's figures from the committed results file."""
    path = report.results_dir() / "dcgan.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run without --keep-equal-steps")
    saved = json.loads(path.read_text())
    missing = [key for key in EQUAL_STEPS_KEYS if key not in saved]
    if missing:
        raise ValueError(f"{path} has no {missing}: run without --keep-equal-steps")
    return {key: saved[key] for key in EQUAL_STEPS_KEYS}


def main(steps, keep_equal_steps=False):
    figures = committed_equal_steps() if keep_equal_steps else equal_steps(steps)
    comparison = discriminator_comparison()
    report.write_benchmark("dcgan", {**figures, **comparison})
    labels = {"": "lesson's D (batch norm)", BASE: "first D (dropout, no batch norm)",
              "sn_": "spectrally normalized D", "wide_": "D of twice the widths",
              "ttur_": "two time-scale learning rates", "hinge_": "hinge loss",
              "wide4_": "D of twice the widths, half the epochs",
              "mbstd_": "lesson's D with a minibatch standard deviation channel",
              **{f"{BASE}e{e}_": f"first D's run continued to {e} epochs"
                 for e in (comparison["lesson_epochs"] * f for f in LONGER_BUDGETS)}}
    for prefix, label in labels.items():
        shares = [comparison[f"{prefix}class_share_{d}"] for d in range(10)]
        print(f"{label}: Fréchet {comparison[prefix + 'fd' if prefix else 'fd_lesson']:.2f}, "
              + ", ".join(f"{key} {comparison[prefix + key]:.3f}" for key in (
                  "confident_share", "precision", "recall", "d_real", "d_fake")
                          if prefix + key in comparison)
              + f", class shares {min(shares):.3f}-{max(shares):.3f}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=config.by_mode(1500, 20),
                        help="generator steps for each model of the tutorial comparison")
    parser.add_argument("--keep-equal-steps", action="store_true",
                        help="copy the tutorial comparison from the committed results file")
    arguments = parser.parse_args()
    main(arguments.steps, arguments.keep_equal_steps)
