"""Checks for the exercises of lesson 07 (what GANs are for): a conditional generator retrained
on clothes, a CycleGAN trained with another cycle-loss weight and measured, the decision which forgers a
fake detector catches at a false-alarm budget, and the CycleGAN's cycle and identity losses
(checked on known tensors, then by training the course's CycleGAN with them against the
reference). The first two checks call the learner's function (which trains, or reloads a
finished run) and inspect what it returns;
`REFERENCES` holds the course's answers, with the learners' signatures."""

import numpy as np

from .feedback import ExerciseError, as_array, compare, name_mistake, passed, run_learner

N_CLASSES = 10
CYCLE_EXERCISE_RUN = "lesson07_exercise_cycle{:g}"  # exercise 2's run, named after its weight


def _trained(name, optimizer, what):
    if optimizer is None or int(np.asarray(optimizer.iterations)) == 0:
        raise ExerciseError(f"{name}: the {what} has not been trained yet (its optimizer made no "
                            f"step): compile it and train it with training.fit_resumable")


def clothes_generator(train_fn, x, y, epochs, digits_model=None):
    """`train_fn(x, y, epochs)` must return a `ConditionalGAN` with 10 classes, trained on the
    clothes `x`, `y` (not the digit generator `digits_model` of the lesson), whose generator
    makes one (28, 28, 1) image in [0, 1] per requested class."""
    from ..models.cgan import ConditionalGAN

    name = "clothes_generator"
    model = run_learner(name, train_fn, x, y, epochs)
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


def cycle_weight_experiment(experiment_fn, cycle_weight, x_a, x_b, x_eval, true_b, y_eval,
                            read_class):
    """`experiment_fn(cycle_weight, x_a, x_b, x_eval, true_b, y_eval, read_class)` must return
    a `CycleGAN` built with `cycle_weight` (not the lesson's 10) and trained on `x_a`, `x_b` in
    the checkpoint folder `CYCLE_EXERCISE_RUN`, and its measurements on the domain-A digits
    `x_eval`: `psnr_db`, the mean PSNR of G_AB(x_eval) against their true B versions `true_b`,
    and `class_kept`, the share of G_AB(x_eval) that `read_class` (images → classes) assigns to
    the digits' true labels `y_eval` (a fraction in [0, 1])."""
    from ..config import checkpoint_dir
    from ..metrics import psnr
    from ..models.cyclegan import CycleGAN
    from ..training import is_finished

    name = "cycle_weight_experiment"
    if np.isclose(cycle_weight, 10.0):
        raise ExerciseError(f"{name}: 10 is the lesson's own weight; pick another one to learn "
                            f"something new")
    answer = run_learner(name, experiment_fn, cycle_weight, x_a, x_b, x_eval, true_b, y_eval,
                         read_class)
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise ExerciseError(f"{name}: got a {type(answer).__name__}; return two things, the "
                            f"trained CycleGAN and the dict of its measurements")
    model, results = answer
    if not isinstance(model, CycleGAN):
        raise ExerciseError(f"{name}: got a {type(model).__name__}; return the CycleGAN you "
                            f"trained (course_lib.models.cyclegan)")
    if not np.isclose(model.cycle_weight, cycle_weight):
        raise ExerciseError(f"{name}: the model was built with cycle_weight={model.cycle_weight:g}"
                            f", not the {cycle_weight:g} asked for: pass it to CycleGAN(...)")
    _trained(name, model.g_optimizer, "CycleGAN")
    workdir = checkpoint_dir(CYCLE_EXERCISE_RUN.format(cycle_weight))
    if not is_finished(workdir):
        raise ExerciseError(f"{name}: {workdir} holds no finished run; train in "
                            f"config.checkpoint_dir(f\"lesson07_exercise_cycle{{cycle_weight:g}}"
                            f"\"), where the lesson reads your run's steps")
    if not isinstance(results, dict) or not {"psnr_db", "class_kept"} <= set(results):
        found = sorted(results) if isinstance(results, dict) else type(results).__name__
        raise ExerciseError(f"{name}: results must be a dict with keys 'psnr_db' and "
                            f"'class_kept'; got {found}")
    translated = model.translate_ab(x_eval)
    y_eval = np.asarray(y_eval)

    def kept(images):
        return float(np.mean(np.asarray(read_class(images)) == y_eval))

    got_psnr, got_kept = float(results["psnr_db"]), float(results["class_kept"])
    psnr_mistakes = {
        "you measured the untranslated digits (the identity baseline): translate them with "
        "model.translate_ab first": psnr(true_b, x_eval),
        "you compared the translations with the A digits they came from; compare them with the "
        "true B versions": psnr(x_eval, translated),
    }
    expected_psnr = psnr(true_b, translated)
    if not np.isclose(got_psnr, expected_psnr, atol=0.02):
        for hint, wrong in psnr_mistakes.items():
            if np.isclose(got_psnr, wrong, atol=0.02):
                raise ExerciseError(f"{name}: psnr_db: {hint}")
        raise ExerciseError(f"{name}: psnr_db is {got_psnr:.3f} dB, but the model's translations "
                            f"of x_eval score {expected_psnr:.3f} dB against true_b "
                            f"(metrics.psnr)")
    expected_kept = kept(translated)
    kept_mistakes = {
        "give a fraction in [0, 1], not a percentage": 100 * expected_kept,
        "that is the share of translations that changed class; count those that kept it":
            1.0 - expected_kept,
        "you classified the untranslated digits; classify model.translate_ab(x_eval)":
            kept(x_eval),
    }
    if not np.isclose(got_kept, expected_kept, atol=2e-3):
        for hint, wrong in kept_mistakes.items():
            if np.isclose(got_kept, wrong, atol=2e-3):
                raise ExerciseError(f"{name}: class_kept: {hint}")
        raise ExerciseError(f"{name}: class_kept is {got_kept:.4f}, but read_class keeps the "
                            f"true label for {expected_kept:.4f} of the translations")
    passed(name, 2)


def _alarm_threshold(real_scores, budget):
    """The score just below the top `budget` share of the real digits' scores."""
    ranked = np.sort(np.asarray(real_scores, np.float64))[::-1]
    return float(ranked[int(np.floor(budget * len(ranked) + 1e-9))])


def _caught(real_scores, forger_scores, budget, min_rate, at_least=True, keep_all=False,
            threshold=_alarm_threshold):
    """Forger → detection rate (share of its fakes scored above the real digits' threshold) for
    the forgers caught at least `min_rate` of the time (and, as mistakes, variants of that)."""
    rates = {}
    for name, scores in forger_scores.items():
        t = threshold(real_scores, budget) if threshold is not None else _pooled(real_scores, scores, budget)
        rates[name] = float(np.mean(np.asarray(scores) > t))
    return {name: rate for name, rate in rates.items()
            if keep_all or (rate >= min_rate if at_least else rate > min_rate)}


def _pooled(real_scores, scores, budget):
    return _alarm_threshold(np.concatenate([real_scores, scores]), budget)


def _forger_cases():
    """(real scores, forger → fake scores, budget, min_rate): no fake lies between the
    thresholds a budget allows (rounded either way), so every right threshold gives the same rates."""
    rng = np.random.default_rng(7)
    real = rng.beta(2, 8, 1000)
    ranked = np.sort(real)[::-1]
    low, high = ranked[10], ranked[9]  # a 1 % budget: 10 alarms; t anywhere in [low, high)

    def outside(x):
        return x[(x < low) | (x > high)]

    above = np.linspace(high + 1e-3, 1.0, 100)
    below = np.linspace(0.0, low - 1e-3, 100)
    forgers = {"blurry": outside(rng.beta(8, 2, 400)), "like real": outside(rng.beta(2, 8, 400)),
               "half": np.concatenate([above, below]),
               "just under half": np.concatenate([above[:99], below, below[:1]])}
    return [(real, forgers, 0.01, 0.5), (real, forgers, 0.01, 0.005)]


def caught_forgers(caught_fn):
    """`caught_fn(real_scores, forger_scores, budget, min_rate)` must set one threshold on the
    real digits' scores, the lowest that flags at most `budget` of them (scores strictly above
    it), and return {forger: detection rate} for the forgers with at least `min_rate` of their
    fakes above it."""
    name = "caught_forgers"
    cases = _forger_cases()
    for real, forgers, budget, min_rate in cases:
        expected = _caught(real, forgers, budget, min_rate)
        got = run_learner(name, caught_fn, real.copy(), {k: v.copy() for k, v in forgers.items()},
                          budget, min_rate)
        if not isinstance(got, dict):
            raise ExerciseError(f"{name}: return a dict, forger → detection rate, got "
                                f"{type(got).__name__}")
        if any(not np.isscalar(v) or not 0 <= float(v) <= 1 for v in got.values()):
            raise ExerciseError(f"{name}: a detection rate is the share of a forger's fakes "
                                f"flagged, between 0 and 1; got {got}")
        if got.keys() == expected.keys() and all(
                abs(float(got[k]) - expected[k]) < 1e-9 for k in expected):
            continue
        mistakes = {
            "the threshold flags the real digits' *top* `budget` share as false alarms: take the "
            "(1 − budget) quantile of the real scores, not the budget one": _caught(
                real, forgers, budget, min_rate, threshold=lambda r, b: float(np.quantile(r, b))),
            "the threshold must come from the real digits' scores alone, once for all forgers: "
            "in use the forger is unknown": _caught(real, forgers, budget, min_rate, threshold=None),
            "\"at least min_rate\": a forger caught exactly min_rate of the time counts": _caught(
                real, forgers, budget, min_rate, at_least=False),
            "leave out the forgers caught less than min_rate of the time: they slip past":
                _caught(real, forgers, budget, min_rate, keep_all=True),
        }
        for hint, wrong in mistakes.items():
            if got.keys() == wrong.keys() and all(abs(float(got[k]) - wrong[k]) < 1e-9 for k in wrong):
                raise ExerciseError(f"{name}: {hint}")
        rates = ", ".join(f"{k} {v:.3f}" for k, v in expected.items())
        raise ExerciseError(f"{name}: with budget {budget:g} and min_rate {min_rate:g} you returned "
                            f"{ {k: round(float(v), 3) for k, v in got.items()} }; expected the "
                            f"forgers {sorted(expected)} ({rates})")
    passed(name, len(cases))


def _l1(a, b, square=False):
    d = np.asarray(a, np.float64) - np.asarray(b, np.float64)
    return float(np.mean(d ** 2 if square else np.abs(d)))


def _loss_cases():
    """Two small translators, unrelated A and B images and their translations, for three pairs
    of (cycle weight, identity weight)."""
    from ..models.cyclegan import build_translator

    g_ab = build_translator(filters=4, n_res=0, seed=11, name="g_ab")
    g_ba = build_translator(filters=4, n_res=0, seed=12, name="g_ba")
    rng = np.random.default_rng(8)
    real_a, real_b = (rng.uniform(0, 1, (6, 28, 28, 1)).astype(np.float32) for _ in range(2))
    fake_b, fake_a = np.asarray(g_ab(real_a)), np.asarray(g_ba(real_b))
    tensors = (g_ab, g_ba, real_a, real_b, fake_a, fake_b)
    return tensors, [(10.0, 5.0), (1.0, 0.5), (3.0, 0.0)]


def _loss_mistakes(tensors, cycle_weight, identity_weight):
    """Hint → the (cycle term, identity term) that mistake gives."""
    g_ab, g_ba, real_a, real_b, fake_a, fake_b = tensors
    ab_fake_a, ab_real_b, ab_real_a = np.split(np.asarray(g_ab(np.concatenate(
        [fake_a, real_b, real_a]))), 3)
    ba_fake_b, ba_real_a, ba_real_b = np.split(np.asarray(g_ba(np.concatenate(
        [fake_b, real_a, real_b]))), 3)
    cycle = _l1(ba_fake_b, real_a) + _l1(ab_fake_a, real_b)
    identity = _l1(ab_real_b, real_b) + _l1(ba_real_a, real_a)
    return {
        "the two weights are swapped: cycle_weight scales the cycle term, identity_weight the "
        "identity term": (identity_weight * cycle, cycle_weight * identity),
        "multiply each term by its weight (cycle_weight, identity_weight)": (cycle, identity),
        "use the weights you are given, not the lesson's 10 and 5": (10 * cycle, 5 * identity),
        "use identity_weight as given: it is not always half the cycle weight":
            (cycle_weight * cycle, 0.5 * cycle_weight * identity),
        "L1 is the mean *absolute* difference; you squared it (that is L2)": (
            cycle_weight * (_l1(ba_fake_b, real_a, True) + _l1(ab_fake_a, real_b, True)),
            identity_weight * (_l1(ab_real_b, real_b, True) + _l1(ba_real_a, real_a, True))),
        "each term has two directions, A → B → A and B → A → B (and both translators for the "
        "identity): add them": (cycle_weight * _l1(ba_fake_b, real_a),
                                identity_weight * _l1(ab_real_b, real_b)),
        "the cycle term compares the round trip G_BA(G_AB(a)) with a, not the one-way "
        "translation G_AB(a)": (cycle_weight * (_l1(fake_b, real_a) + _l1(fake_a, real_b)),
                                identity_weight * identity),
        "the identity term feeds each translator images of its *target* domain: G_AB(real_b) "
        "should stay real_b": (cycle_weight * cycle, identity_weight * (
            _l1(ba_real_b, real_b) + _l1(ab_real_a, real_a))),
    }


def _gradient_flows(name, losses_fn, tensors):
    """Raise `ExerciseError` unless the learner's terms have a gradient for the translators."""
    import tensorflow as tf

    g_ab, g_ba = tensors[:2]
    weights = g_ab.trainable_variables + g_ba.trainable_variables
    with tf.GradientTape() as tape:
        cycle, identity = losses_fn(*tensors, 10.0, 5.0)
        total = tf.convert_to_tensor(cycle) + tf.convert_to_tensor(identity)
    if all(grad is None for grad in tape.gradient(total, weights)):
        raise ExerciseError(f"{name}: the terms are right, but no gradient flows through them to "
                            f"the translators: compute them with keras.ops on the tensors you are "
                            f"given, not with NumPy (np.asarray leaves the gradient tape)")


def _cyclegan_with(losses_fn, **kwargs):
    """The course's CycleGAN (`kwargs` to its constructor), compiled, whose translators' cycle and
    identity terms come from `losses_fn`."""
    import keras

    from ..models.cyclegan import CycleGAN, translator_loss

    class WithLosses(CycleGAN):
        def translator_losses(self, real_a, real_b):
            fake_b = self.g_ab(real_a, training=True)
            fake_a = self.g_ba(real_b, training=True)
            adversarial = (translator_loss(self.d_b(fake_b, training=True))
                           + translator_loss(self.d_a(fake_a, training=True)))
            cycle, identity = losses_fn(self.g_ab, self.g_ba, real_a, real_b, fake_a, fake_b,
                                        self.cycle_weight, self.identity_weight)
            return {"g_loss": adversarial + cycle + identity, "adversarial_loss": adversarial,
                    "cycle_loss": cycle, "identity_loss": identity, "fake_a": fake_a,
                    "fake_b": fake_b}

    model = WithLosses(**kwargs)
    # Five times the lesson's learning rate, so that a few steps show the loss falling; run
    # eagerly, since tracing the step would take longer than the steps themselves.
    model.compile(g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                  d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), run_eagerly=True)
    return model


def _training_images(n=8):
    """Unrelated A and B images: a vertical bar at a random place, the B ones thicker."""
    rng = np.random.default_rng(9)
    images = []
    for width in (1, 2):
        canvas = np.zeros((n, 28, 28, 1), np.float32)
        for i in range(n):
            rows, cols = rng.integers(6, 22, size=2)
            canvas[i, rows - 5:rows + 5, cols - width:cols + width + 1] = 1.0
        images.append(canvas)
    return images


def cycle_identity_losses(losses_fn, x_a=None, x_b=None, steps: int = 2, falls_steps: int = 5):
    """`losses_fn(g_ab, g_ba, real_a, real_b, fake_a, fake_b, cycle_weight, identity_weight)`
    must return the two terms the course's CycleGAN adds to its translators' loss, weighted:
    cycle_weight · (L1(G_BA(fake_b), real_a) + L1(G_AB(fake_a), real_b)) and identity_weight ·
    (L1(G_AB(real_b), real_b) + L1(G_BA(real_a), real_a)), L1 the mean absolute difference per
    pixel, with backend ops (it runs under the training step's tape). Checked on known tensors,
    then by `steps` training steps of the course's CycleGAN with these losses against the
    reference (same weights, same batches of `x_a`, `x_b`), and the cycle term falling over
    `falls_steps` steps on one batch."""
    from ..config import seed_everything
    from .training_check import loss_falls, train_alike

    name = "cycle_identity_losses"
    tensors, weights = _loss_cases()
    n_pixels = tensors[2].size
    for cycle_weight, identity_weight in weights:
        answer = run_learner(name, losses_fn, *tensors, cycle_weight, identity_weight)
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            raise ExerciseError(f"{name}: return two numbers, (cycle term, identity term); got "
                                f"{type(answer).__name__}")
        got = np.array([float(as_array(term)) if as_array(term).size == 1 else np.nan
                        for term in answer])
        if np.isnan(got).any():
            raise ExerciseError(f"{name}: each term must be one number (a mean over the batch "
                                f"and pixels); got shapes {[as_array(t).shape for t in answer]}")
        expected = np.array(reference_cycle_identity_losses(*tensors, cycle_weight,
                                                            identity_weight), np.float64)
        where = f"with cycle_weight={cycle_weight:g}, identity_weight={identity_weight:g}"
        mistakes = _loss_mistakes(tensors, cycle_weight, identity_weight)
        name_mistake(f"{name}: {where}", got, mistakes, expected)
        compare(name, got, expected, what=f"(cycle term, identity term) {where}", rtol=1e-4,
                atol=1e-6, factors={"the pixels in the batch": n_pixels,
                                    "the pixels in an image": 28 * 28})
    if x_a is None or x_b is None:
        x_a, x_b = _training_images()
    batches = [(x_a[i::steps][:4], x_b[i::steps][:4]) for i in range(steps)]
    _gradient_flows(name, losses_fn, tensors)
    models = []
    for fn in (losses_fn, reference_cycle_identity_losses):
        seed_everything(0)
        models.append(_cyclegan_with(fn, seed=0, filters=8, n_res=1))
    train_alike(name, *models, batches)
    first, last = loss_falls(name, models[0], batches[0], steps=falls_steps, key="cycle_loss")
    print(f"{name}: {steps} training steps of the course's CycleGAN from the reference's weights "
          f"on the same batches: the losses and weights agree with the reference's; then "
          f"{falls_steps} steps on one batch took the cycle term from {first:.3f} to {last:.3f}")
    passed(name, len(weights) + 2)


def reference_clothes_generator(x, y, epochs):
    """The course's answer to `clothes_generator`: `ConditionalGAN(seed=0)` trained on `x`, `y`
    for `epochs` of batch 128 in exercise 1's run (`recipes.CLOTHES_RUNS["transpose"]`), or
    reloaded from it."""
    from ..models.cgan import ConditionalGAN
    from ..recipes import CLOTHES_RUNS
    from ..recipes.runs import train_or_reload

    return train_or_reload(lambda: ConditionalGAN(seed=0), x, y, name=CLOTHES_RUNS["transpose"],
                           epochs=epochs, batch_size=128, compile_args={},
                           made_by="lesson 07's exercise 1").model


def reference_cycle_weight_experiment(cycle_weight, x_a, x_b, x_eval, true_b, y_eval,
                                      read_class):
    """The course's answer to `cycle_weight_experiment`: `CycleGAN(cycle_weight=cycle_weight,
    seed=0)` trained one epoch of batch 32 on `x_a`, `x_b` (or reloaded), and its PSNR against
    `true_b` and share of classes kept on `x_eval`."""
    from ..metrics import psnr
    from ..models.cyclegan import CycleGAN
    from ..recipes.runs import train_or_reload

    model = train_or_reload(lambda: CycleGAN(cycle_weight=cycle_weight, seed=0), x_a, x_b,
                            name=CYCLE_EXERCISE_RUN.format(cycle_weight), epochs=1, batch_size=32,
                            compile_args={}, made_by="lesson 07's exercise 2").model
    translated = model.translate_ab(x_eval)
    return model, {"psnr_db": psnr(true_b, translated),
                   "class_kept": float(np.mean(np.asarray(read_class(translated))
                                               == np.asarray(y_eval)))}


def reference_caught_forgers(real_scores, forger_scores, budget, min_rate):
    """The course's answer to `caught_forgers`."""
    ranked = np.sort(np.asarray(real_scores))[::-1]
    threshold = ranked[int(np.floor(budget * len(ranked) + 1e-9))]
    rates = {name: float(np.mean(np.asarray(scores) > threshold))
             for name, scores in forger_scores.items()}
    return {name: rate for name, rate in rates.items() if rate >= min_rate}


def reference_cycle_identity_losses(g_ab, g_ba, real_a, real_b, fake_a, fake_b, cycle_weight,
                                    identity_weight):
    """The course's answer to `cycle_identity_losses`, the terms of `CycleGAN.translator_losses`."""
    from ..models.cyclegan import l1

    cycle = l1(g_ba(fake_b, training=True), real_a) + l1(g_ab(fake_a, training=True), real_b)
    identity = l1(g_ab(real_b, training=True), real_b) + l1(g_ba(real_a, training=True), real_a)
    return cycle_weight * cycle, identity_weight * identity


REFERENCES = {"clothes_generator": reference_clothes_generator,
              "cycle_weight_experiment": reference_cycle_weight_experiment,
              "caught_forgers": reference_caught_forgers,
              "cycle_identity_losses": reference_cycle_identity_losses}
