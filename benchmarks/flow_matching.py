"""Lesson 09 benchmark: flow matching against lesson 08's diffusion at the same training budget,
and classifier-free guidance's trade-off between asking and getting.

1. Trains (or reloads) lesson 09's conditional U-Net (`recipes.flow_matching`, settings in
   `recipes.flow_plan`: lesson 08's network, data, batch, optimiser and epochs, plus labels
   dropped for 20 % of examples) on the 60,000 training digits, checkpointed every epoch, and
   saves its averaged weights to `build/models/flow_unet.weights.h5`.
2. Trains (or reloads) the same U-Net without labels, as long (`flow_unet_uncond`): the
   like-for-like rival of lesson 08's shipped diffusion model (same network, data, batch,
   optimiser, epochs; only the loss and the sampler differ). With `--ship` both models' weights
   are copied to `data/weights/` with their records (SHA-256, TensorFlow and Keras versions,
   epochs, seconds, loss per epoch, machine, command).
3. Steps against quality: `N` samples (fast mode 100) per setting, scored by the Fréchet
   distance to the 10,000 test digits in the lesson-01 CNN's features beside the yardstick (as
   many real training digits, five draws), precision and recall, and timed: the unconditional
   flow model with Euler and Heun steps, lesson 08's shipped weights with DDIM and DDPM, at
   1, 2, 4, 8, 16 and 32 steps (and 25 for diffusion, lesson 08's setting). Keys
   `fd_<sampler>_<steps>`, `seconds_per_1000_<sampler>_<steps>`, `nfe_<sampler>_<steps>`
   (network calls per image).
4. Guidance: the conditional model asked for an equal number of each digit, at each weight of
   `flow_plan()["guidance_weights"]` with the plan's sampler; the share the lesson-01 CNN reads
   as the requested digit (overall and for the worst digit), Fréchet distance, precision and
   recall. `chosen_w` is `recipes.choose_guidance` applied to that sweep: the smallest weight
   whose samples reach the lesson's targets.

Usage: python benchmarks/flow_matching.py [--ship]   (COURSE_FAST=1 for a smoke run)
"""

import argparse
import time

import course_lib  # noqa: F401  (quiets TensorFlow before it loads)
import numpy as np

from course_lib import config, data, recipes, report, saving, training
from course_lib.scoring import ImageScorer

FLOW_STEPS = config.by_mode((1, 2, 4, 8, 16, 32), (1, 2, 4))
DIFFUSION_STEPS = config.by_mode((1, 2, 4, 8, 16, 25, 32), (1, 2, 4))
N = config.by_mode(1000, 100)
SEED = 1


def trained_flow(x_train, labels, run: str, shipped: str, ship: bool):
    """The run `run` trained on `x_train` (with `labels`, or None), trained or reloaded, its
    averaged weights saved as `shipped` in `build/models/` (with `ship`, also in
    `data/weights/` with their record), and its training figures."""
    epochs = recipes.flow_plan()["shipped_epochs"]
    model, history = recipes.flow_matching(x_train, labels, epochs, run)
    seconds = training.trained_seconds(config.checkpoint_dir(run))
    path = config.model_path(f"{shipped}.weights.h5")
    model.ema_network.save_weights(path)
    figures = {"train_seconds": seconds, "img_per_s": epochs * len(x_train) / seconds,
               "epochs": epochs, "final_loss": history["loss"][-1]}
    if ship:
        record = {**figures, "machine": config.machine_label(), "run": run,
                  "loss_per_epoch": history["loss"], "n_train": len(x_train),
                  "command": "python benchmarks/flow_matching.py --ship"}
        print(f"shipped {saving.ship_weights(path, shipped, record)} with its record")
    return model, figures


def timed_score(scorer, sample, labels=None) -> dict:
    """Draw with `sample()`, time it, and score the images (and the requested-class shares
    when `labels` are given)."""
    start = time.perf_counter()
    images = sample()
    elapsed = time.perf_counter() - start
    result = scorer.score(images)
    result = {key: result[key] for key in ("fd", "precision", "recall", "min_class_share",
                                           "confident_share")}
    if labels is not None:
        share, per_class = scorer.requested_class_shares(images, labels)
        result.update(class_share=share, min_requested_share=float(np.nanmin(per_class)))
    return {**result, "seconds_per_1000": elapsed / len(images) * 1000}


def steps_figures(flow, diffusion, scorer, cache) -> dict:
    """Fréchet distance, coverage and time per 1,000 images for every sampler and step count."""
    settings = ([("euler", s) for s in FLOW_STEPS] + [("heun", s) for s in FLOW_STEPS]
                + [("ddim", s) for s in DIFFUSION_STEPS] + [("ddpm", s) for s in DIFFUSION_STEPS])
    samplers = {
        "euler": lambda steps: flow.sample(N, steps=steps, method="euler", seed=SEED),
        "heun": lambda steps: flow.sample(N, steps=steps, method="heun", seed=SEED),
        "ddim": lambda steps: diffusion.sample(N, steps=steps, eta=0.0, seed=SEED),
        "ddpm": lambda steps: diffusion.sample(N, steps=steps, eta=1.0, seed=SEED),
    }
    figures = {}
    for sampler, steps in settings:
        result = cache.get(f"{sampler}_{steps}",
                           lambda: timed_score(scorer, lambda: samplers[sampler](steps)))
        figures.update({f"fd_{sampler}_{steps}": result["fd"],
                        f"recall_{sampler}_{steps}": result["recall"],
                        f"precision_{sampler}_{steps}": result["precision"],
                        f"seconds_per_1000_{sampler}_{steps}": result["seconds_per_1000"],
                        f"nfe_{sampler}_{steps}": steps * (2 if sampler == "heun" else 1)})
        print(f"{sampler.upper():>5} {steps:>2} steps: Fréchet distance {result['fd']:6.2f}, "
              f"precision {result['precision']:.3f}, recall {result['recall']:.3f}, "
              f"{result['seconds_per_1000']:6.1f} s per 1,000 images", flush=True)
    return figures


def guidance_figures(model, scorer, cache) -> dict:
    """The guidance sweep of the conditional model with the plan's sampler."""
    plan = recipes.flow_plan()
    sampler = plan["sampler"]
    labels = np.arange(N) % plan["classes"]
    figures, sweep = {"cfg_sampler": recipes.flow_sampler_label(sampler)}, {}
    for w in plan["guidance_weights"]:
        sweep[w] = cache.get(f"cfg_{w:g}", lambda: timed_score(
            scorer, lambda: model.sample(N, **sampler, labels=labels, guidance=w, seed=SEED),
            labels))
        r = sweep[w]
        figures.update({f"cfg_class_share_{w:g}": r["class_share"],
                        f"cfg_min_class_share_{w:g}": r["min_requested_share"],
                        f"cfg_fd_{w:g}": r["fd"], f"cfg_recall_{w:g}": r["recall"],
                        f"cfg_precision_{w:g}": r["precision"],
                        f"cfg_seconds_per_1000_{w:g}": r["seconds_per_1000"]})
        print(f"w = {w:g}: requested digit {r['class_share']:.3f} (worst digit "
              f"{r['min_requested_share']:.3f}), Fréchet distance {r['fd']:.2f}, precision "
              f"{r['precision']:.3f}, recall {r['recall']:.3f}, {r['seconds_per_1000']:.1f} s "
              f"per 1,000 images", flush=True)
    chosen = recipes.choose_guidance(sweep)
    reached = (sweep[chosen]["class_share"] >= plan["class_share_target"]
               and sweep[chosen]["min_requested_share"] >= plan["worst_class_target"])
    figures.update(chosen_w=chosen, chosen_w_reaches_targets=float(reached),
                   cfg_w=", ".join(f"{w:g}" for w in plan["guidance_weights"]))
    print(f"chosen w: {chosen:g} ({'the smallest weight reaching' if reached else 'no weight reached'} "
          f"{plan['class_share_target']:.0%} overall and {plan['worst_class_target']:.0%} for "
          f"every digit{'' if reached else '; the one with the best worst digit'})")
    return figures


def main(ship: bool):
    (x_train, y_train), (x_test, _) = data.load_mnist(
        n_train=recipes.autoencoder_plan()["n_train"], n_test=config.by_mode(None, 1000))
    scorer = ImageScorer(recipes.reference_classifier(verbose=2), x_test, train_images=x_train)
    model, figures = trained_flow(x_train, y_train, recipes.shipped_flow_run(),
                                  recipes.SHIPPED_FLOW, ship)
    unconditional, uncond = trained_flow(x_train, None, recipes.unconditional_flow_run(),
                                         recipes.SHIPPED_FLOW_UNCOND, ship)
    figures.update({f"uncond_{key}": value for key, value in uncond.items()})
    real = scorer.yardstick(N)
    print(f"real training digits, {N} per set: Fréchet distance {real}", flush=True)
    figures.update(fd_sample_size=N, fd_real_yardstick=real.mean, fd_real_yardstick_std=real.std,
                   diffusion_train_seconds=saving.shipped_record(
                       recipes.SHIPPED_DIFFUSION)["train_seconds"])
    identity = {"flow": recipes.shipped_flow_run(), "n": N,
                "diffusion": saving.shipped_record(recipes.SHIPPED_DIFFUSION)["sha256"]}
    cache = report.ScoreCache("bench_flow_scores", identity)
    figures.update(steps_figures(unconditional, recipes.shipped_diffusion(), scorer, cache))
    figures.update(guidance_figures(model, scorer, cache))
    print(report.write_benchmark("flow_matching", figures))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ship", action="store_true",
                        help="copy the trained weights into data/weights/ (default mode only)")
    args = parser.parse_args()
    if args.ship and config.fast_mode():
        parser.error("--ship stores the default-mode weights; unset COURSE_FAST")
    config.seed_everything(0)
    main(args.ship)
