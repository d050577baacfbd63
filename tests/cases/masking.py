"""Registry cases for the masking, spectral, sequence and audio preprocessing layers.

Shapes are chosen so that 600 parallel-map batches of two examples cannot repeat a mask by chance
(`test_no_repeated_noise_under_parallel_map`): two holes or bands per example, long sequences.
"""

import keras
import noise_levels as nl
import numpy as np

import keras_noise as kn
from cases.base import LayerCase

VOCABULARY = 100
NOISE_BANK = np.random.default_rng(0).uniform(-1, 1, (3, 100)).astype("float32")


def token_ids(shape, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, VOCABULARY, size=shape).astype("int32")


def token_model(layer: keras.layers.Layer, example_shape: tuple) -> keras.Model:
    """Integer ids in; the masked ids cast to float out, so `fit` can regress onto them."""
    inputs = keras.Input(example_shape, dtype="int32")
    return keras.Model(inputs, keras.layers.Rescaling(1.0)(layer(inputs)))


CASES = [
    LayerCase(
        "cutout",
        kn.layers.Cutout,
        {"size_fraction": 0.3, "num_boxes": 2},
        (12, 16, 3),
        level=nl.per_example_rate(),
    ),
    LayerCase(
        "cutout_pixels_channels_first",
        kn.layers.Cutout,
        {"size_pixels": (3, 5), "num_boxes": 2, "fill_value": 0.5, "data_format": "channels_first"},
        (3, 12, 16),
        level=nl.per_example_rate(),
    ),
    LayerCase(
        "cutout_random_erasing_noise",
        kn.layers.Cutout,
        {
            "area_range": (0.02, 0.4),
            "aspect_ratio_range": (0.3, 3.3),
            "num_boxes": 2,
            "fill_mode": "noise",
            "value_range": (0.0, 1.0),
        },
        (12, 16, 3),
        level=nl.per_example_rate(),
    ),
    LayerCase(
        "cutout_mean_fill",
        kn.layers.Cutout,
        {"size_fraction": 0.4, "num_boxes": 2, "fill_mode": "mean"},
        (12, 16, 3),
        level=nl.per_example_rate(),
    ),
    LayerCase(
        "feature_mask",
        kn.layers.FeatureMask,
        {"rate": 0.3},
        (32,),
        level=nl.per_entry_rate(0.5, decisions=64 * 32),
    ),
    LayerCase(
        "feature_mask_noise_shared_over_time",
        kn.layers.FeatureMask,
        {
            "rate": 0.3,
            "fill_mode": "noise",
            "fill_value": tuple(np.linspace(-1.0, 1.0, 32).tolist()),  # e.g. training means
            "noise_stddev": 0.1,
            "shared_axes": (1,),
        },
        (16, 32),
        level=nl.per_entry_rate(0.5, decisions=64 * 32),  # one decision per feature
    ),
    LayerCase(
        "token_mask",
        kn.layers.TokenMask,
        {"rate": 0.3, "vocabulary_size": VOCABULARY, "mask_token_id": 1},
        (32,),
        make_inputs=token_ids,
        make_model=token_model,
        # selected -> mask id (0.8) or a random id (0.1): each changes the id unless it equals it
        level=nl.per_entry_rate(
            0.5, decisions=64 * 32, formula=lambda s: s * (0.8 + 0.1) * (1 - 1 / VOCABULARY)
        ),
    ),
    LayerCase(
        "time_mask",
        kn.layers.TimeMask,
        {"max_width": 16, "num_bands": 2, "batched": True},
        (64, 64),
        level=nl.per_example_rate(formula=nl.bands_applied(16, 2)),
    ),
    LayerCase(
        "frequency_mask",
        kn.layers.FrequencyMask,
        {"max_width": 16, "num_bands": 2, "fill_value": -1.0, "batched": True},
        (64, 64),
        level=nl.per_example_rate(formula=nl.bands_applied(16, 2)),
    ),
    LayerCase(
        "temporal_dropout",
        kn.layers.TemporalDropout,
        {"rate": 0.3},
        (64, 4),
        level=nl.per_entry_rate(0.5, decisions=32 * 64, measure=nl.changed_steps, batch=32),
    ),
    LayerCase(
        "temporal_dropout_forward_fill",
        kn.layers.TemporalDropout,
        {"rate": 0.3, "fill_mode": "forward"},
        (64, 4),
        level=nl.per_entry_rate(0.5, decisions=32 * 64, measure=nl.changed_steps, batch=32),
    ),
    LayerCase(
        "add_noise_snr",
        kn.layers.AddNoiseSNR,
        {"snr_db": (5.0, 20.0), "batched": True},
        (256,),
        level=nl.per_example_rate(),
    ),
    LayerCase(
        "add_noise_snr_noise_bank",
        kn.layers.AddNoiseSNR,
        {"snr_db": (5.0, 20.0), "noise_bank": NOISE_BANK, "batched": True},
        (256,),
        level=nl.per_example_rate(),
    ),
    LayerCase(
        "speed_perturb",
        kn.layers.SpeedPerturb,
        {"factor_range": (0.8, 1.2)},
        (256, 2),
        level=nl.per_example_rate(),
    ),
]
