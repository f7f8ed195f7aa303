"""Checks for the exercises of lesson 07 (what GANs are for): a conditional generator retrained
on clothes, and a CycleGAN trained with another cycle-loss weight and measured."""

import numpy as np

from .feedback import ExerciseError, passed

N_CLASSES = 10


def _trained(name, optimizer, what):
    if optimizer is None or int(np.asarray(optimizer.iterations)) == 0:
        raise ExerciseError(f"{name}: the {what} has not been trained yet (its optimizer made no "
                            f"step): compile it and train it with training.fit_resumable")


def clothes_generator(model, digits_model=None):
    """`model` must be a `ConditionalGAN` with 10 classes, trained (not the digit generator
    `digits_model` of the lesson), whose generator makes one (28, 28, 1) image in [0, 1] per
    requested class."""
    from ..models.cgan import ConditionalGAN

    name = "clothes_generator"
    if not isinstance(model, ConditionalGAN):
        raise ExerciseError(f"{name}: got a {type(model).__name__}; return the trained "
                            f"ConditionalGAN (course_lib.models.cgan), the lesson's own code")
    if model.n_classes != N_CLASSES:
        raise ExerciseError(f"{name}: the model has {model.n_classes} classes; Fashion-MNIST has "
                            f"{N_CLASSES} (data.FASHION_CLASSES)")
    if digits_model is not None and (model is digits_model or all(
            np.array_equal(a, b) for a, b in zip(model.generator.get_weights(),
                                                  digits_model.generator.get_weights()))):
        raise ExerciseError(f"{name}: this is the digit generator of section 1; build a new "
                            f"ConditionalGAN and train it on the clothes")
    _trained(name, model.g_optimizer, "generator")
    images = model.generate(np.arange(N_CLASSES), seed=0)
    if images.shape != (N_CLASSES, 28, 28, 1) or not (0.0 <= images.min() and images.max() <= 1.0):
        raise ExerciseError(f"{name}: generating one image per class gave shape {images.shape} "
                            f"and values in [{images.min():.3g}, {images.max():.3g}]; expected "
                            f"({N_CLASSES}, 28, 28, 1) in [0, 1]")
    passed(name, 4)


def cycle_weight_experiment(model, results, cycle_weight, x_a, true_b, labels, classifier):
    """`model` must be a trained `CycleGAN` built with `cycle_weight` (not the lesson's 10), and
    `results` its measurements on the domain-A digits `x_a`: `psnr_db`, the mean PSNR of
    G_AB(x_a) against their true B versions `true_b`, and `class_kept`, the share of G_AB(x_a)
    that `classifier` assigns to the digits' true `labels` (a fraction in [0, 1])."""
    from ..metrics import psnr
    from ..models.cyclegan import CycleGAN

    name = "cycle_weight_experiment"
    if not isinstance(model, CycleGAN):
        raise ExerciseError(f"{name}: got a {type(model).__name__}; return the CycleGAN you "
                            f"trained (course_lib.models.cyclegan)")
    if not np.isclose(model.cycle_weight, cycle_weight):
        raise ExerciseError(f"{name}: the model was built with cycle_weight={model.cycle_weight:g}"
                            f", not the {cycle_weight:g} asked for: pass it to CycleGAN(...)")
    if np.isclose(cycle_weight, 10.0):
        raise ExerciseError(f"{name}: 10 is the lesson's own weight; pick another one to learn "
                            f"something new")
    _trained(name, model.g_optimizer, "CycleGAN")
    if not isinstance(results, dict) or not {"psnr_db", "class_kept"} <= set(results):
        found = sorted(results) if isinstance(results, dict) else type(results).__name__
        raise ExerciseError(f"{name}: results must be a dict with keys 'psnr_db' and "
                            f"'class_kept'; got {found}")
    translated = model.translate_ab(x_a)
    labels = np.asarray(labels)

    def kept(images):
        return float(np.mean(classifier.predict(images, verbose=0).argmax(axis=1) == labels))

    got_psnr, got_kept = float(results["psnr_db"]), float(results["class_kept"])
    psnr_mistakes = {
        "you measured the untranslated digits (the identity baseline): translate them with "
        "model.translate_ab first": psnr(true_b, x_a),
        "you compared the translations with the A digits they came from; compare them with the "
        "true B versions": psnr(x_a, translated),
    }
    expected_psnr = psnr(true_b, translated)
    if not np.isclose(got_psnr, expected_psnr, atol=0.02):
        for hint, wrong in psnr_mistakes.items():
            if np.isclose(got_psnr, wrong, atol=0.02):
                raise ExerciseError(f"{name}: psnr_db: {hint}")
        raise ExerciseError(f"{name}: psnr_db is {got_psnr:.3f} dB, but the model's translations "
                            f"of x_a score {expected_psnr:.3f} dB against true_b (metrics.psnr)")
    expected_kept = kept(translated)
    kept_mistakes = {
        "give a fraction in [0, 1], not a percentage": 100 * expected_kept,
        "that is the share of translations that changed class; count those that kept it":
            1.0 - expected_kept,
        "you classified the untranslated digits; classify model.translate_ab(x_a)": kept(x_a),
    }
    if not np.isclose(got_kept, expected_kept, atol=2e-3):
        for hint, wrong in kept_mistakes.items():
            if np.isclose(got_kept, wrong, atol=2e-3):
                raise ExerciseError(f"{name}: class_kept: {hint}")
        raise ExerciseError(f"{name}: class_kept is {got_kept:.4f}, but the classifier keeps the "
                            f"true label for {expected_kept:.4f} of the translations")
    passed(name, 2)
