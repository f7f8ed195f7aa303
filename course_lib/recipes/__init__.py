"""The lessons' trained models, one module per lesson like `checks/`: each holds its lesson's
settings, checkpoint names and the calls that train a model or reload it when its run has
finished. A notebook and the benchmark that measures it call the same recipe, so they train
the same model into the same checkpoint and whichever runs second reloads.

Every train-or-reload recipe follows `runs.train_or_reload` and returns a `Trained` (model,
history); with `require_trained=True` it raises `NotTrainedError` instead of training
(`lesson_pixel_models` and `lesson_flow_models` return lessons 08's and 09's live runs with
the model used after each). The
loaders of finished models (`reference_classifier`, `dcgan_generator`, `early_cgan`,
`shipped_diffusion`, `shipped_flow`) return the model itself; `digit_judge` returns lesson 01's judge of what
counts as a digit.
Everything is importable from here: `from course_lib import recipes; recipes.lesson_dcgan(...)`.
"""

from .autoencoders import (anomaly_run, denoiser_run, fit_autoencoder, inpainter_run,
                           lesson_anomaly_detector, lesson_autoencoder, lesson_denoiser,
                           lesson_inpainter, autoencoder_plan, sweep_run)
from .classifier import (CNN_FILE, CNN_RUN, DIGIT_DENSITY, DIGIT_JUDGE, digit_judge,
                         reference_classifier, train_cnn_classifier)
from .dcgan import (DCGAN_FILE, DCGAN_RUN, dcgan_generator, dcgan_plan, lesson_dcgan,
                    progress_noise, train_dcgan)
from .diffusion import (LATENT_DIFFUSION_RUN, SHIPPED_DIFFUSION, diffusion_plan,
                        latent_diffusion, lesson_pixel_models, pixel_diffusion, pixel_unet,
                        sampler_label,
                        shipped_diffusion, shipped_diffusion_run)
from .flow_matching import (SHIPPED_FLOW, SHIPPED_FLOW_UNCOND, choose_guidance, flow_matching, flow_plan,
                            flow_sampler_label, flow_unet,
                            lesson_flow_models, shipped_flow, shipped_flow_run,
                            unconditional_flow_run)
from .gan_applications import (CGAN_FILE, CGAN_RUN, CGAN_SNAPSHOT, CLOTHES_RUNS, CYCLE_RUN,
                               CYCLE_VARIANTS, DCGAN_SAME_STEPS_RUN, DETECTOR_RUN, NOCOORD_RUN,
                               NOCYCLE_RUN, PAIRED_RUN, best_epoch, cgan_steps, clothes_cgan,
                               cycle_domains, dcgan_same_steps, detector_data, early_cgan,
                               gan_applications_plan, held_out, lesson_cgan, lesson_cyclegan,
                               lesson_fake_detector, paired_translator, train_fake_detector)
from .runs import (LiveAndShipped, NotTrainedError, Trained, live_then_shipped, require_finished,
                   train_or_reload)
from .vae import (VAE16_EPOCHS, lesson_vae, lesson_vae16, vae16_run, vae_benchmark_run,
                  vae_run)

__all__ = [
    "CGAN_FILE", "CGAN_RUN", "CGAN_SNAPSHOT", "CLOTHES_RUNS", "CNN_FILE", "CNN_RUN", "CYCLE_RUN", "CYCLE_VARIANTS",
    "DCGAN_FILE",
    "DCGAN_RUN", "DCGAN_SAME_STEPS_RUN", "DETECTOR_RUN", "DIGIT_DENSITY", "DIGIT_JUDGE",
    "LATENT_DIFFUSION_RUN", "NOCOORD_RUN", "NOCYCLE_RUN", "PAIRED_RUN", "digit_judge",
    "SHIPPED_DIFFUSION", "SHIPPED_FLOW", "SHIPPED_FLOW_UNCOND", "VAE16_EPOCHS", "LiveAndShipped", "NotTrainedError",
    "Trained", "anomaly_run", "choose_guidance", "flow_matching", "flow_sampler_label", "flow_plan", "flow_unet", "lesson_flow_models",
    "live_then_shipped", "shipped_flow", "shipped_flow_run", "unconditional_flow_run",
    "best_epoch", "cgan_steps", "clothes_cgan", "cycle_domains", "dcgan_generator", "dcgan_plan", "dcgan_same_steps",
    "denoiser_run", "detector_data", "diffusion_plan", "early_cgan", "fit_autoencoder",
    "gan_applications_plan", "held_out", "inpainter_run", "latent_diffusion",
    "lesson_anomaly_detector", "lesson_autoencoder", "lesson_cgan", "lesson_cyclegan",
    "lesson_dcgan", "lesson_denoiser", "lesson_fake_detector", "lesson_inpainter",
    "lesson_pixel_models",
    "paired_translator",
    "autoencoder_plan", "lesson_vae", "lesson_vae16", "pixel_diffusion", "pixel_unet",
    "progress_noise", "reference_classifier", "require_finished", "shipped_diffusion",
    "sampler_label", "shipped_diffusion_run", "sweep_run", "train_cnn_classifier", "train_dcgan",
    "train_fake_detector", "train_or_reload", "vae16_run", "vae_benchmark_run", "vae_run",
]
