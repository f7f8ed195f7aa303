"""Where lessons 04 and 05 probe a latent space: a grid over the codes, draws from a Gaussian
fitted to them, and the points on straight paths between two codes. Decoding these points
shows what a decoder makes of the space between and around the data; `metrics` scores it."""

import numpy as np

from .validation import check_positive_int


def latent_grid(codes, n: int = 20, quantile: float = 0.01):
    """An n×n grid over the box that holds the middle of 2-D `codes`.

    Returns `(points, extent)`: points of shape (n·n, 2), row-major from the top-left (high y)
    to the bottom-right, and extent `(x_min, x_max, y_min, y_max)` for `imshow`.
    """
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"codes: got shape {codes.shape}; expected (n, 2) for a 2-D latent space")
    n = check_positive_int(n, "n")
    lo = np.quantile(codes, quantile, axis=0)
    hi = np.quantile(codes, 1.0 - quantile, axis=0)
    xs = np.linspace(lo[0], hi[0], n)
    ys = np.linspace(hi[1], lo[1], n)
    points = np.array([(x, y) for y in ys for x in xs], dtype=np.float32)
    return points, (lo[0], hi[0], lo[1], hi[1])


def decode_latent_grid(codes, decode, n: int = 20):
    """Decode an n×n `latent_grid` over 2-D `codes` in one call: `(grid, extent)` with grid of
    shape (n, n, 28, 28, 1), row-major like the grid points."""
    points, extent = latent_grid(codes, n=n)
    return np.asarray(decode(points)).reshape(n, n, 28, 28, 1), extent


def gaussian_draws(codes, n: int, seed=None) -> np.ndarray:
    """`n` codes drawn from the Gaussian fitted to `codes` (their mean and covariance): how a
    plain autoencoder, which has no prior, can be sampled at all."""
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2 or len(codes) < 2:
        raise ValueError(f"codes: got shape {codes.shape}; expected (n, d) with n >= 2")
    n = check_positive_int(n, "n")
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(codes.mean(0), np.cov(codes, rowvar=False).reshape(
        codes.shape[1], codes.shape[1]), size=n).astype(np.float32)


def path_codes(start_codes, end_codes, n_frames: int = 7) -> np.ndarray:
    """The `n_frames` evenly spaced codes strictly between each start and end code (the ends
    themselves left out), shape (n_frames · n, d), frame-major: the in-between points whose
    decodings tell whether a latent space is complete between the data."""
    start = np.asarray(start_codes, dtype=np.float32)
    end = np.asarray(end_codes, dtype=np.float32)
    if start.ndim != 2 or start.shape != end.shape:
        raise ValueError(f"start and end codes: got shapes {start.shape} and {end.shape}; "
                         f"expected two equal (n, d) batches")
    n_frames = check_positive_int(n_frames, "n_frames")
    steps = np.linspace(0, 1, n_frames + 2, dtype=np.float32)[1:-1, None, None]
    return ((1 - steps) * start + steps * end).reshape(-1, start.shape[1])
