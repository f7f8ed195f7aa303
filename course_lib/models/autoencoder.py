"""Convolutional encoder/decoder builders (shared by the autoencoder and VAE lessons) and `Autoencoder`."""

import keras
from keras import layers

from ..validation import IMAGE_SHAPE, check_images, check_positive_int


def build_encoder(latent_dim: int, filters=(32, 64), variational: bool = False,
                  name: str = "encoder") -> keras.Model:
    """Strided convolutions (28 → 14 → 7) down to a dense bottleneck of `latent_dim` numbers.

    With `variational=True` the bottleneck has two heads, `z_mean` and `z_log_var`.
    """
    check_positive_int(latent_dim, "latent_dim")
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    x = inputs
    for n_filters in filters:
        x = layers.Conv2D(n_filters, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    if variational:
        z_mean = layers.Dense(latent_dim, name="z_mean")(x)
        z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
        return keras.Model(inputs, [z_mean, z_log_var], name=name)
    return keras.Model(inputs, layers.Dense(latent_dim, name="code")(x), name=name)


def build_decoder(latent_dim: int, filters=(64, 32), output_activation="sigmoid",
                  name: str = "decoder") -> keras.Model:
    """Dense → reshape to 7×7 → `Conv2DTranspose` upsampling (7 → 14 → 28) → one 28×28 channel.

    `output_activation="sigmoid"` gives pixel intensities in [0, 1]; `None` gives logits.
    """
    check_positive_int(latent_dim, "latent_dim")
    inputs = keras.Input((latent_dim,), name="code")
    x = layers.Dense(7 * 7 * filters[0], activation="relu")(inputs)
    x = layers.Reshape((7, 7, filters[0]))(x)
    for n_filters in filters:
        x = layers.Conv2DTranspose(n_filters, 3, strides=2, padding="same", activation="relu")(x)
    outputs = layers.Conv2DTranspose(1, 3, padding="same", activation=output_activation,
                                     name="pixels")(x)
    return keras.Model(inputs, outputs, name=name)


@keras.saving.register_keras_serializable(package="course_lib")
class Autoencoder(keras.Model):
    """x → encoder → code → decoder → x̂, trained with `fit(x, x)` on a pixel loss."""

    def __init__(self, latent_dim: int = 32, filters=(32, 64), **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.filters = tuple(filters)
        self.encoder = build_encoder(latent_dim, self.filters)
        self.decoder = build_decoder(latent_dim, self.filters[::-1])

    def call(self, x, training=False):
        return self.decoder(self.encoder(x, training=training), training=training)

    def encode(self, x, batch_size: int = 512):
        """Codes of shape (n, latent_dim) for images in [0, 1]."""
        return self.encoder.predict(check_images(x), batch_size=batch_size, verbose=0)

    def decode(self, z, batch_size: int = 512):
        """Images of shape (n, 28, 28, 1) for codes of shape (n, latent_dim)."""
        return self.decoder.predict(z, batch_size=batch_size, verbose=0)

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "filters": list(self.filters)}
