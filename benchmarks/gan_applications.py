"""Lesson 07 benchmark: three GAN applications in miniature, each measured.

1. Generation on demand: lesson 07's conditional GAN (`recipes.lesson_cgan`, the lesson's own
   checkpoint) asked for `n_per_class` digits of each class: the share lesson 01's CNN assigns
   to the requested class (overall and for the worst class) and the Fréchet distance of the
   whole set to the test digits, next to lesson 06's unconditional `GAN` trained here for the
   same number of generator steps on the same images (`recipes.dcgan_same_steps`: lesson 06's
   recipe with the conditional GAN's budget, under its own run name).
2. Domain transfer without pairs: lesson 07's CycleGAN and the same model without the cycle
   loss, on test digits whose true domain-B version is known: PSNR of the translation against
   it, the identity baseline (the untranslated digit), and the share that keeps its class.
3. Telling fakes apart: lesson 07's detector (real test digits vs the conditional GAN's
   samples), AUROC on held-out samples of that generator and on the unconditional GAN's.

The notebook and this benchmark train the same recipes into the same checkpoints, so whichever
runs second reloads (the conditional generator is saved to `build/models/cgan_generator.keras`).
Images are scored by `scoring.ImageScorer`.

Usage: python benchmarks/gan_applications.py   (COURSE_FAST=1 for a smoke run)
"""

import course_lib  # noqa: F401  (quiets TensorFlow before it loads)
import numpy as np

from course_lib import config, data, metrics, recipes, report, training
from course_lib.domains import to_style_b
from course_lib.models.detector import fake_scores
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
    translation = {}
    for key, weight in (("cycle", 10.0), ("nocycle", 0)):
        model = recipes.lesson_cyclegan(x_a, x_b, cycle_weight=weight).model
        translated = model.translate_ab(x_eval)
        kept, _ = scorer.requested_class_shares(translated, y_eval)
        translation[key] = (metrics.psnr(true_b, translated), kept)

    detector = recipes.lesson_fake_detector(x_test, samples).model
    held_real, held_fake = recipes.held_out(x_test), recipes.held_out(samples)
    real_scores = fake_scores(detector, held_real)
    auroc_same = metrics.auroc(fake_scores(detector, held_fake), real_scores)
    auroc_other = metrics.auroc(fake_scores(detector, recipes.held_out(dcgan_samples)), real_scores)
    early = recipes.held_out(recipes.early_cgan().generate(wanted, seed=1))
    auroc_early = metrics.auroc(fake_scores(detector, early), real_scores)

    seconds = sum(training.trained_seconds(config.checkpoint_dir(name)) for name in
                  (recipes.CGAN_RUN, recipes.CYCLE_RUN, recipes.NOCYCLE_RUN, recipes.DETECTOR_RUN))
    report.write_benchmark("gan_applications", {
        "cgan_class_accuracy": class_accuracy,
        "cgan_min_class_accuracy": per_class.min(),
        "cgan_fd": scorer.frechet(samples[::len(samples) // n_score]),
        "dcgan_fd_same_steps": scorer.frechet(dcgan_samples[:n_score]),
        "fd_real_yardstick": real.mean, "fd_real_yardstick_std": real.std, "fd_sample_size": real.n,
        "cycle_psnr_db": translation["cycle"][0], "identity_psnr_db": metrics.psnr(true_b, x_eval),
        "nocycle_psnr_db": translation["nocycle"][0],
        "cycle_class_kept": translation["cycle"][1], "nocycle_class_kept": translation["nocycle"][1],
        "true_b_class_accuracy": scorer.requested_class_shares(true_b, y_eval)[0],
        "detector_auroc_same": auroc_same, "detector_auroc_other": auroc_other,
        "detector_auroc_early_cgan": auroc_early,
        "generator_steps": steps, "train_seconds": seconds,
        "dcgan_train_seconds": training.trained_seconds(
            config.checkpoint_dir(recipes.DCGAN_SAME_STEPS_RUN)),
    })
    print("per-class accuracy of the conditional GAN", np.round(per_class, 3))


if __name__ == "__main__":
    main()
