"""Block diagrams of the course's generative models, drawn with matplotlib alone (no pydot or
graphviz): `autoencoder()` for lesson 02, `vae()` for lesson 05, `gan()` for lesson 06,
`conditional_gan()` and `cyclegan()` for lesson 07, `diffusion_chain()` and `unet()` for lesson 08.

Each function opens one figure through pyplot and returns it; end a notebook cell with
`diagrams.vae();` to show it once.
"""

from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

FONT_SIZE = 11
UNIT = 0.72  # inches per diagram unit: the widest diagram stays under 12 inches
COLOURS = {"data": "#e6e6e6", "network": "#cfe2f3", "code": "#fde3c0", "noise": "#dcefd2",
           "loss": "#f6d0d0"}


@dataclass
class _Box:
    x: float
    y: float
    w: float
    h: float

    def side(self, where):
        """A point on the middle of one side: "left", "right", "top" or "bottom"."""
        return {"left": (self.x - self.w / 2, self.y), "right": (self.x + self.w / 2, self.y),
                "top": (self.x, self.y + self.h / 2), "bottom": (self.x, self.y - self.h / 2)}[where]


def _canvas(width, height, title):
    fig, ax = plt.subplots(figsize=(width * UNIT, height * UNIT))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=FONT_SIZE + 2)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.92)
    return fig, ax


def _box(ax, x, y, w, h, text, kind):
    """A rounded box of colour `kind` centred on (x, y), with `text` in its middle."""
    patch = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.15",
                           facecolor=COLOURS[kind], edgecolor="#444444", linewidth=1.2)
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=FONT_SIZE, linespacing=1.3)
    return _Box(x, y, w, h)


def _arrow(ax, start, end, bend="arc3", dashed=False):
    """An arrow from point `start` to point `end`; `bend` is a matplotlib connection style."""
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": "-|>", "mutation_scale": 16, "linewidth": 1.5,
                            "color": "#8a2b2b" if dashed else "#333333",
                            "linestyle": "--" if dashed else "-", "connectionstyle": bend,
                            "shrinkA": 0, "shrinkB": 0})


def autoencoder():
    """Lesson 02's autoencoder: image → convolutional encoder → bottleneck code → transposed-
    convolution decoder → reconstruction, trained on the reconstruction error."""
    fig, ax = _canvas(15.5, 6.6, "Autoencoder: squeeze an image through a small code, rebuild it")
    image = _box(ax, 1.3, 4.3, 2.2, 1.5, "image x\n28×28×1", "data")
    encoder = _box(ax, 4.35, 4.3, 3.1, 2.4, "encoder\n2 × Conv2D, stride 2\n28 → 14 → 7\nDense",
                   "network")
    code = _box(ax, 7.75, 4.3, 2.3, 1.3, "code z\nk numbers\n(bottleneck)", "code")
    decoder = _box(ax, 11.05, 4.3, 3.1, 2.4, "decoder\nDense → 7×7\nConv2DTranspose\n7 → 14 → 28",
                   "network")
    rebuilt = _box(ax, 14.15, 4.3, 2.3, 1.5, "reconstruction\n$\\hat{\\mathrm{x}}$, 28×28×1", "data")
    loss = _box(ax, 7.75, 1.05, 6.6, 1.5,
                "loss = reconstruction error\nbinary cross-entropy of $\\hat{\\mathrm{x}}$ against x, per pixel",
                "loss")
    for a, b in [(image, encoder), (encoder, code), (code, decoder), (decoder, rebuilt)]:
        _arrow(ax, a.side("right"), b.side("left"))
    _arrow(ax, image.side("bottom"), loss.side("left"), bend="angle,angleA=-90,angleB=180,rad=0",
           dashed=True)
    _arrow(ax, rebuilt.side("bottom"), loss.side("right"), bend="angle,angleA=-90,angleB=0,rad=0",
           dashed=True)
    return fig


def vae():
    """Lesson 05's VAE: the encoder gives μ and log σ² per image, z = μ + σ·ε with ε ~ N(0, I) is
    decoded, and the loss is reconstruction + c·KL(N(μ, σ²) ‖ N(0, I))."""
    fig, ax = _canvas(16.0, 8.2, "Variational autoencoder: a Gaussian per image, decode a sample")
    image = _box(ax, 1.1, 4.8, 1.9, 1.5, "image x\n28×28×1", "data")
    encoder = _box(ax, 3.65, 4.8, 2.4, 2.0, "encoder\n2 × Conv2D\nDense", "network")
    mean = _box(ax, 6.4, 5.9, 1.8, 1.1, "mean μ", "code")
    log_var = _box(ax, 6.4, 3.7, 1.8, 1.1, "log σ²", "code")
    noise = _box(ax, 9.05, 7.2, 2.4, 1.0, "ε ~ N(0, I)", "noise")
    sample = _box(ax, 9.05, 4.8, 2.6, 1.5, "z = μ + σ·ε\nσ = exp(½ log σ²)", "code")
    decoder = _box(ax, 12.3, 4.8, 3.1, 2.0, "decoder\nDense → 7×7\nConv2DTranspose", "network")
    rebuilt = _box(ax, 15.0, 4.8, 1.7, 1.5, "$\\hat{\\mathrm{x}}$\n28×28×1", "data")
    loss = _box(ax, 8.5, 1.2, 10.0, 1.7,
                "loss = reconstruction + c·KL\n"
                "reconstruction: −log p(x | z), cross-entropy of $\\hat{\\mathrm{x}}$ against x\n"
                "KL(N(μ, σ²) ‖ N(0, I)): pulls every code distribution towards N(0, I)", "loss")
    _arrow(ax, image.side("right"), encoder.side("left"))
    for target in (mean, log_var):
        _arrow(ax, encoder.side("right"), target.side("left"))
        _arrow(ax, target.side("right"), sample.side("left"))
    _arrow(ax, noise.side("bottom"), sample.side("top"))
    _arrow(ax, sample.side("right"), decoder.side("left"))
    _arrow(ax, decoder.side("right"), rebuilt.side("left"))
    _arrow(ax, image.side("bottom"), loss.side("left"), bend="angle,angleA=-90,angleB=180,rad=0",
           dashed=True)
    _arrow(ax, log_var.side("bottom"), (log_var.x, loss.y + loss.h / 2), dashed=True)
    ax.text(log_var.x + 0.2, (log_var.y - log_var.h / 2 + loss.y + loss.h / 2) / 2, "μ and log σ²\nenter the KL",
            ha="left", va="center", fontsize=FONT_SIZE - 1, color="#8a2b2b")
    _arrow(ax, rebuilt.side("bottom"), loss.side("right"), bend="angle,angleA=-90,angleB=0,rad=0",
           dashed=True)
    return fig


def gan():
    """Lesson 06's DCGAN: noise → generator → fake images; real and fake images → discriminator →
    logit; D's cross-entropy loss and G's non-saturating loss −log D(G(z))."""
    fig, ax = _canvas(16.0, 8.8, "GAN: a generator and a discriminator trained against each other")
    noise = _box(ax, 1.3, 6.5, 2.3, 1.5, "noise z\n~ N(0, I)\n64 numbers", "noise")
    generator = _box(ax, 4.5, 6.5, 3.1, 1.9, "generator G\nDense → 7×7\n2 × Conv2DTranspose",
                     "network")
    fake = _box(ax, 7.75, 6.5, 2.3, 1.3, "fake images\nG(z)", "data")
    real = _box(ax, 7.75, 2.1, 2.3, 1.3, "real images x\n(MNIST)", "data")
    critic = _box(ax, 10.45, 4.3, 2.5, 2.0, "discriminator D\n2 × Conv2D\nDense", "network")
    logit = _box(ax, 13.8, 4.3, 3.0, 1.5, "logit ℓ\nD = sigmoid(ℓ)\n= P(real)", "code")
    d_loss = _box(ax, 13.8, 7.35, 4.2, 1.9,
                  "D's loss: cross-entropy\n−log D(x) − log(1 − D(G(z)))\nreal → 1, fake → 0; updates D",
                  "loss")
    g_loss = _box(ax, 13.8, 1.25, 4.2, 1.9,
                  "G's loss, non-saturating\n−log D(G(z))\nupdates G; D held fixed", "loss")
    _arrow(ax, noise.side("right"), generator.side("left"))
    _arrow(ax, generator.side("right"), fake.side("left"))
    left = critic.x - critic.w / 2
    _arrow(ax, fake.side("bottom"), (left, critic.y + 0.45), bend="angle,angleA=-90,angleB=180,rad=0")
    _arrow(ax, real.side("top"), (left, critic.y - 0.45), bend="angle,angleA=90,angleB=180,rad=0")
    _arrow(ax, critic.side("right"), logit.side("left"))
    _arrow(ax, logit.side("top"), d_loss.side("bottom"), dashed=True)
    _arrow(ax, logit.side("bottom"), g_loss.side("top"), dashed=True)
    return fig


def conditional_gan():
    """Lesson 07's conditional GAN: noise and a label → generator (conditional batch norm) →
    fakes of that class; the projection discriminator judges an image with its label and its
    auxiliary classifier reads the class; the two players' losses."""
    fig, ax = _canvas(16.0, 8.8, "Conditional GAN: both players are told the class")
    noise = _box(ax, 1.3, 7.0, 2.3, 1.3, "noise z\n~ N(0, I)", "noise")
    label = _box(ax, 1.3, 4.6, 2.3, 1.3, "label y\n(class 0–9)", "code")
    generator = _box(ax, 4.7, 5.8, 3.1, 2.2, "generator G(z, y)\nbatch norm with\nscale, shift from y",
                     "network")
    fake = _box(ax, 8.1, 5.8, 2.5, 1.3, "fakes G(z, y)\nwith label y", "data")
    real = _box(ax, 8.1, 2.7, 2.5, 1.3, "real images x\nwith label y", "data")
    critic = _box(ax, 11.3, 4.05, 2.7, 2.4, "discriminator\nD(x, y): features φ,\nψ(φ) + embed(y)·φ",
                  "network")
    logit = _box(ax, 14.45, 6.3, 2.7, 1.5, "logit ℓ: a real\nimage of class y?", "code")
    classes = _box(ax, 14.45, 3.9, 2.7, 1.5, "class logits\n(auxiliary\nclassifier)", "code")
    loss = _box(ax, 12.2, 1.05, 7.4, 1.5,
                "D: cross-entropy on ℓ + 10 · class cross-entropy on real x\n"
                "G: −log D(G(z, y), y) + class cross-entropy on its fakes", "loss")
    _arrow(ax, noise.side("right"), (generator.x - generator.w / 2, generator.y + 0.5))
    _arrow(ax, label.side("right"), (generator.x - generator.w / 2, generator.y - 0.5))
    _arrow(ax, generator.side("right"), fake.side("left"))
    left = critic.x - critic.w / 2
    _arrow(ax, fake.side("right"), (left, critic.y + 0.5))
    _arrow(ax, real.side("right"), (left, critic.y - 0.5))
    right = critic.x + critic.w / 2
    _arrow(ax, (right, critic.y + 0.5), logit.side("left"))
    _arrow(ax, (right, critic.y - 0.5), classes.side("left"))
    _arrow(ax, classes.side("bottom"), (classes.x, loss.y + loss.h / 2), dashed=True)
    return fig


def cyclegan():
    """Lesson 07's CycleGAN, one direction of two: G_AB translates a domain-A image, the PatchGAN
    critic D_B judges it against real B images, G_BA must bring it back (cycle loss), and a B
    image fed to G_AB should stay as it is (identity loss). B → A mirrors it."""
    fig, ax = _canvas(16.0, 9.0, "CycleGAN: translate without pairs, and come back")
    image_a = _box(ax, 1.4, 6.3, 2.5, 1.3, "image a\n(domain A)", "data")
    g_ab = _box(ax, 4.6, 6.3, 2.6, 1.5, "translator\nG_AB", "network")
    fake_b = _box(ax, 7.9, 6.3, 2.6, 1.3, "G_AB(a)\nin B's style?", "data")
    d_b = _box(ax, 11.3, 6.3, 2.8, 1.9, "critic D_B\n(PatchGAN: 7×7\npatch logits)", "network")
    real_b = _box(ax, 14.6, 6.3, 2.3, 1.3, "B images b\n(other digits)", "data")
    g_ba = _box(ax, 7.9, 3.5, 2.6, 1.5, "translator\nG_BA", "network")
    back = _box(ax, 4.6, 3.5, 2.6, 1.3, "G_BA(G_AB(a))\nback in A", "data")
    loss = _box(ax, 8.0, 1.0, 13.6, 1.6,
                "adversarial (least squares): (D_B(G_AB(a)) − 1)²;  cycle: λ · |G_BA(G_AB(a)) − a|\n"
                "identity: ½λ · |G_AB(b) − b|;  the same terms from B to A with G_BA and D_A",
                "loss")
    _arrow(ax, image_a.side("right"), g_ab.side("left"))
    _arrow(ax, g_ab.side("right"), fake_b.side("left"))
    _arrow(ax, fake_b.side("right"), d_b.side("left"))
    _arrow(ax, real_b.side("left"), d_b.side("right"))
    _arrow(ax, fake_b.side("bottom"), g_ba.side("top"))
    _arrow(ax, g_ba.side("left"), back.side("right"))
    _arrow(ax, back.side("bottom"), (back.x, loss.y + loss.h / 2), dashed=True)
    _arrow(ax, image_a.side("bottom"), (image_a.x, loss.y + loss.h / 2), dashed=True)
    _arrow(ax, d_b.side("bottom"), (d_b.x, loss.y + loss.h / 2), dashed=True)
    return fig


def diffusion_chain():
    """Lesson 08's two chains: the fixed forward process noises x_0 step by step to pure noise
    (in one jump by its closed form); the learned reverse process removes the predicted noise
    a step at a time, from pure noise to a new digit."""
    fig, ax = _canvas(16.0, 7.4, "Diffusion: noise a digit on purpose, learn to undo each step")
    y_top, y_bottom = 5.4, 2.5
    states = ["x_0\nclean digit", "x_t\nsome noise", "x_t′\nmore noise", "x_T\npure noise"]
    xs = [1.6, 5.9, 10.2, 14.5]
    kinds = ["data", "data", "data", "noise"]
    boxes = [_box(ax, x, (y_top + y_bottom) / 2, 2.4, 1.5, text, kind)
             for x, text, kind in zip(xs, states, kinds)]
    for a, b in zip(boxes, boxes[1:]):
        _arrow(ax, (a.x + a.w / 2, a.y + 0.45), (b.x - b.w / 2, b.y + 0.45))
        _arrow(ax, (b.x - b.w / 2, b.y - 0.45), (a.x + a.w / 2, a.y - 0.45), dashed=True)
    ax.text(8.05, 5.6, "forward q: fixed, no learning; x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε in one jump",
            ha="center", va="center", fontsize=FONT_SIZE)
    ax.text(8.05, 2.3, "reverse: the network predicts ε̂ = ε_θ(x_t, t), a step removes part of it",
            ha="center", va="center", fontsize=FONT_SIZE, color="#8a2b2b")
    _box(ax, 8.05, 0.85, 13.6, 1.3,
         "training: draw x_0, t and ε; loss = ‖ε − ε_θ(x_t, t)‖²\n"
         "sampling: start from pure noise, run the reverse chain (DDIM or DDPM)", "loss")
    return fig


def unet():
    """Lesson 08's noise predictor ε_θ(x_t, t): a small U-Net, residual blocks at 28, 14 and
    7 px on the way down and back up, skip connections across, the step t embedded and added
    in every block."""
    fig, ax = _canvas(16.0, 8.8, "U-Net ε_θ(x_t, t): down to 7×7 and back, with skips across")
    x_t = _box(ax, 1.3, 6.6, 2.2, 1.3, "noisy image x_t\n28×28×1", "data")
    step = _box(ax, 1.3, 1.3, 2.2, 1.3, "step t\n(an integer)", "code")
    embed = _box(ax, 4.6, 1.3, 3.2, 1.3, "sinusoidal embedding\n→ 2 × Dense", "network")
    down = [_box(ax, 4.6, 6.6, 2.6, 1.3, "block, 28×28\n16 channels", "network"),
            _box(ax, 6.6, 4.6, 2.6, 1.3, "block, 14×14\n32 channels", "network")]
    bottom = _box(ax, 8.6, 2.9, 2.8, 1.3, "2 blocks, 7×7\n64 channels", "network")
    up = [_box(ax, 10.6, 4.6, 2.6, 1.3, "block, 14×14\n32 channels", "network"),
          _box(ax, 12.6, 6.6, 2.6, 1.3, "block, 28×28\n16 channels", "network")]
    out = _box(ax, 14.9, 4.6, 1.9, 1.3, "noise ε̂\n28×28×1", "data")
    _arrow(ax, x_t.side("right"), down[0].side("left"))
    _arrow(ax, down[0].side("bottom"), down[1].side("left"), bend="angle,angleA=-90,angleB=180,rad=0")
    _arrow(ax, down[1].side("bottom"), bottom.side("left"), bend="angle,angleA=-90,angleB=180,rad=0")
    _arrow(ax, bottom.side("right"), up[0].side("bottom"), bend="angle,angleA=0,angleB=-90,rad=0")
    _arrow(ax, up[0].side("right"), up[1].side("bottom"), bend="angle,angleA=0,angleB=-90,rad=0")
    _arrow(ax, up[1].side("right"), out.side("top"), bend="angle,angleA=0,angleB=90,rad=0")
    for a, b in [(down[0], up[1]), (down[1], up[0])]:
        _arrow(ax, a.side("right"), b.side("left"), dashed=True)
    ax.text(8.6, 6.95, "skip: concatenate", ha="center", va="center", fontsize=FONT_SIZE - 1,
            color="#8a2b2b")
    _arrow(ax, step.side("right"), embed.side("left"))
    _arrow(ax, embed.side("right"), bottom.side("bottom"), bend="angle,angleA=0,angleB=90,rad=0")
    ax.text(8.0, 0.45, "the embedding is added inside every block (strided convolutions go down,"
            " upsampling goes up)", ha="center", va="center", fontsize=FONT_SIZE - 1)
    return fig
