"""Checks for the exercises of lesson 05 (the variational autoencoder), and the decision which KL
weight c to sample from."""

import numpy as np

from ..models.vae import VAE
from .feedback import ExerciseError, as_array, compare, passed, run_learner
from .training_check import train_class_alike


def _posterior_case(batch=3, latent_dim=4, seed=0):
    rng = np.random.default_rng(seed)
    z_mean = rng.normal(0, 1.5, (batch, latent_dim)).astype(np.float32)
    z_log_var = rng.normal(0, 1.0, (batch, latent_dim)).astype(np.float32)
    return z_mean, z_log_var


def reparameterize(reparameterize_fn):
    """`reparameterize_fn(z_mean, z_log_var, epsilon)` must return z = μ + σ·ε, σ = exp(½ log σ²)."""
    name = "reparameterize"
    z_mean, z_log_var = _posterior_case()
    epsilon = np.random.default_rng(1).standard_normal(z_mean.shape).astype(np.float32)
    actual = as_array(run_learner(name, reparameterize_fn, z_mean, z_log_var, epsilon))
    mean, log_var, eps = (a.astype(np.float64) for a in (z_mean, z_log_var, epsilon))
    if actual.shape == mean.shape:
        mistakes = {
            "ε is scaled by the variance σ²; scale it by the standard deviation σ = exp(½·log σ²)":
                mean + np.exp(log_var) * eps,
            "ε is scaled by log σ² itself; turn the log-variance into a standard deviation first":
                mean + log_var * eps,
            "the result does not use the noise ε passed in (draw no noise of your own)":
                mean,
        }
        for hint, wrong in mistakes.items():
            if np.allclose(actual, wrong, rtol=1e-4, atol=1e-5):
                raise ExerciseError(f"{name}: {hint}")
    compare(name, actual, mean + np.exp(0.5 * log_var) * eps, what="z")
    zero = as_array(run_learner(name, reparameterize_fn, z_mean, z_log_var, 0 * epsilon))
    compare(name, zero, z_mean, what="z for ε = 0 (it should be μ)")
    passed(name, 2)


def vae_kl(kl_fn):
    """`kl_fn(z_mean, z_log_var)` must return KL(N(μ, σ²) ‖ N(0, I)) of each image, summed over
    the latent dimensions: shape (batch,)."""
    name = "vae_kl"
    cases = [_posterior_case(3, 4, seed) for seed in (0, 1)]
    for z_mean, z_log_var in cases:
        actual = as_array(run_learner(name, kl_fn, z_mean, z_log_var))
        if actual.ndim == 0:
            raise ExerciseError(f"{name}: returned one number for the whole batch; return one KL "
                                f"per image (shape ({len(z_mean)},)): the model averages over the "
                                f"batch afterwards")
        mean, log_var = z_mean.astype(np.float64), z_log_var.astype(np.float64)
        expected = 0.5 * np.sum(mean ** 2 + np.exp(log_var) - log_var - 1.0, axis=-1)
        compare(name, actual, expected, what="the KL per image",
                factors={"the number of latent dimensions": z_mean.shape[1],
                         "2 (the ½ in front of the sum)": 2.0})
    zeros = np.zeros((2, 4), np.float32)
    at_prior = as_array(run_learner(name, kl_fn, zeros, zeros))
    if not np.allclose(at_prior, 0.0, atol=1e-6):
        raise ExerciseError(f"{name}: when q(z|x) is the prior itself (μ = 0, log σ² = 0) the KL "
                            f"must be 0, got {at_prior.ravel()[:2]}")
    passed(name, len(cases) + 1)


def attribute_vector(vector_fn):
    """`vector_fn(codes, has_attribute)` must return the mean code of the rows with the attribute
    minus the mean code of the rows without it: shape (latent_dim,)."""
    name = "attribute_vector"
    rng = np.random.default_rng(2)
    codes = rng.normal(size=(40, 3)).astype(np.float32)
    has = np.arange(40) % 4 == 0
    codes[has] += np.array([1.5, -0.5, 0.0], np.float32)
    actual = as_array(run_learner(name, vector_fn, codes.copy(), has.copy()))
    with_mean, without_mean = codes[has].mean(0), codes[~has].mean(0)
    if actual.shape == (3,) and np.allclose(actual, with_mean - codes.mean(0), atol=1e-5):
        raise ExerciseError(f"{name}: you subtracted the mean of all codes; subtract the mean of "
                            f"the codes WITHOUT the attribute")
    if actual.shape == (3,) and np.allclose(actual, codes[has].sum(0) - codes[~has].sum(0),
                                            atol=1e-4):
        raise ExerciseError(f"{name}: use the mean code of each group, not the sum (the groups "
                            f"have different sizes)")
    compare(name, actual, with_mean - without_mean, what="the attribute vector")
    passed(name, 1)



def _sweep(rows):
    """Rows of a KL-weight sweep, c → {"reconstruction", "kl", "completeness"}, from tuples."""
    return {c: {"reconstruction": r, "kl": kl, "completeness": comp} for c, (r, kl, comp) in rows.items()}


def _pick(rows, max_extra, key="reconstruction", strict=False, larger_on_tie=False):
    """The c with the highest completeness among the rows whose `key` is within `max_extra` of
    the lowest (the answer, and with the other arguments, its common mistakes)."""
    floor = min(row[key] for row in rows.values())
    fits = [c for c, row in rows.items()
            if (row[key] < floor + max_extra if strict else row[key] <= floor + max_extra)
            or row[key] == floor]
    sign = 1 if larger_on_tie else -1
    return max(fits, key=lambda c: (rows[c]["completeness"], sign * c))


def pick_c(pick_fn):
    """`pick_fn(rows, max_extra)` must return, from a sweep (c → {"reconstruction", "kl",
    "completeness", …}), the c with the highest completeness among those whose reconstruction
    is at most `max_extra` nats above the lowest one (the smaller c on a tie)."""
    name = "pick_c"
    lesson = _sweep({0.0: (159.2, 19.3, 0.562), 1.0: (160.1, 4.8, 0.583), 4.0: (166.7, 2.9, 0.535)})
    spread = _sweep({0.0: (150.0, 20.0, 0.5), 0.5: (152.0, 10.0, 0.6), 1.0: (158.0, 5.0, 0.7),
                     4.0: (170.0, 2.0, 0.9)})
    tied = _sweep({0.5: (150.0, 8.0, 0.6), 1.0: (151.0, 5.0, 0.6), 2.0: (149.0, 3.0, 0.4)})
    cases = [(lesson, 5.0), (lesson, 0.5), (spread, 3.0), (spread, 8.0), (spread, 25.0),
             (spread, 0.0), (tied, 5.0)]
    for rows, max_extra in cases:
        expected = _pick(rows, max_extra)
        got = run_learner(name, pick_fn, {c: dict(row) for c, row in rows.items()}, max_extra)
        if got == expected:
            continue
        if got is None:
            raise ExerciseError(f"{name}: returned None with max_extra = {max_extra:g}, but the "
                                f"model with the lowest reconstruction always fits: max_extra is "
                                f"how many nats *above the lowest* reconstruction you accept")
        if not isinstance(got, (int, float, np.number)) or got not in rows:
            raise ExerciseError(f"{name}: return a value of c (a key of `rows`), got {got!r}")
        mistakes = {
            "the budget was ignored: pick the most complete model among those whose "
            "reconstruction is at most max_extra above the lowest": max(
                rows, key=lambda c: (rows[c]["completeness"], -c)),
            "the budget applies to the reconstruction term, not to the KL": _pick(
                rows, max_extra, key="kl"),
            "this is the lowest reconstruction; among the models within the budget, take "
            "the most complete": min(rows, key=lambda c: rows[c]["reconstruction"]),
            "\"at most\": a reconstruction exactly max_extra above the lowest still fits":
                _pick(rows, max_extra, strict=True),
            "on a tie in completeness take the smaller c, the one that gives up less "
            "reconstruction information": _pick(rows, max_extra, larger_on_tie=True),
        }
        for hint, wrong in mistakes.items():
            if got == wrong != expected:
                raise ExerciseError(f"{name}: {hint} (max_extra = {max_extra:g}: you chose "
                                    f"c = {got:g}, expected c = {expected:g})")
        floor = min(row["reconstruction"] for row in rows.values())
        raise ExerciseError(f"{name}: with max_extra = {max_extra:g} you chose c = {got:g} "
                            f"(completeness {rows[got]['completeness']:g}, reconstruction "
                            f"{rows[got]['reconstruction']:g}); among the c whose reconstruction "
                            f"is at most {floor + max_extra:g}, c = {expected:g} is the most "
                            f"complete ({rows[expected]['completeness']:g})")
    passed(name, len(cases))


def reference_reparameterize(z_mean, z_log_var, epsilon):
    """The course's answer to `reparameterize`."""
    return z_mean + np.exp(0.5 * z_log_var) * epsilon


def reference_vae_kl(z_mean, z_log_var):
    """The course's answer to `vae_kl`."""
    return 0.5 * np.sum(z_mean ** 2 + np.exp(z_log_var) - z_log_var - 1.0, axis=-1)


def reference_attribute_vector(codes, has_attribute):
    """The course's answer to `attribute_vector`."""
    has_attribute = np.asarray(has_attribute, bool)
    return codes[has_attribute].mean(axis=0) - codes[~has_attribute].mean(axis=0)


def reference_pick_c(rows, max_extra):
    """The course's answer to `pick_c`."""
    floor = min(row["reconstruction"] for row in rows.values())
    fits = [c for c, row in rows.items() if row["reconstruction"] <= floor + max_extra]
    return max(fits, key=lambda c: (rows[c]["completeness"], -c))


# The build exercise: the VAE's `compute_losses`, checked by training the learner's subclass of
# `VAE` and the course's from the same weights, seed and batches.

def _vae_batches():
    """Three batches of four digit-like images in [0, 1]."""
    rng = np.random.default_rng(0)
    return [np.clip(rng.normal(0.15, 0.3, (4, 28, 28, 1)), 0.0, 1.0).astype(np.float32)
            for _ in range(3)]


def _small_vae(cls):
    """A tiny VAE of class `cls` (3 latent dimensions, 2 and 4 filters, c = 0.5, so that a
    missing c shows), seeded and compiled alike."""
    import keras

    keras.utils.set_random_seed(3)
    model = cls(latent_dim=3, filters=(2, 4), kl_weight=0.5, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(0.01), run_eagerly=True)
    return model


def _vae_mistakes():
    """`compute_losses` with one plausible mistake each, and what to tell a learner whose
    model trains like one of them."""
    from keras import ops

    from ..models.vae import bernoulli_nll

    def losses(pixels="sum", dims="sum", batch="mean", c=True, kl_sign=1.0, decode_mean=False,
               log_sigma=False):
        def compute_losses(self, x, training=False):
            z_mean, z_log_var = self.encoder(x, training=training)
            z = z_mean if decode_mean else self.sampling([z_mean, z_log_var])
            logits = self.decoder(z, training=training)
            per_image = bernoulli_nll(x, logits) / (784.0 if pixels == "mean" else 1.0)
            var = ops.exp(2.0 * z_log_var) if log_sigma else ops.exp(z_log_var)
            log_var = 2.0 * z_log_var if log_sigma else z_log_var
            kl_terms = 0.5 * (ops.square(z_mean) + var - log_var - 1.0)
            kl_image = ops.mean(kl_terms, axis=-1) if dims == "mean" else ops.sum(kl_terms, axis=-1)
            reduce = ops.sum if batch == "sum" else ops.mean
            reconstruction, kl = reduce(per_image), reduce(kl_image)
            weight = self.kl_weight if c else 1.0
            return {"loss": reconstruction + kl_sign * weight * kl,
                    "reconstruction": reconstruction, "kl": kl}
        return type("Mistake", (VAE,), {"compute_losses": compute_losses})

    return {
        "the reconstruction is averaged over the pixels: sum the cross-entropy over the 784 "
        "pixels of an image (nats per image), then average over the batch": losses(pixels="mean"),
        "the KL is averaged over the latent dimensions: sum it over them (KL of the whole code), "
        "then average over the batch": losses(dims="mean"),
        "both terms are summed over the batch: average them over the images, so that each is in "
        "nats per image": losses(batch="sum"),
        "the loss ignores the KL weight: loss = reconstruction + self.kl_weight · kl":
            losses(c=False),
        "the KL enters the loss with a minus sign: the loss is reconstruction PLUS c · KL (minus "
        "the ELBO)": losses(kl_sign=-1.0),
        "the decoder gets z_mean: decode the code drawn with self.sampling([z_mean, z_log_var]), "
        "so the noise is part of training": losses(decode_mean=True),
        "z_log_var is used as log σ: it is log σ², so σ² = exp(z_log_var)": losses(log_sigma=True),
    }


def vae_losses(vae_class):
    """`vae_class` must be a subclass of `VAE` whose `compute_losses(x, training)` returns
    "loss", "reconstruction" and "kl" in nats per image (Bernoulli cross-entropy summed over
    pixels, KL summed over latent dimensions, each averaged over the batch; loss = reconstruction
    + c · kl): trained from the course's weights on the same batches with the same seed, it must
    give the course's losses and weights."""

    name = "vae_losses"
    batches = _vae_batches()
    first, last = train_class_alike(name, vae_class, VAE, _small_vae, batches, _vae_mistakes)
    print(f"✓ {name}: the same three terms and weights as the course's on {len(batches)} steps; "
          f"on one batch the loss then fell from {first:.2f} to {last:.2f} nats in 10 steps")


REFERENCES = {"reparameterize": reference_reparameterize, "vae_kl": reference_vae_kl,
              "attribute_vector": reference_attribute_vector, "pick_c": reference_pick_c,
              "vae_losses": VAE}
