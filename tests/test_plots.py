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


def test_frame_rows_reads_back_the_first_rows_of_saved_grids(tmp_path):
    grid = np.round(images(8) * 255) / 255  # values a PNG keeps exactly
    frames = [plots.save_grid_png(grid * k, tmp_path / f"epoch_{k}.png", ncols=4, scale=2)
              for k in (1, 0.5)]
    rows = plots.frame_rows(frames, ncols=4)
    assert rows.shape == (8, 28, 28, 1)
    np.testing.assert_allclose(rows[:4], grid[:4], atol=0.5 / 255)
    np.testing.assert_allclose(rows[4:], grid[:4] * 0.5, atol=1 / 255)
    assert plots.frame_rows(frames[:1], ncols=4, rows=2).shape == (8, 28, 28, 1)
    with pytest.raises(ValueError, match="no grid of 3 row"):
        plots.frame_rows(frames, ncols=4, rows=3)
    with pytest.raises(ValueError, match="got none"):
        plots.frame_rows([], ncols=4)


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


def test_broken_histograms_one_panel_per_cluster_with_shared_bins():
    rng = np.random.default_rng(0)
    groups = {"near": rng.normal(0, 10, 500), "far": rng.normal(-5000, 10, 300),
              "farther": rng.normal(-20000, 10, 200)}
    fig = plots.broken_histograms(groups, bin_width=5.0, ylabel="per bin")
    assert len(fig.axes) == 3 and fig.axes[0].get_ylabel() == "per bin"
    bars = [patch for ax in fig.axes for patch in ax.patches]
    assert {round(bar.get_width(), 9) for bar in bars} == {5.0}
    assert sum(bar.get_height() for bar in bars) == 1000  # every value counted once
    assert all(ax.get_shared_y_axes().joined(fig.axes[0], ax) for ax in fig.axes)
    widths = [ax.get_position().width for ax in fig.axes]
    spans = [np.ptp(ax.get_xlim()) for ax in fig.axes]
    assert np.allclose(np.array(widths) / spans, widths[0] / spans[0], rtol=0.02)


def test_broken_histograms_keeps_one_axis_without_gaps():
    fig = plots.broken_histograms({"a": np.arange(100.0)}, bin_width=1.0)
    assert len(fig.axes) == 1


@pytest.mark.parametrize("groups, bin_width, match", [
    ({}, 1.0, "non-empty dict"),
    ([1.0, 2.0], 1.0, "non-empty dict"),
    ({"a": [1.0]}, 0.0, "bin_width"),
    ({"a": []}, 1.0, "at least one value"),
    ({"a": [1.0, np.nan]}, 1.0, "all finite"),
])
def test_broken_histograms_rejects_bad_input(groups, bin_width, match):
    with pytest.raises(ValueError, match=match):
        plots.broken_histograms(groups, bin_width=bin_width)
