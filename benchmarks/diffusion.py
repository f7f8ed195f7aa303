"""Lesson 08 benchmark: the pixel-space diffusion model whose weights ship in `data/weights/`,
and latent diffusion over lesson 05's VAE against the VAE's own prior draws.

1. Trains lesson 08's U-Net (`recipes.pixel_diffusion`, settings in `recipes.diffusion_plan`) on
   the 60,000 training digits, checkpointed every epoch (a rerun resumes or reloads), and saves
   the averaged (EMA) weights to `build/models/diffusion_unet.weights.h5`. With `--ship` it also
   copies them to `data/weights/` with a JSON record (SHA-256, epochs, seconds,
   machine) beside them, which is how the shipped file
   is made.
2. Samples 2,000 digits (fast mode 200) with DDIM at 10, 25, 50 and 100 steps and scores each
   set by its Fréchet distance to the 10,000 test digits in the lesson-01 CNN's features, beside
   the yardstick (as many real training digits, five draws); at 25 steps also the smallest class
   share, the share classified with confidence ≥ 0.9 and the seconds per 1,000 images.
3. Trains the latent diffusion of lesson 08 on the 16-dimensional VAE of lesson 05 and scores
   as many of its decoded samples against the VAE's prior draws N(0, I) the same way.

With `--shipped` it skips step 1 and scores the weights already in `data/weights/` (their
training figures come from the record beside them; `shipped_weights` is then 1).

Usage: python benchmarks/diffusion.py [--ship | --shipped]   (COURSE_FAST=1 for a smoke run)
"""

import argparse
import time

import course_lib  # noqa: F401  (quiets TensorFlow before it loads)

from course_lib import config, data, recipes, report, saving, training
from course_lib.scoring import ImageScorer

SWEEP_STEPS = (10, 25, 50, 100)


def trained_pixel_model(x_train, ship: bool):
    """Train (or reload) the shipped-weights run and save its EMA weights (with `ship`, into
    `data/weights/` too); the model and its figures of training."""
    run = recipes.shipped_diffusion_run()
    epochs = recipes.diffusion_plan()["shipped_epochs"]
    model = recipes.pixel_diffusion(x_train, epochs, run).model
    seconds = training.trained_seconds(config.checkpoint_dir(run))
    path = config.model_path(f"{recipes.SHIPPED_DIFFUSION}.weights.h5")
    model.ema_network.save_weights(path)
    figures = {"train_seconds": seconds, "img_per_s": epochs * len(x_train) / seconds,
               "epochs": epochs}
    if ship:
        record = {**figures, "machine": config.machine_label(), "run": run,
                  "command": "python benchmarks/diffusion.py --ship"}
        shipped = saving.ship_weights(path, recipes.SHIPPED_DIFFUSION, record)
        print(f"shipped {shipped} with its record")
    return model, figures


def shipped_pixel_model():
    """The U-Net with the shipped weights, and the training figures of their record."""
    record = saving.shipped_record(recipes.SHIPPED_DIFFUSION)
    print(f"scoring the shipped weights ({record['epochs']} epochs, trained on {record['machine']})")
    return recipes.shipped_diffusion(), {key: record[key] for key in
                                         ("train_seconds", "img_per_s", "epochs")}


def pixel_figures(model, figures: dict, scorer) -> dict:
    """`figures` with the DDIM sweep of `model` scored beside the real-digit yardstick."""
    n = config.by_mode(2000, 200)  # digits per Fréchet distance, for every model of the file
    real = scorer.yardstick(n)
    figures = {**figures, "fd_sample_size": n, "fd_real_yardstick": real.mean,
               "fd_real_yardstick_std": real.std}
    print(f"real training digits, {n} per set: Fréchet distance {real}", flush=True)
    for steps in SWEEP_STEPS:
        start = time.perf_counter()
        images = model.sample(n, steps=steps, seed=1)
        elapsed = time.perf_counter() - start
        result = scorer.score(images)
        figures[f"fd_ddim_{steps}"] = result["fd"]
        figures[f"seconds_per_1000_ddim_{steps}"] = elapsed / n * 1000
        if steps == 25:
            figures.update(min_class_share=result["min_class_share"],
                           confident_share=result["confident_share"])
        print(f"DDIM {steps:>3} steps, {elapsed / n * 1000:6.1f} s per 1,000 images: "
              f"{describe(result)}", flush=True)
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
            "vae_prior_min_class_share": prior["min_class_share"],
            "latent_train_seconds": trained}


def describe(result: dict) -> str:
    """One line of a scorer's result."""
    return (f"Fréchet distance {result['fd']:.2f}, confident {result['confident_share']:.3f}, "
            f"class shares {result['min_class_share']:.3f}-{result['max_class_share']:.3f}")


def main(ship: bool, shipped: bool):
    # The lessons' training digits (in fast mode the subset lessons 05 and 08 use), so the VAE
    # and the latent diffusion are the lessons' own runs and reload whoever trained them first.
    (x_train, _), (x_test, _) = data.load_mnist(n_train=recipes.autoencoder_plan()["n_train"],
                                                n_test=config.by_mode(None, 1000))
    scorer = ImageScorer(recipes.reference_classifier(verbose=2), x_test, train_images=x_train)
    model, trained = shipped_pixel_model() if shipped else trained_pixel_model(x_train, ship)
    figures = pixel_figures(model, {**trained, "shipped_weights": float(shipped)}, scorer)
    figures.update(latent_figures(x_train, scorer, figures["fd_sample_size"]))
    print(report.write_benchmark("diffusion", figures))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ship", action="store_true",
                        help="copy the trained weights into data/weights/ (default mode only)")
    parser.add_argument("--shipped", action="store_true",
                        help="score the weights shipped in data/weights/ instead of training")
    args = parser.parse_args()
    if args.ship and config.fast_mode():
        parser.error("--ship stores the default-mode weights; unset COURSE_FAST")
    if args.ship and args.shipped:
        parser.error("--ship trains weights to ship, --shipped scores those already shipped: "
                     "choose one")
    config.seed_everything(0)
    main(args.ship, args.shipped)
