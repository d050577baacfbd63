"""keras-noise: noise injection as a first-class, fast and correct part of Keras 3.

Noise at the input, the activations, the weights and the gradients, plus masking, mixing, label
smoothing and adversarial examples; strengths are variables that schedules move without
retracing, and trained models export to SavedModels that contain no randomness.

Examples:
    >>> import keras, keras_noise as kn
    >>> layers = [keras.Input((4,)), kn.layers.Jitter(stddev=0.1), keras.layers.Dense(2)]
    >>> model = keras.Sequential(layers)
    >>> model.predict(keras.ops.ones((1, 4)), verbose=0).shape
    (1, 2)
"""

from keras_noise._backend import require_tensorflow_backend

require_tensorflow_backend()

from keras_noise import (  # noqa: E402
    adversarial,
    callbacks,
    data,
    export,
    layers,
    ops,
    optimizers,
    robustness,
    schedules,
    tuning,
    uncertainty,
)
from keras_noise._version import __version__  # noqa: E402

__all__ = [
    "__version__",
    "adversarial",
    "callbacks",
    "data",
    "export",
    "layers",
    "ops",
    "optimizers",
    "robustness",
    "schedules",
    "tuning",
    "uncertainty",
]
