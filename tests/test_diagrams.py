"""The block diagrams: the labels a lesson refers to, one figure each, and a layout in which
no text spills out of its box and nothing overlaps."""

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from course_lib import diagrams

LABELS = {
    "autoencoder": ["image x", "encoder", "Conv2D", "code z", "bottleneck", "decoder",
                    "Conv2DTranspose", "reconstruction", "reconstruction error"],
    "vae": ["encoder", "μ", "log σ²", "ε ~ N(0, I)", "z = μ + σ·ε", "decoder",
            "reconstruction + c·KL", "KL(N(μ, σ²) ‖ N(0, I))"],
    "gan": ["noise z", "generator", "fake images", "real images", "discriminator", "logit",
            "cross-entropy", "non-saturating", "−log D(G(z))", "log(1 − D(G(z)))"],
    "conditional_gan": ["noise z", "label y", "G(z, y)", "batch norm", "D(x, y)",
                        "embed(y)·φ", "auxiliary", "10 · class cross-entropy"],
    "cyclegan": ["domain A", "G_AB", "G_BA", "D_B", "PatchGAN", "least squares", "cycle",
                 "identity", "B to A"],
    "diffusion_chain": ["clean digit", "pure noise", "forward q", "√ᾱ_t·x_0", "ε_θ(x_t, t)",
                        "DDIM or DDPM", "‖ε − ε_θ(x_t, t)‖²"],
    "unet": ["x_t", "step t", "sinusoidal", "28×28", "14×14", "7×7", "skip", "noise ε̂"],
}
BOXES = {"autoencoder": 6, "vae": 9, "gan": 8, "conditional_gan": 9, "cyclegan": 8,
         "diffusion_chain": 5, "unet": 9}
ARROWS = {"autoencoder": 6, "vae": 11, "gan": 7, "conditional_gan": 8, "cyclegan": 9,
          "diffusion_chain": 6, "unet": 10}


@pytest.fixture(autouse=True)
def close_figures():
    plt.close("all")
    yield
    plt.close("all")


def draw(name):
    fig = getattr(diagrams, name)()
    fig.canvas.draw()
    return fig, fig.axes[0]


def texts(ax):
    return [t for t in ax.texts if t.get_text()]


@pytest.mark.parametrize("name", sorted(LABELS))
def test_a_diagram_is_one_figure_with_its_labels(name):
    fig, ax = draw(name)
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == [fig.number], "drawing must open exactly the figure it returns"
    assert len(fig.axes) == 1
    words = "\n".join(t.get_text() for t in ax.texts)
    missing = [label for label in LABELS[name] if label not in words]
    assert not missing, f"{name}: labels missing from the diagram: {missing}"


@pytest.mark.parametrize("name", sorted(LABELS))
def test_a_diagram_is_boxes_joined_by_arrows(name):
    _, ax = draw(name)
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(boxes) == BOXES[name]
    assert len(arrows) == ARROWS[name]


@pytest.mark.parametrize("name", sorted(LABELS))
def test_texts_fit_their_boxes_and_nothing_overlaps(name):
    fig, ax = draw(name)
    renderer = fig.canvas.get_renderer()
    boxes = [p.get_window_extent(renderer) for p in ax.patches if isinstance(p, FancyBboxPatch)]
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), f"{name}: two boxes overlap"
    extents = [(t.get_text(), t.get_window_extent(renderer)) for t in texts(ax)]
    for text, extent in extents:
        x, y = (extent.x0 + extent.x1) / 2, (extent.y0 + extent.y1) / 2
        home = [b for b in boxes if b.contains(x, y)]
        if home:
            inner = home[0].padded(-2)  # a margin of 2 pixels inside the border
            assert inner.x0 <= extent.x0 and extent.x1 <= inner.x1, f"{name}: {text!r} is too wide"
            assert inner.y0 <= extent.y0 and extent.y1 <= inner.y1, f"{name}: {text!r} is too tall"
        else:
            assert not any(extent.overlaps(b) for b in boxes), f"{name}: {text!r} overlaps a box"
    for (t1, e1), (t2, e2) in itertools.combinations(extents, 2):
        assert not e1.overlaps(e2), f"{name}: {t1!r} overlaps {t2!r}"


@pytest.mark.parametrize("name", sorted(LABELS))
def test_a_diagram_fits_a_notebook_at_a_readable_size(name):
    fig, ax = draw(name)
    width, _ = fig.get_size_inches()
    assert 8 <= width <= 12
    assert min(t.get_fontsize() for t in texts(ax)) >= 9
