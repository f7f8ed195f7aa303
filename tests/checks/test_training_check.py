import keras
import numpy as np
import pytest

from course_lib.checks import ExerciseError
from course_lib.checks.feedback import NotDoneYet
from course_lib.checks.training_check import loss_falls, train_alike, train_class_alike


class Denoiser(keras.Model):
    """A one-layer denoiser: noisy input in, clean target out (the right train_step)."""

    target_is_noisy = False
    noise = 0.3

    def __init__(self, seed=0):
        super().__init__()
        self.dense = keras.layers.Dense(4)
        self.seeds = keras.random.SeedGenerator(seed)
        self.tracker = keras.metrics.Mean(name="loss")

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        import tensorflow as tf
        x = keras.utils.unpack_x_y_sample_weight(data)[0]
        noisy = x + self.noise * keras.random.normal(keras.ops.shape(x), seed=self.seeds)
        target = noisy if self.target_is_noisy else x
        with tf.GradientTape() as tape:
            loss = keras.ops.mean((self(noisy) - target) ** 2)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply(grads, self.trainable_weights)
        self.tracker.update_state(loss)
        return {"loss": self.tracker.result()}


class NoisyTarget(Denoiser):
    target_is_noisy = True


class Noiseless(Denoiser):
    noise = 0.0


class Unnamed(Denoiser):
    def train_step(self, data):
        return {"total": super().train_step(data)["loss"]}


class Unfinished(Denoiser):
    def train_step(self, data):
        raise NotImplementedError()


def built(cls, lr=0.05):
    keras.utils.set_random_seed(1)
    model = cls()
    model(np.zeros((2, 4), np.float32))
    model.compile(optimizer=keras.optimizers.SGD(lr))
    return model


BATCHES = [np.random.default_rng(i).uniform(0, 1, (8, 4)).astype(np.float32) for i in range(3)]


def test_the_reference_itself_passes_and_returns_each_step():
    losses = train_alike("denoise", built(Denoiser), built(Denoiser), BATCHES)
    assert len(losses) == 3 and all(set(step) == {"loss"} for step in losses)


def test_a_known_mistake_is_named():
    with pytest.raises(ExerciseError, match="target should be the clean"):
        train_alike("denoise", built(NoisyTarget), built(Denoiser), BATCHES,
                    mistakes={"the target should be the clean image": built(NoisyTarget)})


def test_mistakes_given_one_at_a_time_are_built_only_until_one_matches():
    built_for = []

    def mistakes():
        for hint, cls in (("the target should be the clean image", NoisyTarget),
                          ("not reached", Denoiser)):
            built_for.append(hint)
            yield hint, built(cls)

    with pytest.raises(ExerciseError, match="target should be the clean"):
        train_alike("denoise", built(NoisyTarget), built(Denoiser), BATCHES, mistakes=mistakes)
    assert built_for == ["the target should be the clean image"]


def test_an_unknown_difference_names_the_step_and_values():
    with pytest.raises(ExerciseError, match="after step 1 of 3 .* loss is .* the reference's is"):
        train_alike("denoise", built(NoisyTarget), built(Denoiser), BATCHES)


def test_a_mistake_seen_only_in_the_weights_is_named_too():
    # One step: its losses are computed before the update, so only the weights can differ.
    with pytest.raises(ExerciseError, match="learning rate"):
        train_alike("denoise", built(Denoiser, lr=0.5), built(Denoiser), BATCHES[:1],
                    mistakes={"the learning rate": built(Denoiser, lr=0.5)})
    with pytest.raises(ExerciseError, match="losses match the reference's but weight"):
        train_alike("denoise", built(Denoiser, lr=0.5), built(Denoiser), BATCHES[:1])


def test_a_different_learning_rate_is_caught_in_the_losses_or_the_weights():
    with pytest.raises(ExerciseError, match="step 2|weight"):
        train_alike("denoise", built(Denoiser, lr=0.5), built(Denoiser), BATCHES)


def test_missing_loss_names_and_stubs_are_explained():
    with pytest.raises(ExerciseError, match="also returns \\['loss'\\]"):
        train_alike("denoise", built(Unnamed), built(Denoiser), BATCHES)
    with pytest.raises(ExerciseError, match="not done yet"):
        train_alike("denoise", built(Unfinished), built(Denoiser), BATCHES)


def test_unbuilt_models_and_no_batches_are_refused():
    with pytest.raises(ValueError, match="build every model"):
        train_alike("denoise", Denoiser(), built(Denoiser), BATCHES)
    with pytest.raises(ValueError, match="at least one batch"):
        train_alike("denoise", built(Denoiser), built(Denoiser), [])


def test_loss_falls_on_a_learning_model_and_not_on_a_frozen_one():
    first, last = loss_falls("denoise", built(Denoiser), BATCHES[0], steps=30)
    assert last < 0.95 * first
    with pytest.raises(ExerciseError, match="should fall below 0.95"):
        loss_falls("denoise", built(Noiseless, lr=0.0), BATCHES[0], steps=5)
    with pytest.raises(ValueError, match="at least 2 steps"):
        loss_falls("denoise", built(Denoiser), BATCHES[0], steps=1)


def small(cls):
    return built(cls)


def test_a_subclass_is_checked_by_training_and_its_mistake_named_only_when_it_differs():
    def no_mistakes_needed():
        raise AssertionError("the mistakes are built only when the learner's run differs")

    first, last = train_class_alike("denoise", Denoiser, Denoiser, small, BATCHES, no_mistakes_needed)
    assert last < first
    with pytest.raises(NotDoneYet, match="not done yet"):
        train_class_alike("denoise", Unfinished, Denoiser, small, BATCHES, no_mistakes_needed)
    with pytest.raises(ExerciseError, match="target should be the clean"):
        train_class_alike("denoise", NoisyTarget, Denoiser, small, BATCHES,
                          lambda: {"the target should be the clean image": NoisyTarget})
    with pytest.raises(ExerciseError, match="pass your class itself"):
        train_class_alike("denoise", Denoiser(), Denoiser, small, BATCHES, no_mistakes_needed)
