"""Checks for the exercises of lesson 05 (the variational autoencoder)."""

import numpy as np

from .feedback import ExerciseError, as_array, compare, passed, run_learner


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


REFERENCES = {"reparameterize": reference_reparameterize, "vae_kl": reference_vae_kl,
              "attribute_vector": reference_attribute_vector}
