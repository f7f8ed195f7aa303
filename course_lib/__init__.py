"""Shared code of the course Generative Deep Learning with Keras.

Importing the package quiets TensorFlow's C++ start-up log (unless the variable is already set),
so import it before TensorFlow.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
