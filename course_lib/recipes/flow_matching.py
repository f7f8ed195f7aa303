"""Lesson 09's flow-matching model: its settings (lesson 08's U-Net, data and optimiser, plus a
class label for classifier-free guidance), its live run and the weights that ship in
`data/weights/`."""

from .. import saving
from ..config import by_mode, seed_everything
from ..models.flow import FlowMatching
from ..training import cosine_adam
from ..validation import check_images, check_labels
from .diffusion import diffusion_plan
from .runs import LiveAndShipped, Trained, live_then_shipped, train_or_reload

SHIPPED_FLOW = "flow_unet"  # data/weights/flow_unet.weights.h5 and .json
SHIPPED_FLOW_UNCOND = "flow_unet_uncond"  # the same U-Net without labels, as long


def flow_plan() -> dict:
    """Settings of lesson 09's model, shared by the shipped weights (`benchmarks/flow_matching.py
    --ship`), the notebook's live run and its tests. Everything lesson 08's `diffusion_plan`
    sets (U-Net widths and groups, batch, Adam with a cosine decay from 2e-3, epochs of the
    shipped run) is taken from it unchanged, so the two lessons' models differ only in what
    they learn; new are the 10 classes and the probability of dropping a label in training, 0.2
    (Ho & Salimans 2022 trained with 0.1 and 0.2; the larger one gives the model's own
    unconditional velocity v_∅, which guidance mixes in, more of the training)."""
    base = diffusion_plan()
    return {**{key: base[key] for key in ("widths", "groups", "batch_size", "learning_rate",
                                          "shipped_epochs")},
            "classes": 10, "label_dropout": 0.2,
            "sampler": {"method": "heun", "steps": by_mode(8, 4)},
            "guidance_weights": by_mode((0.0, 1.0, 1.5, 2.0, 3.0, 5.0), (0.0, 1.0, 1.5)),
            "class_share_target": 0.98, "worst_class_target": 0.95, "guidance": 1.5}


def flow_sampler_label(sampler: dict) -> str:
    """"Heun, 8 steps" for a plan's `sampler`-style dict."""
    return f"{sampler['method'].capitalize()}, {sampler['steps']} steps"


def choose_guidance(sweep: dict, share_target: float = None, worst_target: float = None) -> float:
    """The guidance weight lesson 09 samples with, from a sweep (weight → dict with
    `class_share`, the share of samples read as the requested digit, and
    `min_requested_share`, that share for the worst digit): the smallest weight that reaches
    both targets (the plan's 98 % and 95 % by default), since every step up in w costs
    diversity; when none does, the weight with the best worst digit (the smaller on a tie)."""
    plan = flow_plan()
    share_target = plan["class_share_target"] if share_target is None else share_target
    worst_target = plan["worst_class_target"] if worst_target is None else worst_target
    if not sweep:
        raise ValueError("sweep: got no guidance weights; expected weight → scores")
    reaching = [w for w, r in sweep.items()
                if r["class_share"] >= share_target and r["min_requested_share"] >= worst_target]
    if reaching:
        return float(min(reaching))
    return float(min(sweep, key=lambda w: (-sweep[w]["min_requested_share"], w)))


def flow_unet(plan: dict = None, conditional: bool = True) -> FlowMatching:
    """An untrained, uncompiled `FlowMatching` U-Net with the plan's settings, conditional on
    the plan's classes or (`conditional=False`) without labels, built after seeding everything
    with 0 (so always with the same initial weights)."""
    plan = plan or flow_plan()
    seed_everything(0)
    return FlowMatching(widths=plan["widths"], groups=plan["groups"],
                        classes=plan["classes"] if conditional else 0,
                        label_dropout=plan["label_dropout"], seed=0)


def flow_matching(x_train, y_train, epochs: int, name: str, verbose=2, callbacks=(),
                  require_trained: bool = False) -> Trained:
    """Lesson 09's conditional U-Net trained on `x_train` with labels `y_train` for `epochs`
    (Adam, cosine decay from the plan's learning rate) under run `name`, or reloaded. With
    `y_train=None` the same U-Net without labels (lesson 09's like-for-like rival of lesson
    08's diffusion model)."""
    plan = flow_plan()
    x_train = check_images(x_train, "x_train")
    conditional = y_train is not None
    if conditional:
        y_train = check_labels(y_train, n_classes=plan["classes"], name="y_train")
    if conditional and len(y_train) != len(x_train):
        raise ValueError(f"{len(x_train)} images but {len(y_train)} labels; expected one label "
                         f"per image")
    optimizer = cosine_adam(plan["learning_rate"], epochs=epochs, n_examples=len(x_train),
                            batch_size=plan["batch_size"])
    return train_or_reload(lambda: flow_unet(plan, conditional), x_train, y_train, name=name, epochs=epochs,
                           batch_size=plan["batch_size"], compile_args={"optimizer": optimizer},
                           seed=None, made_by="lesson 09 or benchmarks/flow_matching.py",
                           verbose=verbose, callbacks=callbacks, require_trained=require_trained)


def shipped_flow_run() -> str:
    """Checkpoint name of the run whose averaged weights ship in `data/weights/`."""
    return f"bench_flow_e{flow_plan()['shipped_epochs']}"


def unconditional_flow_run() -> str:
    """Checkpoint name of `benchmarks/flow_matching.py`'s unconditional run, as long as the
    shipped one."""
    return f"bench_flow_uncond_e{flow_plan()['shipped_epochs']}"


def shipped_flow(conditional: bool = True) -> FlowMatching:
    """Lesson 09's U-Net with the shipped averaged weights (checksum verified first): the
    conditional model, or with `conditional=False` the one trained without labels."""
    path = saving.verified_shipped_weights(SHIPPED_FLOW if conditional else SHIPPED_FLOW_UNCOND)
    model = flow_unet(conditional=conditional)
    model.ema_network.load_weights(path)
    model.network.set_weights(model.ema_network.get_weights())
    return model


def lesson_flow_models(x_live, y_live, on_gpu: bool, verbose=2) -> LiveAndShipped:
    """Lesson 09's live run on `x_live`, `y_live`, trained or reloaded, and the model used after
    it: on a CPU one epoch (run `lesson09_live_e1`), then the shipped weights; on a GPU the
    shipped run's full length, used instead of the shipped weights."""
    return live_then_shipped(
        lambda epochs, name: flow_matching(x_live, y_live, epochs, name, verbose=verbose),
        full_epochs=flow_plan()["shipped_epochs"], prefix="lesson09_live", on_gpu=on_gpu,
        shipped=SHIPPED_FLOW, load_shipped=shipped_flow)
