"""Checks for the exercises of lesson 06 (the DCGAN): the discriminator's and the generator's losses,
both computed from logits, and the decision which of section 8's variants failed."""

import numpy as np

from ..models import gan
from .feedback import ExerciseError, as_array, compare, passed, run_learner
from .training_check import train_class_alike

EPSILON = 1e-7  # cross-entropy on probabilities clips them to [ε, 1 − ε]


def _logits(n, seed):
    return np.random.default_rng(seed).normal(0.0, 2.0, (n, 1)).astype(np.float32)


def _scalar(name, value):
    value = as_array(value)
    if value.size != 1:
        raise ExerciseError(f"{name}: returned shape {value.shape}; return one number, the loss "
                            f"averaged over the batch")
    return value.reshape(())


def _softplus(x):
    return np.logaddexp(0.0, np.asarray(x, np.float64))


def _as_probabilities(target, values):
    """Cross-entropies computed as if `values` were probabilities (the from_logits mistake), as
    plain code and as Keras (which adds ε inside the logarithms) compute them."""
    eps, one = np.float32(EPSILON), np.float32(1.0)
    p = np.clip(np.asarray(values, np.float32), eps, one - eps)  # in float32, like the learner
    plain = -(target * np.log(p) + (one - target) * np.log(one - p))
    keras_style = -(target * np.log(p + eps) + (one - target) * np.log(one - p + eps))
    return float(plain.mean()), float(keras_style.mean())


def discriminator_loss(loss_fn):
    """`loss_fn(real_logits, fake_logits)` must return the discriminator's cross-entropy: target
    1 ("real") on the real logits plus target 0 ("fake") on the generated ones, each averaged
    over its batch."""
    name = "discriminator_loss"
    cases = [(_logits(8, 0), _logits(8, 1)), (_logits(6, 2), _logits(4, 3))]
    for real, fake in cases:
        actual = _scalar(name, run_learner(name, loss_fn, real.copy(), fake.copy()))
        mistakes = {
            "the targets are swapped: real images should get target 1, generated ones target 0":
                _softplus(real).mean() + _softplus(-fake).mean(),
            "the logits were treated as probabilities: the discriminator outputs raw logits, so "
            "use from_logits=True (or a sigmoid inside the cross-entropy)":
                np.add(_as_probabilities(1.0, real), _as_probabilities(0.0, fake)),
            "only the real images' term is there: add the term for the generated images":
                _softplus(-real).mean(),
            "only the generated images' term is there: add the term for the real images":
                _softplus(fake).mean(),
        }
        _name_mistake(name, actual, mistakes)
        compare(name, actual, _softplus(-real).mean() + _softplus(fake).mean(), what="the loss",
                factors={"2 (add the two averages instead of averaging them)": 2.0,
                         "the batch size": len(real)})
    passed(name, len(cases))


def generator_loss(loss_fn):
    """`loss_fn(fake_logits)` must return the non-saturating generator loss: the cross-entropy of
    target 1 ("real") on the generated images' logits, averaged over the batch."""
    name = "generator_loss"
    cases = [_logits(8, 4), _logits(5, 5)]
    for fake in cases:
        actual = _scalar(name, run_learner(name, loss_fn, fake.copy()))
        mistakes = {
            "this is the minimax form log(1 − D(G(z))): it saturates while the discriminator "
            "wins easily; the generator should instead maximize log D(G(z))":
                -_softplus(fake).mean(),
            "the target is 0 (\"fake\"): the generator wants the discriminator to answer "
            "\"real\" for its images":
                _softplus(fake).mean(),
            "the logits were treated as probabilities: use from_logits=True (or a sigmoid "
            "inside the cross-entropy)":
                np.asarray(_as_probabilities(1.0, fake)),
        }
        _name_mistake(name, actual, mistakes)
        compare(name, actual, _softplus(-fake).mean(), what="the loss",
                factors={"the batch size": len(fake)})
    passed(name, len(cases))


def _name_mistake(name, actual, mistakes):
    for hint, wrong in mistakes.items():
        if np.any(np.isclose(actual, wrong, rtol=1e-4, atol=1e-5)):
            raise ExerciseError(f"{name}: {hint}")


def reference_discriminator_loss(real_logits, fake_logits):
    """The course's answer to `discriminator_loss` (the course GAN's own loss)."""
    return gan.discriminator_loss(real_logits, fake_logits)



SIGNS = ("D(G(z))", "norm last", "frechet")  # the numbers a failure is read from, in this order


def _signs(table, variant, reference):
    """The signs of failure `table[variant]` shows against `table[reference]`: D rejects its
    fakes (D(G(z)) < 0.1), G's gradient vanished (last norm under a tenth of the reference's),
    its samples got worse (Fréchet distance over 1.2 times the reference's)."""
    row, ref = table[variant], table[reference]
    held = {"D(G(z))": row["D(G(z))"] < 0.1, "norm last": row["norm last"] < 0.1 * ref["norm last"],
            "frechet": row["frechet"] > 1.2 * ref["frechet"]}
    return [sign for sign in SIGNS if held[sign]]


def _variant_tables():
    """(table, reference_of, expected signs per failed variant): a lesson-like table where
    nothing failed, and tables where each sign fails once, one of them only against the
    variant's own reference."""
    def row(d_fake, fd, norm):
        return {"D(x)": 0.5, "D(G(z))": d_fake, "frechet": fd, "norm last": norm}

    chain = {"D's lr ×10": "as trained", "G's lr ÷10": "as trained",
             "D ×10 + smoothing": "D's lr ×10"}
    calm = {"as trained": row(0.49, 30.0, 0.3), "D's lr ×10": row(0.48, 33.0, 0.9),
            "G's lr ÷10": row(0.48, 29.0, 0.34), "D ×10 + smoothing": row(0.44, 24.0, 0.57)}
    broken = {"as trained": row(0.49, 30.0, 0.3), "D's lr ×10": row(0.03, 80.0, 0.02),
              "G's lr ÷10": row(0.47, 37.5, 0.25), "D ×10 + smoothing": row(0.3, 45.0, 0.15)}
    quiet = {"as trained": row(0.49, 30.0, 0.3), "D's lr ×10": row(0.5, 25.0, 4.0),
             "G's lr ÷10": row(0.47, 31.0, 0.01), "D ×10 + smoothing": row(0.05, 29.0, 4.5)}
    quiet["D ×10 + smoothing"]["D(x)"] = 0.95
    worse_than_own = {"as trained": row(0.49, 30.0, 0.3), "D's lr ×10": row(0.5, 25.0, 0.6),
                      "G's lr ÷10": row(0.5, 20.0, 0.3), "D ×10 + smoothing": row(0.45, 32.0, 0.5)}
    return [(table, chain) for table in (calm, broken, quiet, worse_than_own)]


def failed_variants(choose_fn):
    """`choose_fn(table, reference_of)` must return {variant: sign} for each variant of
    `reference_of` that failed against its own reference row, the sign being the table column
    that shows it ("D(G(z))", "norm last" or "frechet"); {} when none failed."""
    name = "failed_variants"
    cases = _variant_tables()
    for table, reference_of in cases:
        expected = {v: _signs(table, v, ref) for v, ref in reference_of.items()}
        expected = {v: signs for v, signs in expected.items() if signs}
        got = run_learner(name, choose_fn, {k: dict(r) for k, r in table.items()}, dict(reference_of))
        if not isinstance(got, dict):
            raise ExerciseError(f"{name}: return a dict, variant → the column that shows its "
                                f"failure ({{}} when none failed), got {type(got).__name__}")
        for variant, sign in got.items():
            if variant not in reference_of:
                raise ExerciseError(f"{name}: {variant!r} is not a variant to judge (it is a "
                                    f"reference row): judge only the keys of `reference_of`")
            if variant not in expected:
                raise ExerciseError(f"{name}: {_false_alarm(table, variant, reference_of, sign)}")
            if sign not in expected[variant]:
                raise ExerciseError(f"{name}: {variant!r} failed, but {sign!r} does not show it; "
                                    f"the column that does: {' or '.join(expected[variant])}")
        for variant in expected.keys() - got.keys():
            raise ExerciseError(f"{name}: {_missed(table, variant, reference_of, expected[variant])}")
    passed(name, len(cases))


def _false_alarm(table, variant, reference_of, sign) -> str:
    """Why a variant that shows no sign of failure was reported as failed."""
    row, ref = table[variant], table[reference_of[variant]]
    if sign in (None, False, "", "none"):
        return f"{variant!r} did not fail: leave it out of the dict instead of giving it {sign!r}"
    root = next(iter(table))
    if reference_of[variant] != root and _signs(table, variant, root):
        return (f"{variant!r} differs from {reference_of[variant]!r} in one setting: compare it "
                f"with that row (reference_of[{variant!r}]), not with {root!r}")
    if row["norm last"] > 10 * ref["norm last"]:
        return (f"{variant!r}: G's gradient grew ({row['norm last']:g} against "
                f"{ref['norm last']:g}); that is a harder push, not a failure: the sign is a "
                f"gradient that vanishes (under a tenth of the reference's)")
    if row["frechet"] < ref["frechet"]:
        return (f"{variant!r}: its Fréchet distance is lower than its reference's ({row['frechet']:g} "
                f"against {ref['frechet']:g}): lower is better")
    return (f"{variant!r} shows none of the three signs (D(G(z)) {row['D(G(z))']:g}, last norm "
            f"{row['norm last']:g} against {ref['norm last']:g}, Fréchet {row['frechet']:g} "
            f"against {ref['frechet']:g}): it did not fail")


def _missed(table, variant, reference_of, signs) -> str:
    """Why a variant that failed may have been missed."""
    row, ref = table[variant], table[reference_of[variant]]
    root = next(iter(table))
    if reference_of[variant] != root and not _signs(table, variant, root):
        return (f"{variant!r} failed against its own reference {reference_of[variant]!r} "
                f"(reference_of[{variant!r}]), the row it differs from in one setting")
    if signs == ["D(G(z))"]:
        return (f"{variant!r} failed: D(G(z)) = {row['D(G(z))']:g}, under 0.1: D rejects its "
                f"fakes (read D(G(z)), D's verdict on the generated images, not D(x))")
    if "norm last" in signs:
        return (f"{variant!r} failed: G's last gradient norm {row['norm last']:g} is under a "
                f"tenth of its reference's {ref['norm last']:g}: the gradient vanished")
    return (f"{variant!r} failed: its Fréchet distance {row['frechet']:g} is over 1.2 times its "
            f"reference's {ref['frechet']:g}")


def reference_failed_variants(table, reference_of):
    """The course's answer to `failed_variants`."""
    found = {v: _signs(table, v, ref) for v, ref in reference_of.items()}
    return {v: signs[0] for v, signs in found.items() if signs}


# The build exercise: the GAN's `train_step`, checked by training the learner's subclass of `GAN`
# and the course's from the same weights, seed and batches.

def _gan_batches():
    """Three batches of four digit-like images in [0, 1]."""
    rng = np.random.default_rng(0)
    return [np.clip(rng.normal(0.15, 0.3, (4, 28, 28, 1)), 0.0, 1.0).astype(np.float32)
            for _ in range(3)]


def _small_gan(cls):
    """A tiny GAN of class `cls` (8 noise numbers, 4 and 2 filters in G, 2 and 4 in D, no
    dropout), seeded and compiled alike, with learning rates large enough that one step shows."""
    import keras

    def build_networks(self):
        return (gan.build_generator(self.noise_dim, filters=(4, 2)),
                gan.build_discriminator(filters=(2, 4), dropout=0.0))

    keras.utils.set_random_seed(3)
    model = type(cls.__name__, (cls,), {"build_networks": build_networks})(noise_dim=8, seed=0)
    model.compile(d_optimizer=keras.optimizers.Adam(0.01, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(0.01, beta_1=0.5), run_eagerly=True)
    return model


def _gan_mistakes():
    """Train steps with one plausible mistake each, and what to tell a learner whose step
    trains like one of them."""
    import tensorflow as tf
    from keras import ops

    from ..models.steps import apply_gradients, track, unit_images

    def bce(target, logits):
        return ops.mean(ops.binary_crossentropy(ops.full_like(logits, target), logits,
                                                from_logits=True))

    def step(d_loss_fn=None, g_first=False, g_updates_all=False, reuse_noise=False,
             saturating=False):
        def d_update(self, real, noise):
            fake = self.generator(noise, training=True)
            with tf.GradientTape() as tape:
                real_logits = self.discriminator(real, training=True)
                fake_logits = self.discriminator(fake, training=True)
                loss = (d_loss_fn or gan.discriminator_loss)(real_logits, fake_logits)
            apply_gradients(self.d_optimizer, tape, loss, self.discriminator.trainable_weights)
            return loss, ops.mean(ops.sigmoid(real_logits)), ops.mean(ops.sigmoid(fake_logits))

        def g_update(self, noise):
            weights = self.trainable_weights if g_updates_all else self.generator.trainable_weights
            with tf.GradientTape() as tape:
                fake_logits = self.discriminator(self.generator(noise, training=True),
                                                 training=True)
                loss = -bce(0.0, fake_logits) if saturating else gan.generator_loss(fake_logits)
            apply_gradients(self.g_optimizer, tape, loss, weights)
            return loss

        def train_step(self, data):
            real = unit_images(data, "mistake")
            n = ops.shape(real)[0]
            if g_first:
                g_loss = g_update(self, self.sample_noise(n))
                d_loss, d_real, d_fake = d_update(self, real, self.sample_noise(n))
            else:
                noise = self.sample_noise(n)
                d_loss, d_real, d_fake = d_update(self, real, noise)
                g_loss = g_update(self, noise if reuse_noise else self.sample_noise(n))
            return track(self.metrics, {"d_loss": d_loss, "g_loss": g_loss,
                                        "d_real": d_real, "d_fake": d_fake})
        return type("Mistake", (gan.GAN,), {"train_step": train_step})

    return {
        "D's loss has the labels swapped: real images are the ones D should call real (target "
        "1), generated ones fake (target 0)": step(d_loss_fn=lambda r, f: gan.discriminator_loss(f, r)),
        "D is trained on real images only: its loss needs the generated batch too (target 0), or "
        "it learns to call everything real": step(d_loss_fn=lambda r, f: bce(1.0, r)),
        "G's update also moves D's weights: apply G's gradients to self.generator's weights "
        "only": step(g_updates_all=True),
        "G takes its step before D; the course's round is D's update first, then G's":
            step(g_first=True),
        "G's step reuses the noise of D's step; draw fresh noise for it with self.sample_noise":
            step(reuse_noise=True),
        "G minimises the saturating log(1 − D(G(z))); use the non-saturating −log D(G(z)) "
        "(generator_loss)": step(saturating=True),
    }


def gan_train_step(gan_class):
    """`gan_class` must be a subclass of `GAN` whose `train_step` does one round of the game:
    D's update on real and generated images, then G's update on fresh noise, each with its own
    optimizer on its own weights, returning d_loss, g_loss, d_real and d_fake: trained from the
    course's weights on the same batches with the same seed, it must give the course's losses
    and weights."""

    name = "gan_train_step"
    batches = _gan_batches()
    train_class_alike(name, gan_class, gan.GAN, _small_gan, batches, _gan_mistakes, falls=None)
    print(f"✓ {name}: the same four numbers and weights as the course's step on {len(batches)} "
          f"steps")


REFERENCES = {"discriminator_loss": reference_discriminator_loss,
              "generator_loss": gan.generator_loss, "failed_variants": reference_failed_variants,
              "gan_train_step": gan.GAN}
