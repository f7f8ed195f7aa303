"""Lesson 09's recipes: the plan shared with lesson 08, the live run, the shipped weights and the
choice of the guidance weight."""

import json

import numpy as np
import pytest

from course_lib import recipes, saving
from course_lib.config import repo_root


def images(n=8, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype(np.float32)


def test_the_plan_changes_nothing_of_lesson_08s_but_the_labels():
    flow, diffusion = recipes.flow_plan(), recipes.diffusion_plan()
    for key in ("widths", "groups", "batch_size", "learning_rate", "shipped_epochs"):
        assert flow[key] == diffusion[key], key
    assert flow["classes"] == 10 and 0 < flow["label_dropout"] < 1
    assert flow["guidance"] in recipes.flow_plan()["guidance_weights"]


@pytest.mark.parametrize("conditional, name", [(True, recipes.SHIPPED_FLOW),
                                                (False, recipes.SHIPPED_FLOW_UNCOND)])
def test_the_shipped_weights_match_their_record_and_load(conditional, name):
    path = saving.verified_shipped_weights(name)
    record = saving.shipped_record(name)
    assert saving.sha256_of(path) == record["sha256"]
    assert record["tensorflow"] and record["keras"] and len(record["loss_per_epoch"]) == record["epochs"]
    model = recipes.shipped_flow(conditional)
    assert model.classes == (10 if conditional else 0)
    labels = [3, 7] if conditional else None
    out = model.sample(2, steps=2, labels=labels, guidance=2.0 if conditional else 1.0)
    assert out.shape == (2, 28, 28, 1)


def test_the_committed_choice_of_w_is_the_plans_and_follows_from_the_sweep():
    results = json.loads((repo_root() / "benchmarks" / "results" / "flow_matching.json").read_text())
    plan = recipes.flow_plan()
    assert results["chosen_w"] == plan["guidance"]
    sweep = {w: {"class_share": results[f"cfg_class_share_{w:g}"],
                 "min_requested_share": results[f"cfg_min_class_share_{w:g}"]}
             for w in plan["guidance_weights"]}
    assert recipes.choose_guidance(sweep) == plan["guidance"]


def test_choose_guidance_takes_the_smallest_weight_that_reaches_both_targets():
    sweep = {0.0: {"class_share": 0.6, "min_requested_share": 0.3},
             1.0: {"class_share": 0.97, "min_requested_share": 0.9},
             2.0: {"class_share": 0.99, "min_requested_share": 0.96},
             3.0: {"class_share": 0.995, "min_requested_share": 0.98}}
    assert recipes.choose_guidance(sweep, 0.98, 0.95) == 2.0
    assert recipes.choose_guidance(sweep, 0.98, 0.97) == 3.0
    # None reaches the targets: the best worst digit, the smaller weight on a tie.
    assert recipes.choose_guidance(sweep, 0.999, 0.99) == 3.0
    sweep[5.0] = dict(sweep[3.0])
    assert recipes.choose_guidance(sweep, 0.999, 0.99) == 3.0
    with pytest.raises(ValueError, match="no guidance weights"):
        recipes.choose_guidance({})


def test_a_live_run_trains_then_reloads_and_unconditional_runs_take_no_labels(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    x, y = images(16), np.arange(16) % 10
    model, history = recipes.flow_matching(x, y, 1, "unit_flow", verbose=0)
    assert model.classes == 10 and len(history["loss"]) == 1 and np.isfinite(history["loss"][0])
    again = recipes.flow_matching(x, y, 1, "unit_flow", verbose=0, require_trained=True)
    assert again.history == history
    plain = recipes.flow_matching(x, None, 1, "unit_flow_uncond", verbose=0).model
    assert plain.classes == 0
    with pytest.raises(ValueError, match="one label per image"):
        recipes.flow_matching(x, y[:5], 1, "unit_flow_bad", verbose=0)
    with pytest.raises(ValueError, match=r"class indices in \[0, 9\]"):
        recipes.flow_matching(x, y + 5, 1, "unit_flow_bad", verbose=0)


def test_on_a_cpu_the_lesson_trains_one_epoch_then_uses_the_shipped_weights(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    x, y = images(16), np.arange(16) % 10
    models = recipes.lesson_flow_models(x, y, on_gpu=False, verbose=0)
    assert models.epochs == 1 and not models.reloaded and models.model is not models.live
    assert models.model_seconds == saving.shipped_record(recipes.SHIPPED_FLOW)["train_seconds"]
    assert recipes.lesson_flow_models(x, y, on_gpu=False, verbose=0).reloaded


def test_on_a_gpu_the_lesson_trains_the_shipped_length_and_uses_its_own_run(monkeypatch,
                                                                           eager_training):
    # The GPU branch, run on the CPU at a tiny size (16 digits, one batch per epoch) in default
    # mode, so its length is the shipped run's.
    monkeypatch.delenv("COURSE_FAST", raising=False)
    x, y = images(16), np.arange(16) % 10
    models = recipes.lesson_flow_models(x, y, on_gpu=True, verbose=0)
    epochs = recipes.flow_plan()["shipped_epochs"]
    assert models.epochs == epochs > 1 and len(models.history["loss"]) == epochs
    assert models.model is models.live and models.model_seconds == models.seconds > 0
