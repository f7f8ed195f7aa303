"""How the autoencoder's training wall time grows with training-set size and batch size, so an
instructor can size a class exercise.

One epoch of the course `Autoencoder` (latent 32, Adam, binary cross-entropy) per setting, after
a warm-up epoch that builds and traces the model: first for several training-set sizes at
batch 128, then for several batch sizes on a fixed set. Writes `benchmarks/results/scaling.json`
(`seconds_n<size>`, `seconds_batch<size>`) and the plot `benchmarks/results/scaling.png`.

Usage: python benchmarks/scaling.py   (COURSE_FAST=1: smaller sizes, plot under build/bench/)
"""

import time

import course_lib  # noqa: F401  (quiets TensorFlow before it loads)
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from course_lib import config, data, report  # noqa: E402
from course_lib.models.autoencoder import Autoencoder  # noqa: E402

SIZES = config.by_mode((1024, 2048, 4096, 8192), (256, 512))
BATCHES = config.by_mode((32, 64, 128, 256, 512), (64, 128))
BATCH = 128
BATCH_SWEEP_N = config.by_mode(2048, 512)


def epoch_seconds(model, x, batch_size):
    """Wall time of one training epoch on `x`."""
    ds = data.make_dataset(x, x, batch_size=batch_size, shuffle=False)
    start = time.perf_counter()
    model.fit(ds, epochs=1, verbose=0)
    return time.perf_counter() - start


def plot(figures, path):
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
    left.plot(SIZES, [figures[f"seconds_n{n}"] for n in SIZES], "o-")
    left.set(xlabel="training images (batch 128)", ylabel="seconds per epoch", xscale="log",
             ylim=(0, None), title="vs training-set size")
    right.plot(BATCHES, [figures[f"seconds_batch{b}"] for b in BATCHES], "o-")
    right.set(xlabel=f"batch size ({BATCH_SWEEP_N} images)", ylabel="seconds per epoch",
              xscale="log", ylim=(0, None), title="vs batch size")
    for ax, ticks in ((left, SIZES), (right, BATCHES)):
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.minorticks_off()
    fig.suptitle(f"Autoencoder, one epoch ({figures['machine']}, {figures['mode']} mode)",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main():
    config.seed_everything(0)
    (x, _), _ = data.load_mnist(n_train=max(SIZES), n_test=10)
    model = Autoencoder(latent_dim=32)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    epoch_seconds(model, x[:BATCH * 4], BATCH)  # warm-up: build and trace
    figures = {f"seconds_n{n}": epoch_seconds(model, x[:n], BATCH) for n in SIZES}
    for batch_size in BATCHES:
        figures[f"seconds_batch{batch_size}"] = epoch_seconds(model, x[:BATCH_SWEEP_N], batch_size)
    path = report.write_benchmark("scaling", figures)
    figures.update(machine=config.machine_label(), mode=config.mode())
    plot(figures, path.with_suffix(".png"))
    print(f"wrote {path.with_suffix('.png')}")


if __name__ == "__main__":
    main()
