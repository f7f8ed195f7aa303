"""The course's closing table: every generative model of the course, scored the same way.

Samples 10,000 digits (fast mode 200) from each model the course trains — lesson 05's 16-d VAE
(prior draws), lesson 06's DCGAN, lesson 07's conditional GAN (an equal number per class), the
latent diffusion and the pixel diffusion of lesson 08 (shipped weights, with the plan's
`table_sampler`, the setting `benchmarks/diffusion.py` measured best), and lesson 09's flow
matching (shipped weights, the plan's sampler): the model trained without labels (`flow`) and
the one trained with them, asked for an equal number of each digit at the plan's guidance
weight (`flow_cfg`) — writes each set to
`build/samples/<model>.npy` (a conditional model's labels to `build/samples/<model>_labels.npy`)
and scores it against the 10,000 test digits with `scoring.ImageScorer`, the same way for
every row: Fréchet distance in the lesson-01 CNN's features beside the yardstick (as many real
training digits, five random draws: the table's first row), precision and recall (quality and
coverage), smallest and largest class share, share classified with confidence ≥ 0.9, share the
digit judge accepts (`recipes.digit_judge`), and memorisation: the mean distance from 1,000
samples to their nearest training image and the share of them nearer than the median test digit
is (about 0.5 for samples as new as unseen digits); for latent diffusion also that share in the
VAE's code space, where it samples. Each row names the run it scored, its sampler, its training
seconds (as its checkpoint recorded them; latent diffusion's include the VAE it needs) and its
sampling seconds per 1,000 images on this machine. The conditional rows also report the share of
samples lesson 01's CNN reads as the requested digit (`<model>_class_share`, and
`<model>_min_requested_share` for the worst digit).

The models are the lessons' own runs, trained here through their recipes when missing and
reloaded when a lesson (or an earlier run) trained them, so a fresh clone's default run writes
the committed table. Run lesson 07 (or `benchmarks/gan_applications.py`) first for the
conditional GAN.

With `--only NAME ...` it samples and scores only those models and merges their rows into the
result file already there, keeping the other rows as the run that wrote them measured them (same
sample size, scorer and yardstick, which are deterministic): for adding a model without
resampling the slow ones.

Usage: python benchmarks/generators.py [--only NAME ...]   (COURSE_FAST=1 for a smoke run)
"""

import argparse
import json

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


def seconds(run: str) -> float:
    """Training seconds the run's checkpoint recorded."""
    return training.trained_seconds(config.checkpoint_dir(run))


def noise(n, dim):
    return np.random.default_rng(1).standard_normal((n, dim)).astype(np.float32)


def models(x_train) -> dict:
    """Model name → dict(sample: n → (images, labels or None), run, sampler, train_seconds)."""
    vae_run = recipes.vae16_run(len(x_train))
    vae = recipes.lesson_vae16(x_train).model
    latent = recipes.latent_diffusion(vae, x_train).model
    dcgan = recipes.lesson_dcgan().model.generator
    cgan = saved_generator(recipes.CGAN_FILE, "lesson 07 or benchmarks/gan_applications.py")
    pixel = recipes.shipped_diffusion()
    sampler = recipes.diffusion_plan()["table_sampler"]
    flow, flow_uncond = recipes.shipped_flow(), recipes.shipped_flow(conditional=False)
    flow_plan = recipes.flow_plan()

    def conditional(n):
        labels = np.arange(n) % 10
        images = cgan.predict({"noise": noise(n, cgan.inputs[0].shape[-1]), "labels": labels},
                              batch_size=1000, verbose=0)
        return images, labels

    def guided(n):
        labels = np.arange(n) % 10
        return flow.sample(n, **flow_plan["sampler"], labels=labels,
                           guidance=flow_plan["guidance"], seed=1), labels

    return {
        "vae": dict(sample=lambda n: (vae.sample(n, seed=1), None), run=vae_run,
                    sampler="decoder, codes from N(0, I)", train_seconds=seconds(vae_run)),
        "dcgan": dict(sample=lambda n: (dcgan.predict(noise(n, dcgan.inputs[0].shape[-1]),
                                                      batch_size=1000, verbose=0), None),
                      run=recipes.DCGAN_RUN, sampler="generator, one pass",
                      train_seconds=seconds(recipes.DCGAN_RUN)),
        "cgan": dict(sample=conditional, run=recipes.CGAN_RUN,
                     sampler="generator, one pass, equal classes",
                     train_seconds=seconds(recipes.CGAN_RUN)),
        "latent_diffusion": dict(sample=lambda n: (latent.generate(n, seed=1), None),
                                 codes=lambda n: latent.sample_codes(n, seed=1), vae=vae,
                                 run=f"{recipes.LATENT_DIFFUSION_RUN} on {vae_run}",
                                 sampler="DDIM, 50 steps, on the VAE's codes",
                                 train_seconds=seconds(recipes.LATENT_DIFFUSION_RUN)
                                 + seconds(vae_run)),
        "diffusion": dict(sample=lambda n: (pixel.sample(n, **sampler, seed=1), None),
                          run=recipes.shipped_diffusion_run() + " (shipped weights)",
                          sampler=recipes.sampler_label(sampler),
                          train_seconds=saving.shipped_record(
                              recipes.SHIPPED_DIFFUSION)["train_seconds"]),
        "flow": dict(sample=lambda n: (flow_uncond.sample(n, **flow_plan["sampler"], seed=1), None),
                     run=recipes.unconditional_flow_run() + " (shipped weights)",
                     sampler=recipes.flow_sampler_label(flow_plan["sampler"]) + ", no label",
                     train_seconds=saving.shipped_record(
                         recipes.SHIPPED_FLOW_UNCOND)["train_seconds"]),
        "flow_cfg": dict(sample=guided, run=recipes.shipped_flow_run() + " (shipped weights)",
                         sampler=(f"{recipes.flow_sampler_label(flow_plan['sampler'])}, "
                                  f"w = {flow_plan['guidance']:g}, equal classes"),
                         train_seconds=saving.shipped_record(recipes.SHIPPED_FLOW)["train_seconds"]),
    }


def code_space_share(x_train, x_test, codes, vae) -> float:
    """Latent diffusion's memorisation in the VAE's code space: the share of its sampled
    `codes` nearer a training digit's code μ(x) than the median test digit's code is."""
    train_codes = vae.encode(x_train)[0]
    _, sample_d = metrics.nearest_rows(codes, train_codes)
    _, test_d = metrics.nearest_rows(vae.encode(x_test[:NEIGHBOUR_SAMPLES])[0], train_codes)
    return metrics.closer_than_real(sample_d, test_d)


def main(only=()):
    # The lessons' training digits (in fast mode the subset lessons 05 and 08 use), so the VAE
    # and the latent diffusion are the lessons' own runs and reload whoever trained them first.
    (x_train, _), (x_test, _) = data.load_mnist(n_train=recipes.autoencoder_plan()["n_train"],
                                                n_test=config.by_mode(None, 1000))
    scorer = ImageScorer(recipes.reference_classifier(verbose=2), x_test, train_images=x_train,
                         judge=recipes.digit_judge(verbose=2))
    _, test_distance = metrics.nearest_images(x_test[:NEIGHBOUR_SAMPLES], x_train)
    n = config.by_mode(10_000, 200)
    real = scorer.yardstick(n)
    real_coverage = scorer.precision_recall(x_train[np.random.default_rng(0).choice(
        len(x_train), n, replace=False)])
    folder = config.build_dir("samples")
    figures = {"n_samples": n, "fd_sample_size": n, "real_fd_yardstick": real.mean,
               "fd_real_yardstick": real.mean, "fd_real_yardstick_std": real.std,
               "real_precision": real_coverage.precision, "real_recall": real_coverage.recall,
               "test_nearest_train_distance": float(test_distance.mean()),
               "real_digit_share": scorer.judge.completeness(x_test[:n])}
    generators = models(x_train)
    unknown = sorted(set(only) - set(generators))
    if unknown:
        raise SystemExit(f"--only: unknown model(s) {unknown}; expected some of {list(generators)}")
    if only:
        figures = {**earlier_rows(n, figures), **figures}
    for name, model in generators.items():
        if only and name not in only:
            continue
        start = time.perf_counter()
        images, labels = model["sample"](n)
        elapsed = time.perf_counter() - start
        images = np.asarray(images, np.float32)
        np.save(folder / f"{name}.npy", images)
        if labels is not None:
            np.save(folder / f"{name}_labels.npy", labels)
        row = scorer.score(images)
        del row["class_shares"], row["n"]
        if labels is not None:
            share, per_class = scorer.requested_class_shares(images, labels)
            row.update(class_share=share, min_requested_share=float(np.nanmin(per_class)))
        nearest = scorer.nearest_train_distances(images, NEIGHBOUR_SAMPLES)
        row.update(nearest_train_distance=float(nearest.mean()),
                   closer_than_test=metrics.closer_than_real(nearest, test_distance),
                   train_seconds=float(model["train_seconds"]),
                   sample_seconds_per_1000=elapsed / n * 1000, run=model["run"],
                   sampler=model["sampler"])
        figures.update({f"{name}_{key}": value for key, value in row.items()})
    if not only or "latent_diffusion" in only:
        latent = generators["latent_diffusion"]
        figures["latent_diffusion_code_closer_than_test"] = code_space_share(
            x_train, x_test, latent["codes"](NEIGHBOUR_SAMPLES), latent["vae"])
    rows = [(name, {key[len(name) + 1:]: value for key, value in figures.items()
                    if key.startswith(f"{name}_") and key[len(name) + 1:] in ROW_KEYS})
            for name in generators if f"{name}_fd" in figures]
    print(table(rows, figures, real))
    print(report.write_benchmark("generators", figures))


ROW_KEYS = ("fd", "precision", "recall", "min_class_share", "max_class_share", "digit_share",
            "nearest_train_distance", "closer_than_test", "train_seconds",
            "sample_seconds_per_1000", "sampler", "class_share", "min_requested_share")


def earlier_rows(n: int, figures: dict) -> dict:
    """The figures of the result file already written, checked to be at this sample size and
    with the same real-digit rows as `figures`, for `--only` to merge new rows into."""
    path = report.results_dir() / "generators.json"
    if not path.exists():
        raise SystemExit(f"--only merges rows into {path}, which is missing: run without --only")
    earlier = json.loads(path.read_text())
    if earlier.get("n_samples") != n:
        raise SystemExit(f"{path} holds rows of {earlier.get('n_samples')} samples, not {n}: "
                         f"run without --only")
    for key in ("fd_real_yardstick", "real_precision", "real_recall"):
        if abs(earlier[key] - figures[key]) > 1e-6 * max(1.0, abs(figures[key])):
            raise SystemExit(f"{path}: {key} was {earlier[key]}, now {figures[key]}: the scorer "
                             f"or the data changed, so its rows cannot be mixed with new ones; "
                             f"run without --only")
    return {key: value for key, value in earlier.items() if key not in ("mode", "machine")}


def table(rows, figures, real) -> str:
    """The closing table as text, real digits first."""
    head = (f"{'model':<18}{'Fréchet':>9}{'prec.':>7}{'recall':>7}{'class share':>14}"
            f"{'digits':>8}{'nearest':>9}{'closer':>8}{'train s':>9}{'s/1000':>8}  sampler")
    lines = [f"{real.n} samples per model, scored against the test digits", head,
             f"{'real digits':<18}{real.mean:>9.2f}{figures['real_precision']:>7.3f}"
             f"{figures['real_recall']:>7.3f}{'':>14}{figures['real_digit_share']:>8.3f}"
             f"{figures['test_nearest_train_distance']:>9.2f}{0.5:>8.2f}"
             f"   (Fréchet: {real}; nearest: test digits)"]
    for name, r in rows:
        lines.append(f"{name:<18}{r['fd']:>9.1f}{r['precision']:>7.3f}{r['recall']:>7.3f}"
                     f"{r['min_class_share']:>7.3f}-{r['max_class_share']:.3f}"
                     f"{r['digit_share']:>8.3f}{r['nearest_train_distance']:>9.2f}"
                     f"{r['closer_than_test']:>8.2f}{r['train_seconds']:>9.0f}"
                     f"{r['sample_seconds_per_1000']:>8.2f}  {r['sampler']}")
    lines.append(f"latent diffusion, codes nearer a training code than the median test digit's: "
                 f"{figures['latent_diffusion_code_closer_than_test']:.2f}")
    lines += [f"{name}: {r['class_share']:.3f} of samples read as the requested digit (worst "
              f"digit {r['min_requested_share']:.3f})" for name, r in rows if "class_share" in r]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", default=(), metavar="NAME",
                        help="score only these models and keep the other rows of the result file")
    config.seed_everything(0)
    main(parser.parse_args().only)
