"""The one sequence every recipe follows: find the run's checkpoint folder, refuse when a
finished run is required and missing, seed, build, compile, then train with `fit_resumable`
(which resumes an interrupted run and reloads a finished one)."""

from typing import Callable, NamedTuple

import keras

from .. import saving
from ..config import checkpoint_dir, seed_everything
from ..training import fit_resumable, is_finished, trained_seconds


class NotTrainedError(RuntimeError):
    """A recipe was asked for a trained model whose run has not finished."""


class Trained(NamedTuple):
    """What every train-or-reload recipe returns: the model and its training history
    (metric name → one value per epoch, the same whether it was trained now or reloaded)."""

    model: keras.Model
    history: dict


def require_finished(name: str, made_by: str):
    """The checkpoint folder of run `name`, or `NotTrainedError` (saying to run `made_by`)
    when it holds no finished run."""
    workdir = checkpoint_dir(name)
    if not is_finished(workdir):
        raise NotTrainedError(f"{workdir} holds no finished run of {name!r}: run {made_by} "
                              f"first")
    return workdir


def train_or_reload(build: Callable[[], keras.Model], x, y=None, *, name: str, epochs: int,
                    batch_size: int, compile_args: dict, seed=0, made_by: str = "the lesson",
                    require_trained: bool = False, verbose=2, callbacks=(),
                    validation_data=None) -> Trained:
    """Train the model that `build()` returns on `x` (and `y`) for `epochs` under run `name`,
    or reload it when that run has finished.

    `seed` seeds everything before `build()` (None leaves the global generators as they are,
    for a model that seeds itself); `compile_args` go to `model.compile`. With
    `require_trained=True` nothing is trained: an unfinished run raises `NotTrainedError`.
    """
    workdir = (require_finished(name, made_by) if require_trained else checkpoint_dir(name))
    if seed is not None:
        seed_everything(seed)
    model = build()
    model.compile(**compile_args)
    history = fit_resumable(model, x, y, epochs=epochs, workdir=workdir, batch_size=batch_size,
                            verbose=verbose, callbacks=callbacks,
                            validation_data=validation_data)
    return Trained(model, history)


class LiveAndShipped(NamedTuple):
    """A lesson's live run (`live`, its `history`, `epochs`, training `seconds`, and whether it
    was `reloaded` finished) and the model the lesson uses from then on (`model`, trained for
    `model_seconds`)."""
    live: keras.Model
    history: dict
    epochs: int
    seconds: float
    reloaded: bool
    model: keras.Model
    model_seconds: float


def live_then_shipped(train: Callable[[int, str], Trained], *, full_epochs: int, prefix: str,
                      on_gpu: bool, shipped: str, load_shipped: Callable[[], keras.Model]
                      ) -> LiveAndShipped:
    """What lessons 08 and 09 train live, and what they use after it. On a CPU: one epoch
    (`train(1, f"{prefix}_e1")`), then the shipped weights `shipped` (`load_shipped()`, their
    training seconds from the record). On a GPU: `full_epochs`, the shipped run's length, and
    that run is used instead of the shipped weights."""
    epochs = full_epochs if on_gpu else 1
    name = f"{prefix}_e{epochs}"
    reloaded = is_finished(checkpoint_dir(name))
    live, history = train(epochs, name)
    seconds = trained_seconds(checkpoint_dir(name))
    if on_gpu:
        return LiveAndShipped(live, history, epochs, seconds, reloaded, live, seconds)
    return LiveAndShipped(live, history, epochs, seconds, reloaded, load_shipped(),
                          saving.shipped_record(shipped)["train_seconds"])
