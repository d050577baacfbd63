"""Registry cases for the input-noise layers."""

import noise_levels as nl
from noise_levels import NoiseLevel

import keras_noise as kn
from cases.base import LayerCase

CASES = [
    LayerCase(
        "jitter",
        kn.layers.Jitter,
        {"stddev": 0.2},
        (8, 8, 3),
        level=NoiseLevel(0.1, nl.additive_std, nl.within(0.1)),
    ),
    LayerCase(
        "jitter_uniform",
        kn.layers.Jitter,
        {"stddev": 0.2, "distribution": "uniform", "value_range": (0.0, 1.0)},
        (8, 8, 3),
        # stddev 0.1: the uniform noise (half-width 0.17) is never clipped for x in [0.3, 0.7]
        level=NoiseLevel(0.1, nl.additive_std_inside(0.3, 0.7), nl.within(0.12)),
    ),
    LayerCase(
        "multiplicative_noise",
        kn.layers.MultiplicativeNoise,
        {"stddev": 0.3},
        (8, 8, 3),
        level=NoiseLevel(0.1, nl.relative_std, nl.within(0.12)),
    ),
    LayerCase(
        "salt_and_pepper",
        kn.layers.SaltAndPepper,
        {"rate": 0.2, "shared_axes": (-1,)},
        (8, 8, 3),
        # 64 pixels x 32 examples: 2048 decisions
        level=NoiseLevel(0.4, nl.changed_entries, nl.around(lambda s: s, 0.06)),
    ),
]
