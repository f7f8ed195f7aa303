"""Smoke tests: every shared figure builds, headless, with the expected axes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib import plots


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def images(n):
    return np.random.default_rng(0).random((n, 28, 28, 1)).astype(np.float32)


def test_image_grid_has_one_axis_per_cell():
    fig = plots.image_grid(images(7), ncols=4, titles=list("abcdefg"), row_labels=["x", "y"])
    assert len(fig.axes) == 8
    assert fig.axes[0].get_title() == "a"


def test_tile_lays_out_rows():
    canvas = plots.tile(images(5), ncols=2)
    assert canvas.shape == (84, 56)


def test_latent_scatter_adds_a_colorbar():
    ax = plots.latent_scatter(np.random.default_rng(0).normal(size=(50, 2)),
                              np.arange(50) % 10, title="codes")
    assert len(ax.figure.axes) == 2 and ax.get_title() == "codes"


def test_decoded_mosaic_uses_the_extent():
    ax = plots.decoded_mosaic(images(6).reshape(2, 3, 28, 28, 1), extent=(-1, 2, -3, 4))
    assert len(ax.figure.axes) == 1
    assert ax.get_images()[0].get_extent() == [-1, 2, -3, 4]


def test_plot_history_one_line_per_key():
    ax = plots.plot_history({"loss": [3, 2, 1], "val_loss": [3.5, 2.5, 2]})
    assert len(ax.get_lines()) == 2


def test_compare_curves_and_bottleneck_sweep():
    ax = plots.compare_curves([0.1, 0.5], {"a": [1, 2], "b": [2, 3], "c": [0, 1]}, "σ", "dB")
    assert len(ax.get_lines()) == 3 and ax.get_xlabel() == "σ"
    ks = [2, 8, 32]
    ax = plots.bottleneck_sweep(ks, [0.04, 0.01, 0.003], [0.05, 0.03, 0.017], [98, 24.5, 6.125])
    assert len(ax.figure.axes) == 1 and len(ax.get_lines()) == 2
    assert [t.get_text() for t in ax.texts] == ["98×", "24.5×", "6.12×"]
