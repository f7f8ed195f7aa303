"""The course's closing table: every generative model of the course, scored the same way.

Samples 10,000 digits (fast mode 500) from each model the course trains — lesson 05's 16-d VAE
(prior draws), lesson 06's DCGAN, lesson 07's conditional GAN (an equal number per class), the
latent diffusion and the pixel diffusion of lesson 08 (shipped weights, DDIM 25 steps) — writes
each set to `build/samples/<model>.npy` (the conditional model's labels to
`build/samples/cgan_labels.npy`) and scores it: Fréchet distance to the 10,000 test digits in
the lesson-01 CNN's features (beside the yardstick: as many real training digits, five random
draws), smallest and largest class share, share classified with confidence ≥ 0.9, share the
digit judge accepts (`recipes.digit_judge`; beside the test digits' own), the mean distance
from 1,000 samples to their nearest training image (next to the test digits' own), training seconds (as recorded by the run's checkpoint; NaN when the
checkpoint predates the record) and sampling seconds per 1,000 images.

The models are the lessons' own, scored by `scoring.ImageScorer`: run lesson 07 (or
`benchmarks/gan_applications.py`) first for the conditional GAN; lesson 06's DCGAN, the VAE and
the latent diffusion are trained here through their recipes when their runs are missing (and
reloaded when the lessons trained them).

Usage: python benchmarks/generators.py   (COURSE_FAST=1 for a smoke run)
"""

import time

import course_lib  # noqa: F401  (quiets TensorFlow before it loads)
import numpy as np

from course_lib import config, data, metrics, recipes, report, saving, training
from course_lib.scoring import ImageScorer

NEIGHBOUR_SAMPLES = 1000


def saved_generator(filename: str, made_by: str):
    """A generator saved in `build/models/`, with a clear error when it is missing."""
    path = config.model_path(filename)
    if not path.exists():
        raise SystemExit(f"{path} is missing: run {made_by} first")
    return saving.load_course_model(path)


def samplers(x_train) -> dict:
    """Model name → (function n → images, labels or None; training seconds)."""
    vae = recipes.lesson_vae16(x_train).model
    latent = recipes.latent_diffusion(vae, x_train).model
    dcgan = recipes.lesson_dcgan().model.generator
    cgan = saved_generator(recipes.CGAN_FILE, "lesson 07 or benchmarks/gan_applications.py")
    pixel = recipes.shipped_diffusion()

    def noise(n, dim):
        return np.random.default_rng(1).standard_normal((n, dim)).astype(np.float32)

    def conditional(n):
        labels = np.arange(n) % 10
        images = cgan.predict({"noise": noise(n, cgan.inputs[0].shape[-1]), "labels": labels},
                              batch_size=1000, verbose=0)
        return images, labels

    def seconds(run):
        return training.trained_seconds(config.checkpoint_dir(run))

    return {
        "vae": (lambda n: (vae.sample(n, seed=1), None),
                seconds(recipes.vae16_run(len(x_train)))),
        "dcgan": (lambda n: (dcgan.predict(noise(n, dcgan.inputs[0].shape[-1]), batch_size=1000,
                                           verbose=0), None), seconds(recipes.DCGAN_RUN)),
        "cgan": (conditional, seconds(recipes.CGAN_RUN)),
        "latent_diffusion": (lambda n: (latent.generate(n, seed=1), None),
                             seconds(recipes.LATENT_DIFFUSION_RUN)),
        "diffusion": (lambda n: (pixel.sample(n, steps=25, seed=1), None),
                      saving.shipped_record(recipes.SHIPPED_DIFFUSION)["train_seconds"]),
    }


def main():
    # The lessons' training digits (in fast mode the subset lessons 05 and 08 use), so the VAE
    # and the latent diffusion are the lessons' own runs and reload whoever trained them first.
    (x_train, _), (x_test, _) = data.load_mnist(n_train=recipes.autoencoder_plan()["n_train"],
                                                n_test=config.by_mode(None, 1000))
    scorer = ImageScorer(recipes.reference_classifier(verbose=2), x_test, train_images=x_train,
                         judge=recipes.digit_judge(verbose=2))
    _, test_distance = metrics.nearest_images(x_test[:NEIGHBOUR_SAMPLES], x_train)
    n = config.by_mode(10_000, 500)
    real = scorer.yardstick(n)
    folder = config.build_dir("samples")
    figures = {"fd_sample_size": n, "fd_real_yardstick": real.mean,
               "fd_real_yardstick_std": real.std,
               "test_nearest_train_distance": float(test_distance.mean()),
               "real_digit_share": scorer.judge.completeness(x_test[:n])}
    rows = []
    for name, (sample, train_seconds) in samplers(x_train).items():
        start = time.perf_counter()
        images, labels = sample(n)
        elapsed = time.perf_counter() - start
        images = np.asarray(images, np.float32)
        np.save(folder / f"{name}.npy", images)
        if labels is not None:
            np.save(folder / f"{name}_labels.npy", labels)
        row = scorer.score(images, n_nearest=NEIGHBOUR_SAMPLES)
        del row["class_shares"], row["n"]
        row.update(train_seconds=float(train_seconds), sample_seconds_per_1000=elapsed / n * 1000)
        figures.update({f"{name}_{key}": value for key, value in row.items()})
        rows.append((name, row))
    print(table(rows, figures["test_nearest_train_distance"], real, figures["real_digit_share"]))
    print(report.write_benchmark("generators", figures))


def table(rows, test_distance, real, real_digit_share) -> str:
    """The closing table as text; `real` is the Fréchet yardstick at the table's sample size."""
    head = (f"{'model':<18}{'Fréchet':>9}{'class share':>14}{'confident':>11}{'digits':>8}{'nearest':>9}"
            f"{'train s':>9}{'s/1000':>8}")
    lines = [f"{real.n} samples per model; real digits: Fréchet distance {real} (training "
             f"digits), judged digits {real_digit_share:.3f} and nearest training image "
             f"{test_distance:.2f} (test digits)", head]
    for name, r in rows:
        lines.append(f"{name:<18}{r['fd']:>9.1f}{r['min_class_share']:>7.3f}-"
                     f"{r['max_class_share']:.3f}{r['confident_share']:>11.3f}{r['digit_share']:>8.3f}"
                     f"{r['nearest_train_distance']:>9.2f}{r['train_seconds']:>9.0f}"
                     f"{r['sample_seconds_per_1000']:>8.2f}")
    return "\n".join(lines)


if __name__ == "__main__":
    config.seed_everything(0)
    main()
