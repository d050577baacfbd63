"""Registry cases for the input-noise layers."""

import keras_noise as kn
from cases.base import LayerCase

CASES = [
    LayerCase("jitter", kn.layers.Jitter, {"stddev": 0.2}, (8, 8, 3)),
    LayerCase(
        "jitter_uniform",
        kn.layers.Jitter,
        {"stddev": 0.2, "distribution": "uniform", "value_range": (0.0, 1.0)},
        (8, 8, 3),
    ),
    LayerCase("multiplicative_noise", kn.layers.MultiplicativeNoise, {"stddev": 0.3}, (8, 8, 3)),
    LayerCase(
        "salt_and_pepper",
        kn.layers.SaltAndPepper,
        {"rate": 0.2, "shared_axes": (-1,)},
        (8, 8, 3),
    ),
]
