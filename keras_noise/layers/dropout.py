"""Dropout-family layers: DropPath (stochastic depth) and MCDropout (Monte-Carlo dropout)."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from keras_noise._validation import check_axes, invalid_value
from keras_noise.layers.base import NoiseLayer
from keras_noise.ops import in_model as in_model_ops
from keras_noise.ops import random

_RATE_BOUNDS = {"low": 0.0, "high": 1.0, "high_inclusive": False}


def _check_batched(layer_name: str, shape) -> None:
    if len(shape) < 1:
        raise ValueError(
            f"Invalid input shape for layer '{layer_name}': expected rank >= 1, for "
            f"(batch, ...). Received: shape={tuple(shape)}"
        )


@keras.saving.register_keras_serializable(package="keras_noise")
class DropPath(NoiseLayer):
    """Stochastic depth: drops a residual branch for whole examples during training.

    Each example's input is zeroed with probability `rate` (one decision per example, shared by
    all its entries) and kept examples are scaled by 1/(1-rate), so the expected output equals the
    input. Put it at the end of a residual branch, before the addition:
    ``x = shortcut + DropPath(0.1)(branch(x))``. `layer.strength` is the rate.

    Naming trap: EfficientNet's ``drop_connect_rate`` is this layer, not `DropConnect` (which drops
    weights).

    Args:
        rate: the probability that an example's branch is dropped, in [0, 1).
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a float tensor of rank >= 1; axis 0 indexes examples.
        training: True to drop; False or None for the identity.

    Returns:
        The inputs with some examples zeroed and the rest rescaled, same shape and dtype.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> layer = kn.layers.DropPath(rate=0.5, seed=0)
        >>> y = np.asarray(layer(np.ones((6, 2, 2), "float32"), training=True))
        >>> sorted(set(y.reshape(6, -1).std(axis=1).tolist()))  # whole examples kept or dropped
        [0.0]

    References:
        Huang et al., "Deep networks with stochastic depth", ECCV 2016. Larsson et al.,
        "FractalNet: ultra-deep neural networks without residuals", ICLR 2017 (drop-path).
    """

    strength_name = "rate"
    strength_bounds = _RATE_BOUNDS
    mc_sampling = True

    def __init__(self, rate: float, *, seed: int | None = None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)

    def build(self, input_shape):
        _check_batched(self.name, input_shape)
        super().build(input_shape)

    def apply_noise(self, inputs):
        seed = self.seed_generator.next()
        return in_model_ops.drop_path(inputs, self.read_strength(self.strength, "float32"), seed)


@keras.saving.register_keras_serializable(package="keras_noise")
class MCDropout(NoiseLayer):
    """Dropout that also samples in Monte-Carlo prediction, with BatchNorm left in inference.

    During training it is inverted dropout (entries zeroed with probability `rate`, the rest
    scaled by 1/(1-rate)). It is the identity in `predict`, `evaluate` and exports, and it keeps
    sampling inside `keras_noise.uncertainty.predict_mc` / `sampling_mode`, where every other layer
    runs in inference mode. Compared with `keras.layers.Dropout` its rate is a variable
    (`layer.strength`, schedulable without retracing), it is cheap under `jit_compile=True`, and
    on large activations it runs as one compiled kernel each way even without it (masks from
    `keras_noise.ops.counter_hash`, recomputed for the gradient; see `kn.ops.dropout`).

    Args:
        rate: the drop probability, in [0, 1).
        shared_axes: input axes along which one keep/drop decision is shared, e.g. `(1, 2)` for
            an image batch `(B, H, W, C)` drops whole feature maps (spatial dropout). Axis 0 (the
            batch) cannot be shared. None: one decision per entry.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a float tensor of rank >= 1.
        training: True to drop; False or None for the identity (except in sampling mode).

    Returns:
        The inputs with dropped entries, same shape and dtype.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> layer = kn.layers.MCDropout(rate=0.5, seed=0)
        >>> x = np.ones((2, 4), "float32")
        >>> bool(np.all(layer(x) == x))
        True
        >>> sorted(set(np.asarray(layer(x, training=True)).ravel().tolist()))
        [0.0, 2.0]

    References:
        Gal and Ghahramani, "Dropout as a Bayesian approximation: representing model uncertainty
        in deep learning", ICML 2016.
    """

    strength_name = "rate"
    strength_bounds = _RATE_BOUNDS
    mc_sampling = True

    def __init__(
        self,
        rate: float,
        *,
        shared_axes: Sequence[int] | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(rate, seed=seed, **kwargs)
        self.shared_axes = _check_shared_axes(shared_axes)

    def build(self, input_shape):
        _check_batched(self.name, input_shape)
        rank = len(input_shape)
        for axis in self.shared_axes or ():
            if not -rank <= axis < rank or axis % rank == 0:
                raise invalid_value(
                    "shared_axes",
                    f"non-batch axes (1 to {rank - 1}, or negative) of an input of rank {rank}",
                    self.shared_axes,
                )
        super().build(input_shape)

    def apply_noise(self, inputs):
        seed = self.seed_generator.next()
        noise_shape = random.shared_noise_shape(inputs, self.shared_axes)
        rate = self.read_strength(self.strength, "float32")
        return in_model_ops.dropout(inputs, rate, seed, noise_shape=noise_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "shared_axes": self.shared_axes}


def _check_shared_axes(axes) -> tuple[int, ...] | None:
    axes = check_axes("shared_axes", axes)
    if axes is not None and 0 in axes:
        raise invalid_value("shared_axes", "axes other than the batch axis 0", axes)
    return axes
