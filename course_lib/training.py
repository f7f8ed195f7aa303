"""Training that survives a disconnect: `fit_resumable` checkpoints after every epoch.

A checkpoint folder holds `checkpoint.weights.h5` (weights and optimizer state), `rng.npz`
(the state of every `keras.random.SeedGenerator` in the model, which Keras does not save) and
`state.json` (epochs done, settings, history). Each is written to a temporary name and moved
into place, so an interrupted write never leaves a half-written checkpoint.
"""

import json
import os
import time
import warnings
from pathlib import Path

import keras
import numpy as np

from . import fingerprint as fingerprints
from .config import fast_mode, seed_everything
from .data import make_dataset
from .plots import save_grid_png, write_gif
from .validation import check_images, check_positive_int

STATE = "state.json"
# In fast mode a run of at most this many steps trains (and predicts) eagerly: tracing a train
# step takes seconds (about 10 s for lesson 07's CycleGAN), more than a few eager steps.
EAGER_MAX_STEPS = 4
WEIGHTS = "checkpoint.weights.h5"
RNG = "rng.npz"


class CheckpointError(RuntimeError):
    """A checkpoint folder cannot be written, or holds a run that does not fit this model."""


def fit_resumable(model, x, y=None, *, epochs: int, workdir, batch_size: int = 128, seed: int = 0,
                  validation_data=None, callbacks=(), verbose="auto", shuffle: bool = True) -> dict:
    """Train `model` on arrays `x` (and targets `y`) for `epochs`, one checkpoint per epoch.

    Called again with the same `workdir` after an interruption, it resumes after the last
    finished epoch; when all epochs are done it loads the weights and trains nothing. That holds
    only for the same run: the checkpoint keeps the run's `run_fingerprint` (data, model,
    compile settings, the learner's own training code, seed, batch size, shuffling), and when
    any of them changed, the run there is moved aside to `<workdir>.<its fingerprint>` (saying
    so) and this one trains afresh, or comes back from aside if it ran before. A run saved
    with another Keras version that differs only in the model's or compile settings' configs
    (which each version writes its own way) is reloaded as the same run, saying so.
    The data order of epoch e depends only on (seed, e), so a resumed run sees the same batches
    as an uninterrupted one. In fast mode a run of at most `EAGER_MAX_STEPS` steps runs
    eagerly, which skips the seconds of tracing its step. Returns the history of all epochs:
    metric name → list of values.
    """
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    x = np.asarray(x)
    if len(x) == 0:
        raise ValueError("x: got no training examples; expected at least one")
    if x.ndim >= 3:  # images: the course's (n, 28, 28, 1) floats in [0, 1]
        x = check_images(x, "x")
    elif np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
        raise ValueError("x: contains NaN or infinite values; expected finite numbers")
    if y is not None and len(y) != len(x):
        raise ValueError(f"x has {len(x)} examples but y has {len(y)}; expected the same number")
    workdir = _prepare(Path(workdir))
    build_for_training(model, x[:1])
    if fast_mode() and -(-len(x) // batch_size) * epochs <= EAGER_MAX_STEPS:
        model.run_eagerly = True
    fingerprint = fingerprints.run_fingerprint(model, x, y, seed=seed, batch_size=batch_size,
                                               shuffle=shuffle)
    state = _read_state(workdir)
    if state["epoch"] and "fingerprint" not in state:  # saved before runs had fingerprints
        _check_same_run(state, workdir, seed=seed, batch_size=batch_size, n_examples=len(x))
        _adopt(workdir, state, fingerprint)
    elif state["epoch"] and _only_keras_changed(state, fingerprint):
        print(f"{workdir.name}: saved with Keras {state['keras']}, which describes the same "
              f"model and settings in other words than Keras {keras.__version__}; reloaded as "
              f"the same run", flush=True)
        _adopt(workdir, state, fingerprint)
    elif state["epoch"] and state["fingerprint"] != fingerprint:
        state = _switch_runs(workdir, state, fingerprint)
    if state["epoch"]:
        _restore(model, workdir)
        if verbose:
            print(recorded_log(state, epochs, workdir.name), flush=True)
    for epoch in range(state["epoch"], epochs):
        started = time.perf_counter()
        seed_everything(seed + epoch)
        order = np.random.default_rng([seed, epoch]).permutation(len(x)) if shuffle else slice(None)
        data = make_dataset(x[order], None if y is None else np.asarray(y)[order],
                            batch_size=batch_size, shuffle=False)
        result = model.fit(data, initial_epoch=epoch, epochs=epoch + 1, verbose=verbose,
                           shuffle=False, validation_data=validation_data,
                           callbacks=list(callbacks))
        for name, values in result.history.items():
            state["history"].setdefault(name, []).extend(float(v) for v in values)
        state.update(epoch=epoch + 1, epochs=epochs, seed=seed, batch_size=batch_size,
                     n_examples=len(x), fingerprint=fingerprint, keras=keras.__version__,
                     seconds=state.get("seconds", 0.0) + time.perf_counter() - started)
        _save(model, workdir, state)
    return state["history"]


def recorded_log(state: dict, epochs: int, name: str) -> str:
    """What a reloaded run trained, from its checkpoint's record: one line per epoch with the
    epoch's logged values, like Keras' own log, so a reloaded run shows its training too."""
    done, history = state["epoch"], state["history"]
    seconds = state.get("seconds", float("nan"))
    head = (f"{name}: {done} of {epochs} epochs trained earlier ({seconds:.0f} s), "
            f"{'reloaded' if done >= epochs else 'resumed after them'}; their record:")
    lines = [head] + [f"  epoch {e + 1}/{epochs}: " + " - ".join(
        f"{key}: {values[e]:.4f}" for key, values in history.items() if e < len(values))
        for e in range(done)]
    return "\n".join(lines)


def fit_optionally_resumable(model, x, y, *, epochs: int, batch_size: int, seed: int = 0,
                             workdir=None, verbose="auto") -> dict:
    """Fit a compiled model on arrays `x`, `y`: through `fit_resumable` in `workdir` when one is
    given (checkpointed every epoch, resumed or reloaded when called again), else by one
    shuffled `model.fit`. Returns the history: metric name → one value per epoch."""
    if workdir is None:
        result = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True,
                           verbose=verbose)
        return {name: [float(v) for v in values] for name, values in result.history.items()}
    return fit_resumable(model, x, y, epochs=epochs, workdir=workdir, batch_size=batch_size,
                         seed=seed, verbose=verbose)


def cosine_adam(learning_rate: float, *, epochs: int, n_examples: int, batch_size: int):
    """Adam whose learning rate falls from `learning_rate` to 0 along a cosine over a run of
    `epochs` epochs of `n_examples` examples in batches of `batch_size`."""
    epochs = check_positive_int(epochs, "epochs")
    n_examples = check_positive_int(n_examples, "n_examples")
    batch_size = check_positive_int(batch_size, "batch_size")
    steps = epochs * int(np.ceil(n_examples / batch_size))
    return keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(learning_rate, steps))


def build_for_training(model, sample) -> None:
    """Create the variables of `model` and of its optimizer(s), so a checkpoint can be loaded.

    A model with several optimizers (the GAN) provides `build_optimizers()`.
    """
    if not model.built:
        model(sample)
    if hasattr(model, "build_optimizers"):
        model.build_optimizers()
    elif getattr(model, "optimizer", None) is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


def seed_states(model) -> list:
    """The state variables of every `SeedGenerator` the model tracks, in a fixed order."""
    return [v for v in model.variables if "seed_generator_state" in v.path]


def _prepare(workdir: Path) -> Path:
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        probe = workdir / ".write-test"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as err:
        raise CheckpointError(
            f"checkpoint folder {workdir} is not writable ({err.strerror or err}); "
            f"expected a folder this process can create files in. Pick another workdir."
        ) from err
    return workdir


def is_finished(workdir) -> bool:
    """True when `workdir` holds a run whose checkpoint has all the epochs it was asked for."""
    state = _read_state(Path(workdir))
    return state["epoch"] > 0 and state["epoch"] >= state.get("epochs", 0)


def trained_seconds(workdir) -> float:
    """Wall-clock seconds the run in `workdir` has spent training, summed over its epochs and
    sessions (NaN for a run checkpointed before the course recorded it)."""
    return float(_read_state(Path(workdir)).get("seconds", float("nan")))


def trained_history(workdir) -> dict:
    """The recorded training of the run in `workdir`: metric → one value per epoch trained (empty
    when nothing was trained there), the same whether the run was trained now or reloaded."""
    return _read_state(Path(workdir))["history"]


def _read_state(workdir: Path) -> dict:
    path = workdir / STATE
    if not path.exists():
        return {"epoch": 0, "history": {}}
    try:
        state = json.loads(path.read_text())
        int(state["epoch"]), dict(state["history"])
    except (ValueError, KeyError, TypeError) as err:
        raise CheckpointError(
            f"{path} is not a readable training state ({err}); it was left as it is. "
            f"Use a fresh workdir, or move this folder away to start over."
        ) from err
    return state


def _switch_runs(workdir: Path, state: dict, fingerprint: dict) -> dict:
    """Move the run in `workdir` (another fingerprint) aside, bring back the run of
    `fingerprint` set aside earlier if there is one, and return the state now in `workdir`."""
    aside = workdir.with_name(f"{workdir.name}.{fingerprints.short(state['fingerprint'])}")
    earlier = workdir.with_name(f"{workdir.name}.{fingerprints.short(fingerprint)}")
    if aside.exists():
        raise CheckpointError(f"{workdir} holds a run of other settings, and {aside}, where it "
                              f"would be moved aside, exists already; both were left as they "
                              f"are. Move one of them away to go on.")
    changed = fingerprints.changes(state["fingerprint"], fingerprint)
    os.replace(workdir, aside)
    if earlier.exists():
        os.replace(earlier, workdir)
        then = f"the run of these settings, set aside earlier, is back in {workdir.name}"
    else:
        _prepare(workdir)
        then = "this run trains afresh"
    print(f"{workdir.name}: the run there differs from this one in {changed}; it is kept in "
          f"{aside.name}, and {then}.", flush=True)
    return _read_state(workdir)


def _only_keras_changed(state: dict, fingerprint: dict) -> bool:
    """True when the run was saved with another Keras version and differs only in the parts
    that Keras writes (the model's and the compile settings' configs), not in the data, the
    learner's code or the training settings: a Keras update must not retrain every run."""
    changed = {part for part in fingerprints.PARTS
               if state["fingerprint"].get(part) != fingerprint[part]}
    other_keras = state.get("keras", keras.__version__) != keras.__version__
    return other_keras and bool(changed) and changed <= {"model", "compile"}


def _adopt(workdir: Path, state: dict, fingerprint: dict) -> None:
    """Record this process's fingerprint and Keras version with the run in `workdir`."""
    state.update(fingerprint=fingerprint, keras=keras.__version__)
    _write_state(workdir, state)


def _write_state(workdir: Path, state: dict) -> None:
    (workdir / f"tmp-{STATE}").write_text(json.dumps(state, indent=1))
    os.replace(workdir / f"tmp-{STATE}", workdir / STATE)


def _check_same_run(state: dict, workdir: Path, **settings) -> None:
    changed = {k: (state[k], v) for k, v in settings.items() if k in state and state[k] != v}
    if changed:
        diff = ", ".join(f"{k}={old} there, {new} now" for k, (old, new) in changed.items())
        raise CheckpointError(
            f"{workdir} holds a run with other settings ({diff}); it was left as it is. "
            f"Use the same settings to resume, or another workdir for a new run."
        )


def _restore(model, workdir: Path) -> None:
    try:
        with warnings.catch_warnings():
            # Keras 3.15 warns about the bookkeeping dict of functional sub-models even though
            # their weights load (tests/test_training.py compares predictions after a reload).
            warnings.filterwarnings("ignore", message=".*_operations_by_depth.*")
            model.load_weights(workdir / WEIGHTS)
    except Exception as err:
        raise CheckpointError(
            f"the checkpoint in {workdir} does not fit this model ({err}); it was left as it is. "
            f"Use the same model settings as the interrupted run, or another workdir."
        ) from err
    rng_path = workdir / RNG
    if rng_path.exists():
        with np.load(rng_path) as saved:
            for i, variable in enumerate(seed_states(model)):
                if f"s{i}" in saved:
                    variable.assign(saved[f"s{i}"])


def _save(model, workdir: Path, state: dict) -> None:
    # All three files are written under temporary names first and then moved into place back
    # to back, so a kill while writing leaves the previous checkpoint whole (state.json last).
    try:
        model.save_weights(workdir / f"tmp-{WEIGHTS}")
        with open(workdir / f"tmp-{RNG}", "wb") as handle:
            np.savez(handle, **{f"s{i}": np.asarray(v) for i, v in enumerate(seed_states(model))})
        (workdir / f"tmp-{STATE}").write_text(json.dumps(state, indent=1))
        for name in (WEIGHTS, RNG, STATE):
            os.replace(workdir / f"tmp-{name}", workdir / name)
    except OSError as err:
        raise CheckpointError(
            f"could not write a checkpoint to {workdir} ({err.strerror or err}); the previous "
            f"checkpoint is still there. Free some disk space or pick another workdir."
        ) from err


class ProgressGrid(keras.callbacks.Callback):
    """Watch a generative model learn: after every epoch, decode one fixed batch of noise with
    the model's `network` (e.g. a GAN's `generator`) into an image grid `epoch_NNN.png` in
    `folder`; at the end of each `fit`, assemble all frames in the folder into `progress.gif`.

    Frames already in `folder` from an interrupted run are kept, so a resumed run's GIF shows
    the whole training.
    """

    def __init__(self, noise, folder, network: str = "generator", ncols: int = 8,
                 scale: int = 2, frame_ms: int = 300):
        super().__init__()
        self.noise = np.asarray(noise, dtype=np.float32)
        if self.noise.ndim != 2 or len(self.noise) == 0:
            raise ValueError(f"noise: got shape {self.noise.shape}; expected a batch (n, noise_dim)")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.network = network
        self.ncols = check_positive_int(ncols, "ncols")
        self.scale = check_positive_int(scale, "scale")
        self.frame_ms = check_positive_int(frame_ms, "frame_ms")
        self.gif_path = self.folder / "progress.gif"

    def frames(self) -> list:
        """The saved grids, in epoch order."""
        return sorted(self.folder.glob("epoch_*.png"))

    def on_epoch_end(self, epoch, logs=None):
        images = getattr(self.model, self.network).predict(self.noise, verbose=0)
        save_grid_png(images, self.folder / f"epoch_{epoch + 1:03d}.png", self.ncols, self.scale)

    def on_train_end(self, logs=None):
        write_gif(self.frames(), self.gif_path, self.frame_ms)


class EpochScore(keras.callbacks.Callback):
    """Add `name` = `score_fn(model)` to the logs after every epoch, so the score lands in the
    training history next to the losses (e.g. a Fréchet distance of generated samples)."""

    def __init__(self, name: str, score_fn):
        super().__init__()
        self.name, self.score_fn = name, score_fn

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs[self.name] = float(self.score_fn(self.model))


class StepScore(keras.callbacks.Callback):
    """Record `name` = `score_fn(model)` after every `every` training steps, counted across
    epochs (step 0 too, before the first), e.g. a GAN's `generator_gradient_norm`.
    `records` maps "step" and `name` to one list each. With `path`, the records are written to
    that JSON file after every epoch and read back on construction, so a resumed or reloaded
    run keeps them; an epoch that is trained again replaces its old records."""

    def __init__(self, name: str, score_fn, every: int, path=None):
        super().__init__()
        self.name, self.score_fn = name, score_fn
        self.every = check_positive_int(every, "every")
        self.path = None if path is None else Path(path)
        self.records = {"step": [], name: []}
        if self.path is not None and self.path.exists():
            saved = json.loads(self.path.read_text())
            if set(saved) != set(self.records):
                raise ValueError(f"{self.path} holds records of {sorted(saved)}; expected "
                                 f"{sorted(self.records)}. Use another path for another score.")
            self.records = saved
        self._first_step = 0

    def on_epoch_begin(self, epoch, logs=None):
        steps = self.params.get("steps")
        if not steps:
            raise ValueError("StepScore needs data of known length (steps per epoch)")
        self._first_step = epoch * steps
        # Steps up to the epoch's start were recorded by earlier epochs (step 0 before epoch 1).
        keep = [i for i, step in enumerate(self.records["step"])
                if epoch > 0 and step <= self._first_step]
        self.records = {key: [values[i] for i in keep] for key, values in self.records.items()}
        if epoch == 0:
            self._record(0)

    def on_train_batch_end(self, batch, logs=None):
        step = self._first_step + batch + 1
        if step % self.every == 0:
            self._record(step)

    def on_epoch_end(self, epoch, logs=None):
        if self.path is not None:
            temporary = self.path.with_name(f"tmp-{self.path.name}")
            temporary.write_text(json.dumps(self.records))
            os.replace(temporary, self.path)

    def _record(self, step: int):
        self.records["step"].append(step)
        self.records[self.name].append(float(self.score_fn(self.model)))


class BatchLosses(keras.callbacks.Callback):
    """Record `keys` (e.g. a GAN's losses) for every training batch, not only per epoch.

    Keras hands `on_train_batch_end` each tracker's running mean over the epoch so far. After
    batch b (counting from 1) the mean is m_b, so that batch's own value is b·m_b − (b−1)·m_{b−1}
    (with several batches per call, the same difference divided by their number is their mean).
    `records` maps "epoch", "batch" (index within the epoch) and each key to one list each.
    With `path`, the records are written to that JSON file after every epoch and read back on
    construction, so a resumed or reloaded run keeps the batches of earlier sessions; an epoch
    that is trained again replaces its old records.
    """

    def __init__(self, keys=("d_loss", "g_loss"), path=None):
        super().__init__()
        self.keys = tuple(keys)
        if not self.keys:
            raise ValueError("keys: got none; expected the names of logged values to record")
        self.path = None if path is None else Path(path)
        self.records = {name: [] for name in ("epoch", "batch", *self.keys)}
        if self.path is not None and self.path.exists():
            saved = json.loads(self.path.read_text())
            missing = set(self.records) - set(saved)
            if missing:
                raise ValueError(f"{self.path} has no records of {sorted(missing)}; expected "
                                 f"{sorted(self.records)}. Use another path for other keys.")
            self.records = {name: list(saved[name]) for name in self.records}
        self._epoch, self._count, self._means = 0, 0, {}

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._count = epoch, 0
        self._means = dict.fromkeys(self.keys, 0.0)
        keep = [i for i, e in enumerate(self.records["epoch"]) if e < epoch]
        self.records = {name: [values[i] for i in keep] for name, values in self.records.items()}

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        missing = [key for key in self.keys if key not in logs]
        if missing:
            raise KeyError(f"BatchLosses: the batch logs have no {missing}; they have "
                           f"{sorted(logs)}")
        count = batch + 1
        self.records["epoch"].append(self._epoch)
        self.records["batch"].append(batch)
        for key in self.keys:
            mean = float(logs[key])
            value = (count * mean - self._count * self._means[key]) / (count - self._count)
            self.records[key].append(value)
            self._means[key] = mean
        self._count = count

    def on_epoch_end(self, epoch, logs=None):
        if self.path is not None:
            temporary = self.path.with_name(f"tmp-{self.path.name}")
            temporary.write_text(json.dumps(self.records))
            os.replace(temporary, self.path)

    def epoch_curve(self, key: str, epoch: int = 0, points: int = 10) -> list:
        """`key`'s curve over `epoch` (counting from 0) in `points` values: the mean of each of
        `points` equal runs of that epoch's batches, first to last."""
        values = [v for e, v in zip(self.records["epoch"], self.records[key]) if e == epoch]
        if len(values) < points:
            raise ValueError(f"epoch {epoch} has {len(values)} recorded batches; expected at "
                             f"least {points} (points) to average over")
        return [float(np.mean(part)) for part in np.array_split(np.asarray(values), points)]
