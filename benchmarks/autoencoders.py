"""Lessons 02-04 benchmark: autoencoder against PCA across bottleneck sizes, denoising PSNR,
anomaly detection, inpainting, the completeness/continuity of a 2-D latent space, and the
completeness measure itself (`recipes.digit_judge`) on real digits and on images that are not.

It trains (or reloads) exactly the models of notebooks 02-04 through their recipes in
`course_lib.recipes`, so whichever of the two runs first does the training:
`reloaded_runs` counts the models this run found finished. The `*_seconds` figures of the
sweep, the denoiser, the anomaly detector and the inpainter, and their sum `train_seconds`, are
training times as the runs' checkpoints recorded them, whoever trained them; `total_seconds` is
the wall time of this run (loading or training, and scoring).

Usage: python benchmarks/autoencoders.py   (COURSE_FAST=1 for a smoke run)
"""

import time

import course_lib  # noqa: F401  (quiets TensorFlow before it loads)
import numpy as np

from course_lib import baselines, config, data, latent, metrics, recipes, report
from course_lib.models.autoencoder import corrupt
from course_lib.training import is_finished, trained_seconds


def count_reload(name, figures):
    """Count the run `name` in `reloaded_runs` when its checkpoint is already finished."""
    if is_finished(config.checkpoint_dir(name)):
        figures["reloaded_runs"] += 1


def sweep(plan, x_train, x_test, figures):
    """Lesson 02: test MSE per pixel of the autoencoder and of PCA for every k."""
    models = {}
    for k in sorted(plan["ks"], key=lambda k: k != 32):  # the headline size first
        count_reload(recipes.sweep_run(k), figures)
        models[k] = recipes.lesson_autoencoder(k, x_train).model
        figures[f"ae_mse_k{k}"] = metrics.mse_per_pixel(
            x_test, models[k].predict(x_test, batch_size=512, verbose=0))
        figures[f"pca_mse_k{k}"] = metrics.mse_per_pixel(
            x_test, np.clip(baselines.pca_reconstruct(x_train, x_test, k), 0, 1))
        print(f"k={k}: autoencoder {figures[f'ae_mse_k{k}']:.5f}, PCA {figures[f'pca_mse_k{k}']:.5f}",
              flush=True)
    return models


def denoising(plan, x_train, x_test, figures):
    """Lesson 03: PSNR of the noisy input, the best classical filter and the denoiser at σ."""
    sigma = plan["sigma"]
    noisy = data.add_noise(x_test, sigma, seed=1)
    method, size, _ = baselines.best_classical_denoiser(
        data.add_noise(x_train[:1000], sigma, seed=2), x_train[:1000])
    count_reload(recipes.denoiser_run(plan), figures)
    dae = recipes.lesson_denoiser(x_train, verbose=0).model
    figures["noisy_psnr_db"] = metrics.psnr(x_test, noisy)
    figures["baseline_psnr_db"] = metrics.psnr(x_test, baselines.classical_denoise(noisy, method, size))
    figures["dae_psnr_db"] = metrics.psnr(x_test, dae.predict(noisy, batch_size=512, verbose=0))
    print(f"σ={sigma}: noisy {figures['noisy_psnr_db']:.2f} dB, {method} filter size {size} "
          f"{figures['baseline_psnr_db']:.2f} dB, denoiser {figures['dae_psnr_db']:.2f} dB", flush=True)


def anomaly(plan, x_train, y_train, x_test, y_test, figures):
    """Lesson 03: AUROC of reconstruction error for the digit left out of training."""
    count_reload(recipes.anomaly_run(plan), figures)
    detector = recipes.lesson_anomaly_detector(x_train, y_train).model
    scores = metrics.mse_per_image(x_test, detector.predict(x_test, batch_size=512, verbose=0))
    odd = y_test == plan["anomaly_digit"]
    figures["anomaly_auroc"] = metrics.auroc(scores[odd], scores[~odd])


def inpainting(plan, x_train, x_test, figures):
    """Lesson 03: PSNR of test images with a blanked square, before and after filling it in."""
    count_reload(recipes.inpainter_run(plan), figures)
    inpainter = recipes.lesson_inpainter(x_train).model
    missing = np.asarray(corrupt(np.ones_like(x_test), "patch", plan["patch_side"], seed=3)) == 0
    holes = np.where(missing, 0.0, x_test)
    filled = np.where(missing, inpainter.predict(holes, batch_size=512, verbose=0), holes)
    figures["holes_psnr_db"] = metrics.psnr(x_test, holes)
    figures["filled_psnr_db"] = metrics.psnr(x_test, filled)


def latent_gaps(ae2d, x_test, figures):
    """Lesson 04: completeness and continuity of the 2-D autoencoder's decoded grid, and the
    digit judge's completeness on real test digits, their 2-D reconstructions, uniform noise,
    inverted digits, the mean test image and a blank image."""
    judge = recipes.digit_judge(verbose=0)
    grid, _ = latent.decode_latent_grid(ae2d.encode(x_test), ae2d.decode)
    figures["ae_completeness"], figures["ae_continuity"] = metrics.grid_scores(grid, judge)
    outliers = data.make_outliers(x_test, seed=1)
    references = {"real": x_test, "reconstructions": ae2d.predict(x_test, batch_size=512, verbose=0),
                  "noise": outliers["noise"], "inverted": outliers["inverted"],
                  "mean_image": x_test.mean(0, keepdims=True),
                  "blank": np.zeros_like(x_test[:1])}
    for name, images in references.items():
        figures[f"completeness_{name}"] = judge.completeness(images)
    print("digit judge completeness: " + ", ".join(
        f"{name} {figures[f'completeness_{name}']:.3f}" for name in references), flush=True)


def step_runs(plan) -> dict:
    """Each trained step of the benchmark → the names of its runs."""
    return {"sweep": [recipes.sweep_run(k) for k in plan["ks"]],
            "dae": [recipes.denoiser_run(plan)], "anomaly": [recipes.anomaly_run(plan)],
            "inpainting": [recipes.inpainter_run(plan)]}


def record_training_seconds(plan, figures):
    """`<step>_seconds` and `train_seconds`: training time as the runs' checkpoints recorded it."""
    for step, runs in step_runs(plan).items():
        figures[f"{step}_seconds"] = sum(trained_seconds(config.checkpoint_dir(run)) for run in runs)
    figures["train_seconds"] = sum(figures[f"{step}_seconds"] for step in step_runs(plan))


def main():
    start = time.perf_counter()
    plan = recipes.autoencoder_plan()
    (x_train, y_train), (x_test, y_test) = data.load_mnist(plan["n_train"], plan["n_test"])
    figures = {"reloaded_runs": 0, **{f"ae_epochs_k{k}": n for k, n in plan["sweep_epochs"].items()}}
    models = sweep(plan, x_train, x_test, figures)
    denoising(plan, x_train, x_test, figures)
    anomaly(plan, x_train, y_train, x_test, y_test, figures)
    inpainting(plan, x_train, x_test, figures)
    record_training_seconds(plan, figures)
    latent_gaps(models[2], x_test, figures)
    figures["total_seconds"] = time.perf_counter() - start
    report.write_benchmark("autoencoders", figures)


if __name__ == "__main__":
    main()
