"""Registry cases for the in-model noise layers: activation noise, dropout family, weight noise.

Wrappers (`WeightNoise`, `DropConnect`) get a fresh inner layer per `case.layer()` call, so that a
global dtype policy set by a test reaches the inner layer too. Their inference output is the inner
layer's (not the input), hence `inference_is_identity=False`; `tests/test_weight_noise.py` checks
the clean kernel at inference.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import keras
import noise_levels as nl
from noise_levels import NoiseLevel

import keras_noise as kn
from cases.base import LayerCase


@dataclasses.dataclass(frozen=True)
class WrapperCase(LayerCase):
    """A wrapper layer; `make_inner()` builds the wrapped layer afresh for every instance."""

    kind: str = "in_model"
    inference_is_identity: bool = False
    make_inner: Callable[[], keras.layers.Layer] | None = None

    def layer(self, seed: int | None = 0, **overrides) -> keras.layers.Layer:
        return self.layer_cls(self.make_inner(), **{**self.kwargs, **overrides}, seed=seed)


def _seeded(**kwargs) -> dict:
    """A seeded kernel initializer, so two wrappers built with one seed compute the same thing."""
    return {"kernel_initializer": keras.initializers.GlorotUniform(seed=1), **kwargs}


def _odds(rate: float) -> float:
    return rate / (1.0 - rate)


def _square(stddev: float) -> float:
    return stddev**2


CASES = [
    LayerCase(
        "activation_noise",
        kn.layers.ActivationNoise,
        {"stddev": 0.2},
        (8, 6, 3),
        kind="in_model",
        level=NoiseLevel(0.1, nl.additive_std, nl.within(0.1)),
    ),
    LayerCase(
        "activation_noise_multiplicative",
        kn.layers.ActivationNoise,
        {"stddev": 0.3, "mode": "multiplicative"},
        (16,),
        kind="in_model",
        level=NoiseLevel(0.1, nl.relative_std, nl.within(0.12), batch=256),
    ),
    LayerCase(
        "drop_path",
        kn.layers.DropPath,
        {"rate": 0.5},
        (8, 6, 3),
        kind="in_model",
        level=nl.per_entry_rate(0.25, decisions=256, measure=nl.zeroed_examples, batch=256),
    ),
    LayerCase(
        "mc_dropout",
        kn.layers.MCDropout,
        {"rate": 0.3, "shared_axes": (1,)},
        (6, 8, 5),
        kind="in_model",
        # shared over axis 1: 6 x 5 decisions per example
        level=nl.per_entry_rate(0.5, decisions=64 * 30, measure=nl.zeroed_entries),
    ),
    # Inputs of MIN_FUSED_SIZE entries per example: the compiled kernels of `keras_noise.ops._fused`
    # (the cases above are smaller and draw with Philox outside XLA).
    LayerCase(
        "activation_noise_fused",
        kn.layers.ActivationNoise,
        {"stddev": 0.2},
        (16, 16, 16),
        kind="in_model",
        level=NoiseLevel(0.1, nl.additive_std, nl.within(0.05), batch=8),
    ),
    LayerCase(
        "mc_dropout_fused",
        kn.layers.MCDropout,
        {"rate": 0.3},
        (64, 64),
        kind="in_model",
        level=nl.per_entry_rate(0.5, decisions=8 * 4096, measure=nl.zeroed_entries, batch=8),
    ),
    WrapperCase(
        "drop_connect_dense",
        kn.layers.DropConnect,
        {"rate": 0.3},
        (6,),
        make_inner=lambda: keras.layers.Dense(5, **_seeded()),
        # rate 0.5: every entry's squared change is its own square (low-variance estimate)
        level=NoiseLevel(
            0.5, nl.kernel_noise_variance("dropconnect"), nl.relative(_odds, 0.5), calls=20
        ),
    ),
    WrapperCase(
        "drop_connect_depthwise_bias",
        kn.layers.DropConnect,
        {"rate": 0.3, "drop_bias": True},
        (8, 6, 3),
        make_inner=lambda: keras.layers.DepthwiseConv2D(
            3,
            bias_initializer="ones",
            depthwise_initializer=keras.initializers.GlorotUniform(seed=1),
        ),
        # rate 0.5: every entry's squared change is its own square (low-variance estimate)
        level=NoiseLevel(
            0.5, nl.kernel_noise_variance("dropconnect"), nl.relative(_odds, 0.5), calls=20
        ),
    ),
    WrapperCase(
        "weight_noise_conv2d",
        kn.layers.WeightNoise,
        {"stddev": 0.2, "relative_to": "kernel"},
        (8, 6, 3),
        make_inner=lambda: keras.layers.Conv2D(4, 3, padding="same", **_seeded()),
        level=NoiseLevel(
            0.1,
            nl.kernel_noise_variance("relative_to_kernel"),
            nl.relative(_square, 0.5),
            calls=30,
        ),
    ),
    WrapperCase(
        "weight_noise_einsum",
        kn.layers.WeightNoise,
        {"stddev": 0.2, "relative_to": "weight"},
        (5, 6),
        make_inner=lambda: keras.layers.EinsumDense(
            "btf,fo->bto", output_shape=(None, 4), **_seeded()
        ),
        level=NoiseLevel(
            0.1,
            nl.kernel_noise_variance("relative_to_weight"),
            nl.relative(_square, 0.5),
            calls=40,
        ),
    ),
]
