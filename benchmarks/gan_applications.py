"""Lesson 07 benchmark: three GAN applications in miniature, each measured.

1. Generation on demand: lesson 07's conditional GAN (`recipes.lesson_cgan`, the lesson's own
   checkpoint) asked for `n_per_class` digits of each class: the share lesson 01's CNN assigns
   to the requested class (overall and for the worst class) and the Fréchet distance of the
   whole set to the test digits, next to lesson 06's unconditional `GAN` trained here for the
   same number of generator steps on the same images (`recipes.dcgan_same_steps`: lesson 06's
   recipe with the conditional GAN's budget, under its own run name).
2. Domain transfer without pairs: lesson 07's CycleGAN, the same without the cycle term
   (identity term kept), the same without coordinate channels, and the paired translator (its
   A → B network trained on the true pairs), all for the same steps, on test digits whose true
   domain-B version is known: PSNR of the translation against it, between the identity
   baseline (the untranslated digit) and the paired one, and the share that keeps its class.
3. Telling fakes apart: lesson 07's detector (real test digits vs the conditional GAN's
   samples, trained until its validation AUROC stops rising), AUROC on held-out samples of that
   generator, of its first-epoch snapshot and of the unconditional GAN; and per source the
   grey-pixel share and edge energy (`models.detector.cue_statistics`), the cues it may read.
4. Checkerboard artefacts: exercise 1's clothes generator (transposed convolutions) and the same
   with resize-then-convolve upsampling (Odena et al. 2016), same clothes and epochs: the
   grid-locked 2-pixel pattern of their samples (`models.detector.grid_pattern`) beside real
   clothes'.

The notebook and this benchmark train the same recipes into the same checkpoints, so whichever
runs second reloads (the conditional generator is saved to `build/models/cgan_generator.keras`).
Images are scored by `scoring.ImageScorer`.

Usage: python benchmarks/gan_applications.py   (COURSE_FAST=1 for a smoke run)
"""

import course_lib  # noqa: F401  (quiets TensorFlow before it loads)
import numpy as np

from course_lib import config, data, metrics, recipes, report, training
from course_lib.domains import to_style_b
from course_lib.models.detector import cue_statistics, fake_scores, grid_pattern
from course_lib.scoring import ImageScorer


def main():
    plan = recipes.gan_applications_plan()
    (x_all, y_all), (x_test, y_test) = data.load_mnist(n_test=config.by_mode(None, 500))
    x_train, y_train = x_all[:plan["cgan_n_train"]], y_all[:plan["cgan_n_train"]]
    scorer = ImageScorer(recipes.reference_classifier(verbose=2), x_test, train_images=x_all)

    cgan = recipes.lesson_cgan(x_train, y_train).model
    steps = recipes.cgan_steps(len(x_train), plan)
    wanted = np.repeat(np.arange(10), plan["n_per_class"])
    samples = cgan.generate(wanted, seed=1)
    class_accuracy, per_class = scorer.requested_class_shares(samples, wanted)

    dcgan = recipes.dcgan_same_steps(x_train).model
    dcgan_samples = dcgan.generate(len(samples), seed=1)
    n_score = recipes.dcgan_plan()["n_score"]  # lesson 07 scores as lesson 06 does
    real = scorer.yardstick(n_score)

    x_a, x_b = recipes.cycle_domains(x_all, y_all)
    x_eval, y_eval = x_test[:plan["n_translate"]], y_test[:plan["n_translate"]]
    true_b = to_style_b(x_eval)
    translations = {variant: recipes.lesson_cyclegan(x_a, x_b, variant=variant).model.translate_ab(x_eval)
                    for variant in recipes.CYCLE_VARIANTS}
    translations["paired"] = recipes.paired_translator(x_a).model.predict(x_eval, batch_size=512,
                                                                           verbose=0)
    translation = {key: (metrics.psnr(true_b, images), scorer.requested_class_shares(images, y_eval)[0])
                   for key, images in translations.items()}

    detector, detector_history = recipes.lesson_fake_detector(x_test, samples)
    val_auroc = detector_history["val_auroc"]
    held_real = recipes.held_out(x_test)
    real_scores = fake_scores(detector, held_real)
    forgers = {"cgan": recipes.held_out(samples), "dcgan_same_steps": recipes.held_out(dcgan_samples),
               "early_cgan": recipes.held_out(recipes.early_cgan().generate(wanted, seed=1))}
    auroc = {key: metrics.auroc(fake_scores(detector, images), real_scores)
             for key, images in forgers.items()}
    cues = {key: cue_statistics(images) for key, images in {"real": held_real, **forgers}.items()}

    (x_clothes, y_clothes), _ = data.load_fashion_mnist(n_train=plan["clothes_n_train"])
    clothes_wanted = np.repeat(np.arange(10), 100)
    grid = {up: grid_pattern(recipes.clothes_cgan(x_clothes, y_clothes, upsampling=up).model
                             .generate(clothes_wanted, seed=2)) for up in recipes.CLOTHES_RUNS}

    seconds = sum(training.trained_seconds(config.checkpoint_dir(name)) for name in
                  (recipes.CGAN_RUN, recipes.CYCLE_RUN, recipes.NOCYCLE_RUN, recipes.NOCOORD_RUN,
                   recipes.PAIRED_RUN, recipes.DETECTOR_RUN))
    coverage = scorer.precision_recall(samples[::len(samples) // n_score])
    report.write_benchmark("gan_applications", {
        "cgan_class_accuracy": class_accuracy,
        "cgan_min_class_accuracy": per_class.min(),
        "cgan_fd": scorer.frechet(samples[::len(samples) // n_score]),
        "dcgan_fd_same_steps": scorer.frechet(dcgan_samples[:n_score]),
        "fd_real_yardstick": real.mean, "fd_real_yardstick_std": real.std, "fd_sample_size": real.n,
        "cgan_precision": coverage.precision, "cgan_recall": coverage.recall,
        "identity_psnr_db": metrics.psnr(true_b, x_eval),
        "translator_steps": plan["cycle_epochs"] * int(np.ceil(len(x_a) / plan["cycle_batch_size"])),
        **{f"{key}_psnr_db": value[0] for key, value in translation.items()},
        **{f"{key}_class_kept": value[1] for key, value in translation.items()},
        "true_b_class_accuracy": scorer.requested_class_shares(true_b, y_eval)[0],
        "detector_epochs": recipes.best_epoch(val_auroc, plan["detector_min_delta"]) + 1,
        "detector_epochs_trained": len(val_auroc),
        "detector_auroc_same": auroc["cgan"], "detector_auroc_other": auroc["dcgan_same_steps"],
        "detector_auroc_early_cgan": auroc["early_cgan"],
        **{f"{cue}_{key}": values[cue] for key, values in cues.items()
           for cue in ("grey_share", "high_freq")},
        "grid_pattern_real_clothes": grid_pattern(x_clothes[:len(clothes_wanted)]),
        "grid_pattern_clothes": grid["transpose"], "grid_pattern_clothes_resize": grid["resize"],
        "clothes_resize_train_seconds": training.trained_seconds(
            config.checkpoint_dir(recipes.CLOTHES_RUNS["resize"])),
        "generator_steps": steps, "train_seconds": seconds,
        "dcgan_train_seconds": training.trained_seconds(
            config.checkpoint_dir(recipes.DCGAN_SAME_STEPS_RUN)),
    })
    print("per-class accuracy of the conditional GAN", np.round(per_class, 3))


if __name__ == "__main__":
    main()
