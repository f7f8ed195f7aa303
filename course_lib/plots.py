"""Figures the lessons share: image grids, latent scatters, decoded mosaics and training curves,
and the image files (PNG grids, GIFs) that training callbacks write."""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np


def image_grid(images, ncols: int = 10, titles=None, row_labels=None, scale: float = 1.0,
               title: str = None):
    """Show images of shape (n, 28, 28[, 1]) in a grid; returns the figure."""
    images = np.asarray(images)
    n = len(images)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * scale, nrows * scale), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i].squeeze(), cmap="gray", vmin=0, vmax=1)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    if row_labels is not None:
        for r, label in enumerate(row_labels):
            axes[r, 0].axis("on")
            axes[r, 0].set_xticks([])
            axes[r, 0].set_yticks([])
            axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def tile(images, ncols: int) -> np.ndarray:
    """One big 2-D array from equally sized images laid out row by row."""
    images = np.asarray(images).squeeze(-1) if np.asarray(images).ndim == 4 else np.asarray(images)
    n, h, w = images.shape
    nrows = int(np.ceil(n / ncols))
    canvas = np.zeros((nrows * h, ncols * w), dtype=np.float32)
    for i, img in enumerate(images):
        r, c = divmod(i, ncols)
        canvas[r * h:(r + 1) * h, c * w:(c + 1) * w] = img
    return canvas


def latent_scatter(codes, labels, ax=None, title: str = None, s: float = 2.0):
    """Scatter 2-D codes coloured by digit label, with a legend of the ten classes."""
    codes = np.asarray(codes)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    points = ax.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=s, vmin=-0.5, vmax=9.5)
    ax.set_xlabel("z[0]")
    ax.set_ylabel("z[1]")
    if title:
        ax.set_title(title)
    plt.colorbar(points, ax=ax, ticks=range(10), label="digit")
    return ax


def decoded_mosaic(decoded_grid, extent=None, ax=None, title: str = None):
    """Show decodings of a latent grid, shape (rows, cols, 28, 28, 1), as one image placed at
    the grid's `extent` (x_min, x_max, y_min, y_max) so it lines up with a latent scatter."""
    grid = np.asarray(decoded_grid)
    rows, cols = grid.shape[:2]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(tile(grid.reshape(rows * cols, *grid.shape[2:]), cols), cmap="gray",
              extent=extent, aspect="auto" if extent else "equal")
    if extent is None:
        ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def plot_history(history: dict, keys=None, ax=None, title: str = None):
    """Training curves from a history dict (metric → list of per-epoch values)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for key in keys or history:
        values = history[key]
        ax.plot(range(1, len(values) + 1), values, marker="o", ms=3, label=key)
    ax.set_xlabel("epoch")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def compare_curves(xs, curves: dict, xlabel: str, ylabel: str, ax=None, title: str = None,
                   logx: bool = False, logy: bool = False):
    """One line per entry of `curves` (label → values at `xs`) on shared axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for label, values in curves.items():
        ax.plot(xs, values, marker="o", ms=4, label=label)
    if logx:
        ax.set_xscale("log", base=2)
        ax.set_xticks(list(xs), [str(v) for v in xs])
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def bottleneck_sweep(ks, ae_mse, pca_mse, ratios, ax=None):
    """Test MSE per pixel against bottleneck size for the autoencoder and PCA (log-log), with
    the compression ratio of each code size written under its autoencoder point."""
    ax = compare_curves(ks, {"autoencoder": ae_mse, "PCA": pca_mse}, "bottleneck size k",
                        "test MSE per pixel", ax=ax, logx=True, logy=True,
                        title="Reconstruction error against code size")
    for k, mse, ratio in zip(ks, ae_mse, ratios):
        ax.annotate(f"{ratio:.3g}×", (k, mse), textcoords="offset points", xytext=(0, -14),
                    ha="center", fontsize=8)
    return ax


def broken_histograms(groups: dict, bin_width: float, gap: float = None, xlabel: str = "value",
                      ylabel: str = "count per bin", figsize=(10, 3.5)):
    """Histograms of value groups (label → 1-D values) that lie far apart on one number line,
    on an x-axis broken wherever the pooled values leave an empty stretch wider than `gap`
    (default 20 bins). All panels share one y-axis and bins of one width, and each panel is
    as wide as the range it shows, so heights and widths compare across the breaks.
    Returns the figure."""
    if not isinstance(groups, dict) or not groups:
        raise ValueError(f"groups must be a non-empty dict of label → values, got {groups!r:.80}")
    if not (np.isfinite(bin_width) and bin_width > 0):
        raise ValueError(f"bin_width must be a finite number > 0, got {bin_width!r}")
    gap = 20 * bin_width if gap is None else gap
    if not (np.isfinite(gap) and gap > 0):
        raise ValueError(f"gap must be a finite number > 0, got {gap!r}")
    values = {label: np.asarray(v, dtype=float).ravel() for label, v in groups.items()}
    for label, v in values.items():
        if v.size == 0 or not np.all(np.isfinite(v)):
            raise ValueError(f"group {label!r} must hold at least one value, all finite")
    pooled = np.sort(np.concatenate(list(values.values())))
    cuts = np.flatnonzero(np.diff(pooled) > gap)
    origin = np.floor(pooled[0] / bin_width) * bin_width
    panels = []  # the bin edges of each panel, one grid of bins across all of them
    for lo, hi in zip(pooled[np.r_[0, cuts + 1]], pooled[np.r_[cuts, len(pooled) - 1]]):
        first, last = np.floor((lo - origin) / bin_width), np.ceil((hi - origin) / bin_width)
        panels.append(origin + bin_width * np.arange(first - 1, last + 2))
    fig, axes = plt.subplots(1, len(panels), sharey=True, figsize=figsize, squeeze=False,
                             gridspec_kw=dict(width_ratios=[np.ptp(e) for e in panels],
                                              wspace=0.06))
    axes = axes[0]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    prune = "both" if len(panels) > 1 else None  # no tick labels colliding at a break
    for i, (ax, edges) in enumerate(zip(axes, panels)):
        for j, (label, v) in enumerate(values.items()):
            ax.hist(v, bins=edges, alpha=0.55, color=colors[j % len(colors)], label=label)
        ax.xaxis.set_major_locator(plt.MaxNLocator(4, prune=prune))
        ax.set_xlim(edges[0], edges[-1])
        _mark_break(ax, left=i > 0, right=i < len(panels) - 1)
    axes[0].set_ylabel(ylabel)
    fig.subplots_adjust(bottom=0.2)  # room for the shared x label under the tick labels
    fig.supxlabel(xlabel + (" (axis broken where no values lie)" if len(panels) > 1 else ""),
                  fontsize=10)
    axes[0].legend(loc="best")
    return fig


def _mark_break(ax, left: bool, right: bool):
    """Hide the spines where an x-axis is broken and draw the usual diagonal ticks there."""
    marks = dict(transform=ax.transAxes, color="k", clip_on=False, lw=1)
    for side, shown in (("left", left), ("right", right)):
        if shown:
            ax.spines[side].set_visible(False)
            x = 0.0 if side == "left" else 1.0
            for y in (0.0, 1.0):
                ax.plot([x - 0.01, x + 0.01], [y - 0.02, y + 0.02], **marks)
    if left:
        ax.tick_params(axis="y", which="both", left=False)


def save_grid_png(images, path, ncols: int = 8, scale: int = 2) -> Path:
    """Write images in [0, 1] of shape (n, 28, 28, 1) as one grayscale PNG grid."""
    from PIL import Image

    canvas = np.clip(tile(images, ncols), 0.0, 1.0)
    picture = Image.fromarray(np.round(canvas * 255).astype(np.uint8))
    picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    picture.save(path)
    return Path(path)


def frame_rows(frames, ncols: int, rows: int = 1, scale: int = 2) -> np.ndarray:
    """The first `rows` rows of images of each grid PNG that `save_grid_png` wrote (`ncols`
    images a row, enlarged `scale` times), back as images (n, 28, 28, 1) in [0, 1], frame after
    frame: a run's progress frames as one still grid (`image_grid(..., ncols=ncols)`)."""
    frames = list(frames)
    if not frames:
        raise ValueError("frames: got none; expected the PNG grids of at least one epoch")
    side = 28 * scale
    images = []
    for frame in frames:
        pixels = np.asarray(_read_image(frame).convert("L"), np.float32) / 255.0
        if pixels.shape[0] < rows * side or pixels.shape[1] != ncols * side:
            raise ValueError(f"{frame}: a {pixels.shape[1]}×{pixels.shape[0]} picture is no grid "
                             f"of {rows} row(s) of {ncols} images at scale {scale}")
        for r in range(rows):
            for c in range(ncols):
                images.append(pixels[r * side:(r + 1) * side:scale, c * side:(c + 1) * side:scale])
    return np.stack(images)[..., None]


def write_gif(frames, path, frame_ms: int = 300) -> Path:
    """Assemble PNG files into a looping GIF (the last frame held three times as long)."""
    frames = [_read_image(f) for f in frames]
    if not frames:
        raise ValueError(f"no frames to assemble into {path}; train for at least one epoch")
    durations = [frame_ms] * (len(frames) - 1) + [3 * frame_ms]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=durations, loop=0)
    return Path(path)


def _read_image(path):
    from PIL import Image

    with Image.open(path) as picture:
        return picture.copy()
