"""FeatureMask: entries of tabular features replaced by a constant or by noise.

Like every preprocessing layer it applies its noise in ``ds.map(layer)`` and in a model during
`fit`, and is the identity at inference (see `keras_noise.layers.base`). Its op is
`keras_noise.ops.tabular.feature_mask`.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import tensorflow as tf

from keras_noise._deprecation import renamed_arguments
from keras_noise._validation import check_axes, check_choice, invalid_value
from keras_noise.layers._arguments import (
    check_axes_in_rank,
    check_float_or_vector,
    shared_axes_from_noise_shape,
)
from keras_noise.layers._dtypes import KeepsInputDtype, check_fill_value, check_numeric_input
from keras_noise.layers.pipeline import PipelineNoiseLayer
from keras_noise.ops import random
from keras_noise.ops import tabular as tabular_ops


@keras.saving.register_keras_serializable(package="keras_noise")
class FeatureMask(KeepsInputDtype, PipelineNoiseLayer):
    """Replaces each feature value with probability `rate` (feature masking for tabular data).

    Unlike `keras.layers.Dropout`, kept values are not rescaled, and what replaces a masked
    value is yours to choose:

    * `fill_mode="constant"`: `fill_value`, a float or one value per feature (the last axis),
      e.g. the training means. With standardized features the default 0.0 is the mean, the
      usual stand-in for a missing value.
    * `fill_mode="noise"`: a fresh draw `fill_value + noise_stddev * n` per masked entry, `n`
      standard normal; with per-feature means and standard deviations, a Gaussian fit of each
      feature's distribution. Float inputs only.

    `shared_axes` shares one mask decision along chosen axes, as in `MCDropout` and
    `SaltAndPepper`: for sequences `(batch, time, features)`, `shared_axes=(1,)` masks a feature
    for all the time steps of an example (the noise values themselves are drawn per entry).

    `layer.strength` is `rate`: the probability that an entry is masked (applied at a
    resolution of 1/65536: two 16-bit decisions per 32-bit random draw, for speed).

    Args:
        rate: the probability that an entry is masked, in [0, 1].
        fill_mode: "constant" or "noise" (see above).
        fill_value: a float or a sequence of floats, one per feature (the size of the inputs'
            last axis, checked at build); the constant fill, or the mean of the noise fill. For
            integer inputs, integers in the dtype's range.
        noise_stddev: a float >= 0 or one per feature, the standard deviation of the noise
            fill (None: 1.0). Only with `fill_mode="noise"`.
        shared_axes: input axes along which one mask decision is shared, an int or a sequence
            of ints (negative counts from the end), e.g. `(1,)` for the time axis of
            `(batch, time, features)`. None: one decision per entry.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...) and `key_map` (dict elements: which
            keys hold the features and labels, see `keras_noise.layers.PipelineNoiseLayer`).

    Call arguments:
        inputs: a numeric tensor of rank >= 1, e.g. `(batch, features)`, or a `tf.data`
            element (the features are masked, labels pass through).
        training: see the training rule in `keras_noise.layers.base`.

    Returns:
        The masked inputs, same shape, dtype and structure.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> layer = kn.layers.FeatureMask(rate=0.25, seed=0)
        >>> y = np.asarray(layer(np.ones((200, 50), "float32")))
        >>> abs(float((y == 0).mean()) - 0.25) < 0.02
        True
        >>> means = kn.layers.FeatureMask(rate=1.0, fill_value=[10.0, 20.0, 30.0], seed=0)
        >>> np.asarray(means(np.ones((2, 3), "float32"))).tolist()
        [[10.0, 20.0, 30.0], [10.0, 20.0, 30.0]]

    References:
        Vincent et al., "Extracting and Composing Robust Features with Denoising Autoencoders",
        ICML 2008 (masking noise); Yoon et al., "VIME: Extending the Success of Self- and
        Semi-supervised Learning to Tabular Domain", NeurIPS 2020.
    """

    strength_name = "rate"
    strength_bounds = {"low": 0.0, "high": 1.0}

    @renamed_arguments(noise_shape=("shared_axes", shared_axes_from_noise_shape))
    def __init__(
        self,
        rate: float,
        *,
        fill_mode: str = "constant",
        fill_value: float | Sequence[float] = 0.0,
        noise_stddev: float | Sequence[float] | None = None,
        shared_axes: Sequence[int] | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(rate, seed=seed, **kwargs)
        self.fill_mode = check_choice("fill_mode", fill_mode, ("constant", "noise"))
        self.fill_value = check_float_or_vector("fill_value", fill_value)
        if noise_stddev is not None:
            if fill_mode != "noise":
                raise invalid_value(
                    "noise_stddev", f"None with fill_mode={fill_mode!r}", noise_stddev
                )
            noise_stddev = check_float_or_vector("noise_stddev", noise_stddev, low=0.0)
        self.noise_stddev = noise_stddev
        self.shared_axes = check_axes("shared_axes", shared_axes)

    def build(self, input_shape):
        self._check_shape(input_shape)
        super().build(input_shape)

    def call(self, inputs, training=None):
        self._check_shape(inputs.shape)
        dtype = tf.as_dtype(inputs.dtype)
        check_numeric_input(self.name, inputs)
        if self.fill_mode == "noise" and not dtype.is_floating:
            raise TypeError(
                f"Invalid input dtype for layer '{self.name}': fill_mode='noise' expects a "
                f"float tensor. Received: dtype={dtype.name}"
            )
        for value in _as_tuple(self.fill_value):
            check_fill_value(self.name, "fill_value", value, dtype)
        return super().call(inputs, training=training)

    def _check_shape(self, shape):
        """Raises for rank 0, per-feature vectors of the wrong length, or bad `shared_axes`."""
        shape = tuple(shape)
        if len(shape) < 1:
            raise ValueError(
                f"Invalid input shape for layer '{self.name}': expected rank >= 1, e.g. "
                f"(batch, features). Received: shape={shape}"
            )
        for name in ("fill_value", "noise_stddev"):
            value = getattr(self, name)
            if isinstance(value, tuple) and shape[-1] is not None and len(value) != shape[-1]:
                raise ValueError(
                    f"Invalid value for `{name}` of layer '{self.name}': expected a float or "
                    f"{shape[-1]} values, one per feature on the last axis of inputs of "
                    f"shape={shape}. Received: {name} of length {len(value)}"
                )
        check_axes_in_rank("shared_axes", self.shared_axes, len(shape))

    def apply_noise(self, inputs):
        noise_stddev = None
        if self.fill_mode == "noise":
            noise_stddev = 1.0 if self.noise_stddev is None else self.noise_stddev
        return tabular_ops.feature_mask(
            inputs,
            self.read_strength(self.strength, tf.float32),
            self.seed_generator.next(),
            fill_value=self.fill_value,
            noise_stddev=noise_stddev,
            noise_shape=random.shared_noise_shape(inputs, self.shared_axes),
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "noise_stddev": self.noise_stddev,
            "shared_axes": self.shared_axes,
        }


def _as_tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)
