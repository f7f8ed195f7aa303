"""The base of the course's adversarial models: a `keras.Model` with two optimizers, one per
player. `g_optimizer` updates the side that makes images (a generator, CycleGAN's translators),
`d_optimizer` the side that judges them (a discriminator, CycleGAN's critics).

Both default to Adam with learning rate 2e-4 and β1 = 0.5, the DCGAN paper's setting (Radford
et al. 2016), which CycleGAN keeps. A subclass says which weights each optimizer trains in
`optimizer_targets`, in the order the optimizers are created and built: checkpoints store
their variables in that order. A `.keras` file holds both optimizers (`get_compile_config`),
and `build_optimizers` creates their variables so that a saved state can be loaded into them.
"""

import keras


def _default_optimizer():
    return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)


class TwoOptimizerModel(keras.Model):
    """A model trained with `g_optimizer` and `d_optimizer`; subclasses define
    `optimizer_targets` and a `train_step` that applies each optimizer to its own weights."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.g_optimizer = self.d_optimizer = None

    def optimizer_targets(self) -> dict:
        """Optimizer attribute name → the weights it trains, in building (and saving) order."""
        raise NotImplementedError

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """Two optimizers (default: Adam(2e-4, β1 = 0.5) each); `kwargs` go to `keras.Model`."""
        super().compile(**kwargs)
        given = {"g_optimizer": g_optimizer, "d_optimizer": d_optimizer}
        for name in self.optimizer_targets():
            setattr(self, name, keras.optimizers.get(given[name] or _default_optimizer()))

    def build_optimizers(self):
        """Create both optimizers' variables, so a checkpoint restores their state too."""
        if self.g_optimizer is None:
            raise RuntimeError(f"compile the {type(self).__name__} (two optimizers) before "
                               f"training or loading it")
        for name, weights in self.optimizer_targets().items():
            optimizer = getattr(self, name)
            if not optimizer.built:
                optimizer.build(weights)

    def get_compile_config(self):
        if self.g_optimizer is None:
            return None
        return {name: keras.optimizers.serialize(getattr(self, name))
                for name in self.optimizer_targets()}

    def compile_from_config(self, config):
        """Compile with the saved optimizers (and any other saved setting), then build them."""
        self.compile(**{key: keras.optimizers.deserialize(value)
                        if key in ("g_optimizer", "d_optimizer") else value
                        for key, value in config.items()})
        self.build_optimizers()
