"""Lesson 08's diffusion models: the pixel U-Net (its settings, live runs and the weights that
ship in `data/weights/`) and the latent diffusion over lesson 05's 16-dimensional VAE."""

from .. import saving
from ..config import by_mode, seed_everything
from ..models.diffusion import Diffusion, LatentDiffusion
from ..training import cosine_adam
from ..validation import check_images
from .runs import LiveAndShipped, Trained, live_then_shipped, train_or_reload

SHIPPED_DIFFUSION = "diffusion_unet"  # data/weights/diffusion_unet.weights.h5 and .json
LATENT_DIFFUSION_RUN = "lesson08_latent_diffusion"


def diffusion_plan() -> dict:
    """Settings of lesson 08's pixel diffusion model, shared by the shipped weights
    (`benchmarks/diffusion.py --ship`), the notebook's live run and its tests, and the sampler
    the closing tables use (`table_sampler`): the one with the lowest mean Fréchet distance in
    `benchmarks/diffusion.py`'s sweep of the shipped weights (DDIM and DDPM at 10-100 steps,
    two seeds): DDPM with 100 steps."""
    return {"widths": (16, 32, 64), "groups": 8, "schedule": "linear", "batch_size": 128,
            "learning_rate": 2e-3, "shipped_epochs": by_mode(8, 1),
            "table_sampler": {"eta": 1.0, "steps": by_mode(100, 10)}}


def sampler_label(sampler: dict) -> str:
    """"DDPM, 100 steps" for a plan's `table_sampler`-style dict."""
    return f"{'DDPM' if sampler['eta'] else 'DDIM'}, {sampler['steps']} steps"


def pixel_unet(plan: dict = None) -> Diffusion:
    """An untrained, uncompiled `Diffusion` U-Net with the plan's settings, built after
    seeding everything with 0 (so always with the same initial weights)."""
    plan = plan or diffusion_plan()
    seed_everything(0)
    return Diffusion(widths=plan["widths"], groups=plan["groups"], schedule=plan["schedule"],
                     seed=0)


def pixel_diffusion(x_train, epochs: int, name: str, verbose=2, callbacks=(),
                    require_trained: bool = False, schedule_epochs: int = None) -> Trained:
    """Lesson 08's U-Net trained on `x_train` for `epochs` (Adam, cosine decay from the plan's
    learning rate over `schedule_epochs`, by default `epochs`) under run `name`, or reloaded.
    A shorter run with the longer schedule repeats the first epochs of the longer run."""
    plan = diffusion_plan()
    x_train = check_images(x_train, "x_train")
    optimizer = cosine_adam(plan["learning_rate"], epochs=schedule_epochs or epochs,
                            n_examples=len(x_train), batch_size=plan["batch_size"])
    return train_or_reload(lambda: pixel_unet(plan), x_train, name=name, epochs=epochs,
                           batch_size=plan["batch_size"], compile_args={"optimizer": optimizer},
                           seed=None, made_by="lesson 08 or benchmarks/diffusion.py", verbose=verbose,
                           callbacks=callbacks, require_trained=require_trained)


def shipped_diffusion_run() -> str:
    """Checkpoint name of the run whose averaged weights ship in `data/weights/`."""
    return f"bench_diffusion_e{diffusion_plan()['shipped_epochs']}"


def shipped_diffusion() -> Diffusion:
    """Lesson 08's U-Net with the shipped averaged weights (checksum verified first)."""
    path = saving.verified_shipped_weights(SHIPPED_DIFFUSION)
    model = pixel_unet()
    model.ema_network.load_weights(path)
    model.network.set_weights(model.ema_network.get_weights())
    return model


def lesson_pixel_models(x_live, on_gpu: bool, verbose=2) -> LiveAndShipped:
    """Lesson 08's live run on `x_live`, trained or reloaded, and the model used after it. On a
    CPU: one epoch (run `lesson08_live_e1`), then the shipped weights. On a GPU: the shipped
    run's full length (`shipped_epochs`), and that run is used instead of the shipped weights."""
    return live_then_shipped(
        lambda epochs, name: pixel_diffusion(x_live, epochs, name, verbose=verbose),
        full_epochs=diffusion_plan()["shipped_epochs"], prefix="lesson08_live", on_gpu=on_gpu,
        shipped=SHIPPED_DIFFUSION, load_shipped=shipped_diffusion)


def latent_diffusion(vae, x_train, verbose=2, require_trained: bool = False) -> Trained:
    """A small MLP diffusion model trained on the posterior means of `vae` for `x_train`
    (standardised per dimension; 40 epochs, fast mode 2), or reloaded. Its model is a
    `LatentDiffusion`: the diffusion model with the VAE that decodes its samples."""
    codes = vae.encode(x_train)[0]
    mean, std = codes.mean(axis=0), codes.std(axis=0)
    epochs, batch_size = by_mode(40, 2), 256
    optimizer = cosine_adam(1e-3, epochs=epochs, n_examples=len(codes), batch_size=batch_size)
    trained = train_or_reload(lambda: Diffusion(widths=(256,), data_shape=codes.shape[1:], seed=0),
                              (codes - mean) / std, name=LATENT_DIFFUSION_RUN, epochs=epochs,
                              batch_size=batch_size, compile_args={"optimizer": optimizer},
                              made_by="lesson 08", verbose=verbose,
                              require_trained=require_trained)
    return Trained(LatentDiffusion(trained.model, vae, mean, std), trained.history)
