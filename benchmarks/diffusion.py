"""Lesson 08 benchmark: the pixel-space diffusion model whose weights ship in `data/weights/`,
and latent diffusion over lesson 05's VAE against the VAE's own prior draws.

1. Trains lesson 08's U-Net (`recipes.pixel_diffusion`, settings in `recipes.diffusion_plan`) on
   the 60,000 training digits, checkpointed every epoch (a rerun resumes or reloads), and saves
   the averaged (EMA) weights to `build/models/diffusion_unet.weights.h5`. With `--ship` it also
   copies them to `data/weights/` with a JSON record beside them (SHA-256, epochs, seconds,
   machine, TensorFlow and Keras versions, loss per epoch and the first epoch's loss curve in
   ten points), which is how the shipped file is made.
2. Samples 500 digits (fast mode 200) per setting and scores each set by its Fréchet
   distance to the 10,000 test digits in the lesson-01 CNN's features, beside the yardstick (as
   many real training digits, five draws): DDIM at 10, 25, 50 and 100 steps with two noise
   seeds, for the course's way of estimating x_0 and three alternatives (`ESTIMATES`); DDPM at
   the same steps with the course's estimate. Keys:
   `fd_<sampler>_<steps>_<estimate>_seed<s>`, and `fd_<sampler>_<steps>` the course's estimate,
   mean of the seeds. At 25 steps also the smallest class share, the share classified with
   confidence ≥ 0.9, precision, recall and the seconds per 1,000 images.
3. Trains the latent diffusion of lesson 08 on the 16-dimensional VAE of lesson 05 and scores
   as many of its decoded samples against the VAE's prior draws N(0, I) the same way.

With `--shipped` it skips step 1 and scores the weights already in `data/weights/` (their
training figures come from the record beside them; `shipped_weights` is then 1).

With `--check-retrain` it only says how close a retrain comes to the shipped run: it trains the
first epoch again (same digits, seeds and learning-rate schedule, about 4 minutes on 2 CPU
cores) and compares its loss curve with the record's, point by point, against
`RETRAIN_TOLERANCE`; the exit status is 1 when a point is further off.

Usage: python benchmarks/diffusion.py [--ship | --shipped | --check-retrain]
       (COURSE_FAST=1 for a smoke run of the first two)
"""

import argparse
import time
from contextlib import contextmanager

import course_lib  # noqa: F401  (quiets TensorFlow before it loads)
import numpy as np

from course_lib import config, data, recipes, report, saving, training
from course_lib.scoring import ImageScorer

SWEEP_STEPS = config.by_mode((10, 25, 50, 100), (2, 4))
SEEDS = config.by_mode((1, 2), (1,))
LESSON_STEPS = config.by_mode(25, 4)  # the setting lesson 08 samples with
# How far a retrain's first-epoch loss curve may stray from the shipped record's, relative to
# the record, at any of its points: seeds and data order are the same, so only the arithmetic
# of another machine, thread count or TensorFlow build moves it.
RETRAIN_TOLERANCE = 0.05


def kept_noise(model, x_t, eps, t):
    """The sampler's first version: x̂_0 clipped, the predicted ε kept as it was."""
    return np.clip(model.clean_from_noise(x_t, eps, t), -1.0, 1.0), eps


def unclipped(model, x_t, eps, t):
    """No clipping at all: x̂_0 straight from the predicted ε."""
    return model.clean_from_noise(x_t, eps, t), eps


def dynamic_threshold(model, x_t, eps, t, quantile=0.995):
    """Saharia et al. 2022 (Imagen): per image, s = the 99.5th percentile of |x̂_0| (at least
    1); x̂_0 clipped to [−s, s] and divided by s; ε re-derived to match."""
    x0 = unclipped(model, x_t, eps, t)[0]
    s = np.maximum(np.quantile(np.abs(x0).reshape(len(x0), -1), quantile, axis=1), 1.0)
    s = s.reshape((-1,) + (1,) * (x0.ndim - 1))
    x0 = np.clip(x0, -s, s) / s
    return x0, model.noise_from_clean(x_t, x0, t)


ESTIMATES = {"rederived": None,  # the course's `Diffusion.estimate_clean`
             "kept_noise": kept_noise, "unclipped": unclipped, "dynamic": dynamic_threshold}


@contextmanager
def estimate(model, name: str):
    """Sample `model` with the x_0 estimate `name` of `ESTIMATES` inside the block."""
    if ESTIMATES[name] is not None:
        model.estimate_clean = lambda x_t, eps, t: ESTIMATES[name](model, x_t, eps, t)
    try:
        yield model
    finally:
        model.__dict__.pop("estimate_clean", None)


def trained_pixel_model(x_train, ship: bool):
    """Train (or reload) the shipped-weights run and save its EMA weights (with `ship`, into
    `data/weights/` too); the model and its figures of training."""
    run = recipes.shipped_diffusion_run()
    epochs = recipes.diffusion_plan()["shipped_epochs"]
    curve = batch_losses(run)
    model = recipes.pixel_diffusion(x_train, epochs, run, callbacks=[curve]).model
    seconds = training.trained_seconds(config.checkpoint_dir(run))
    path = config.model_path(f"{recipes.SHIPPED_DIFFUSION}.weights.h5")
    model.ema_network.save_weights(path)
    figures = {"train_seconds": seconds, "img_per_s": epochs * len(x_train) / seconds,
               "epochs": epochs}
    if ship:
        record = {**figures, "machine": config.machine_label(), "run": run,
                  "loss_per_epoch": training.trained_history(config.checkpoint_dir(run))["loss"],
                  "first_epoch_curve": curve.epoch_curve("loss"), "n_train": len(x_train),
                  "command": "python benchmarks/diffusion.py --ship"}
        shipped = saving.ship_weights(path, recipes.SHIPPED_DIFFUSION, record)
        print(f"shipped {shipped} with its record")
    return model, figures


def batch_losses(run: str) -> training.BatchLosses:
    """The per-batch loss of run `run`, kept beside its checkpoint (so a resumed run has all)."""
    return training.BatchLosses(("loss",), path=config.checkpoint_dir(run) / "batch_losses.json")


def check_retrain(x_train) -> bool:
    """Train the shipped run's first epoch again under another name and print its loss curve
    beside the record's; True when every point is within `RETRAIN_TOLERANCE` of the record."""
    record = saving.shipped_record(recipes.SHIPPED_DIFFUSION)
    if "first_epoch_curve" not in record:
        raise SystemExit("the shipped record has no first-epoch loss curve (weights shipped "
                         "before 5 December 2026): ship them again with --ship first")
    run = f"{record['run']}_first_epoch_again"
    curve = batch_losses(run)
    recipes.pixel_diffusion(x_train, 1, run, callbacks=[curve], schedule_epochs=record["epochs"])
    shipped = record["first_epoch_curve"]
    again = curve.epoch_curve("loss", points=len(shipped))
    gaps = [abs(a - b) / b for a, b in zip(again, shipped)]
    print(f"first epoch's loss in {len(shipped)} runs of batches: shipped record "
          f"({record['machine']}, TensorFlow {record['tensorflow']}) against now "
          f"({config.machine_label()})")
    for point, (b, a, gap) in enumerate(zip(shipped, again, gaps), start=1):
        print(f"  {point:>2}: {b:.5f}  {a:.5f}  {gap:6.2%}")
    within = max(gaps) <= RETRAIN_TOLERANCE
    print(f"largest gap {max(gaps):.2%}: {'within' if within else 'outside'} the tolerance of "
          f"{RETRAIN_TOLERANCE:.0%}")
    return within


def shipped_pixel_model():
    """The U-Net with the shipped weights, and the training figures of their record."""
    record = saving.shipped_record(recipes.SHIPPED_DIFFUSION)
    print(f"scoring the shipped weights ({record['epochs']} epochs, trained on {record['machine']})")
    return recipes.shipped_diffusion(), {key: record[key] for key in
                                         ("train_seconds", "img_per_s", "epochs")}


def sweep_settings():
    """(sampler, x_0 estimate, steps, seed) in the order they are scored: the course's DDIM and
    DDPM with both seeds first, then the sampler's first version and the other estimates, so
    an interrupted run has the comparisons that matter most."""
    settings = [(sampler, "rederived", steps, seed) for sampler in ("ddim", "ddpm")
                for steps in SWEEP_STEPS for seed in SEEDS]
    return settings + [("ddim", name, steps, seed) for name in ("kept_noise", "unclipped", "dynamic")
                       for steps in SWEEP_STEPS for seed in SEEDS]


def pixel_figures(model, figures: dict, scorer, weights_id: str) -> dict:
    """`figures` with the sampler sweep of `model` scored beside the real-digit yardstick."""
    n = config.by_mode(500, 200)  # digits per Fréchet distance, for every model of the file
    real = scorer.yardstick(n)
    figures = {**figures, "fd_sample_size": n, "fd_real_yardstick": real.mean,
               "fd_real_yardstick_std": real.std, "ddim_estimate": "rederived"}
    print(f"real training digits, {n} per set: Fréchet distance {real}", flush=True)
    cache = report.ScoreCache("bench_diffusion_sampler_sweep", {"weights": weights_id, "n": n})

    def scored(sampler, name, steps, seed):
        start = time.perf_counter()
        with estimate(model, name):
            images = model.sample(n, steps=steps, eta=float(sampler == "ddpm"), seed=seed)
        elapsed = time.perf_counter() - start
        result = scorer.score(images)
        del result["class_shares"]
        return {**result, "seconds_per_1000": elapsed / n * 1000}

    for sampler, name, steps, seed in sweep_settings():
        key = f"{sampler}_{steps}_{name}_seed{seed}"
        result = cache.get(key, lambda: scored(sampler, name, steps, seed))
        figures[f"fd_{key}"] = result["fd"]
        print(f"{sampler.upper()} {steps:>3} steps, x_0 {name:<10} seed {seed}, "
              f"{result['seconds_per_1000']:6.1f} s per 1,000 images: {describe(result)}",
              flush=True)
    for sampler, name, steps, seed in sweep_settings():
        if name == "rederived" and seed == SEEDS[0]:
            runs = [cache.scores[f"{sampler}_{steps}_{name}_seed{s}"] for s in SEEDS]
            figures[f"fd_{sampler}_{steps}"] = float(np.mean([r["fd"] for r in runs]))
            figures[f"seconds_per_1000_{sampler}_{steps}"] = runs[0]["seconds_per_1000"]
    lesson = cache.scores[f"ddim_{LESSON_STEPS}_rederived_seed{SEEDS[0]}"]
    figures.update({key: lesson[key] for key in ("min_class_share", "confident_share",
                                                 "precision", "recall")})
    return figures


def latent_figures(x_train, scorer, n: int) -> dict:
    """Latent diffusion over lesson 05's 16-d VAE against the VAE's prior draws, `n` samples
    each."""
    vae = recipes.lesson_vae16(x_train).model
    start = time.perf_counter()
    sampler = recipes.latent_diffusion(vae, x_train).model
    trained = training.trained_seconds(config.checkpoint_dir(recipes.LATENT_DIFFUSION_RUN))
    latent = scorer.score(sampler.generate(n, seed=1))
    prior = scorer.score(vae.sample(n, seed=1))
    print(f"latent diffusion ({time.perf_counter() - start:.0f} s incl. encoding; trained "
          f"{trained:.0f} s): {describe(latent)}", flush=True)
    print(f"VAE prior draws: {describe(prior)}", flush=True)
    return {"latent_fd": latent["fd"], "vae_prior_fd": prior["fd"],
            "latent_confident_share": latent["confident_share"],
            "vae_prior_confident_share": prior["confident_share"],
            "latent_min_class_share": latent["min_class_share"],
            "latent_precision": latent["precision"], "latent_recall": latent["recall"],
            "vae_prior_precision": prior["precision"], "vae_prior_recall": prior["recall"],
            "vae_prior_min_class_share": prior["min_class_share"],
            "latent_train_seconds": trained}


def describe(result: dict) -> str:
    """One line of a scorer's result."""
    return (f"Fréchet distance {result['fd']:.2f}, precision {result['precision']:.3f}, "
            f"recall {result['recall']:.3f}, confident {result['confident_share']:.3f}, "
            f"class shares {result['min_class_share']:.3f}-{result['max_class_share']:.3f}")


def main(ship: bool, shipped: bool):
    # The lessons' training digits (in fast mode the subset lessons 05 and 08 use), so the VAE
    # and the latent diffusion are the lessons' own runs and reload whoever trained them first.
    (x_train, _), (x_test, _) = data.load_mnist(n_train=recipes.autoencoder_plan()["n_train"],
                                                n_test=config.by_mode(None, 1000))
    scorer = ImageScorer(recipes.reference_classifier(verbose=2), x_test, train_images=x_train)
    model, trained = shipped_pixel_model() if shipped else trained_pixel_model(x_train, ship)
    weights_id = (saving.shipped_record(recipes.SHIPPED_DIFFUSION)["sha256"] if shipped
                  else recipes.shipped_diffusion_run())
    figures = pixel_figures(model, {**trained, "shipped_weights": float(shipped)}, scorer,
                            weights_id)
    figures.update(latent_figures(x_train, scorer, figures["fd_sample_size"]))
    print(report.write_benchmark("diffusion", figures))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ship", action="store_true",
                        help="copy the trained weights into data/weights/ (default mode only)")
    parser.add_argument("--shipped", action="store_true",
                        help="score the weights shipped in data/weights/ instead of training")
    parser.add_argument("--check-retrain", action="store_true",
                        help="train the shipped run's first epoch again and compare its loss "
                             "curve with the record's (default mode only)")
    args = parser.parse_args()
    if (args.ship or args.check_retrain) and config.fast_mode():
        parser.error("--ship and --check-retrain use the default-mode run; unset COURSE_FAST")
    if args.ship + args.shipped + args.check_retrain > 1:
        parser.error("--ship trains weights to ship, --shipped scores those already shipped, "
                     "--check-retrain retrains their first epoch: choose one")
    config.seed_everything(0)
    if args.check_retrain:
        (x_train, _), _ = data.load_mnist()
        raise SystemExit(0 if check_retrain(x_train) else 1)
    main(args.ship, args.shipped)
