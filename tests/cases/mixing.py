"""Registry cases for the batch-level layers: MixUp, CutMix and LabelSmoothing.

A batch case's inputs are the element ``{"images": x, "labels": y}`` (see `cases.base`).
"""

import noise_levels as nl
import numpy as np
from noise_levels import NoiseLevel

import keras_noise as kn
from cases.base import LayerCase


def sparse_labels(batch: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 3, size=batch).astype("int32")


def uint8_images(shape, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 256, size=shape).astype("uint8")


CASES = [
    LayerCase(
        "mixup",
        kn.layers.MixUp,
        {"alpha": 0.4},
        (8, 6, 3),
        kind="batch",
        level=NoiseLevel(2.0, nl.mixup_spread, nl.around(nl.beta_spread, 0.035), batch=64),
    ),
    LayerCase(
        "mixup_batch_mode_sparse_labels",
        kn.layers.MixUp,
        {"alpha": 1.0, "mode": "batch", "num_classes": 3},
        (5,),
        kind="batch",
        make_labels=sparse_labels,
        # one weight per batch: 60 calls
        level=NoiseLevel(0.2, nl.mixup_spread, nl.around(nl.beta_spread, 0.055), batch=8, calls=60),
    ),
    LayerCase(
        "cutmix",
        kn.layers.CutMix,
        {"alpha": 1.0},
        (12, 16, 3),
        kind="batch",
        zero_strength=None,
        level=NoiseLevel(
            0.3,
            nl.cutmix_spread(channels_first=False),
            nl.around(nl.cutmix_expected_spread(12, 16), 0.035),
            batch=64,
            calls=3,
        ),
    ),
    LayerCase(
        "cutmix_uint8_channels_first",
        kn.layers.CutMix,
        {"alpha": 0.5, "data_format": "channels_first"},
        (1, 10, 7),
        kind="batch",
        zero_strength=None,
        make_inputs=uint8_images,
        level=NoiseLevel(
            2.0,
            nl.cutmix_spread(channels_first=True),
            nl.around(nl.cutmix_expected_spread(10, 7), 0.035),
            batch=64,
            calls=3,
        ),
    ),
    LayerCase(
        "label_smoothing_sparse_labels",
        kn.layers.LabelSmoothing,
        {"smoothing": 0.2, "num_classes": 3},
        (6,),
        kind="batch",
        make_labels=sparse_labels,
        stochastic=False,
        level=NoiseLevel(0.1, nl.smoothed_share, nl.around(lambda e: e * 2 / 3, 1e-6)),
    ),
]
