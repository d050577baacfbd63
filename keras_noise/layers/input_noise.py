"""Input-noise preprocessing layers: Jitter, SaltAndPepper and MultiplicativeNoise.

They work as the first layers of a model and, unlike `keras.layers.GaussianNoise`, in `tf.data`
pipelines: ``ds.map(Jitter(stddev=0.1))`` adds noise (see `keras_noise.layers.base` for the rule).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import tensorflow as tf

from keras_noise._validation import check_axes, check_choice, check_float
from keras_noise.layers._arguments import check_axes_in_rank
from keras_noise.layers.base import ValueRangeMixin
from keras_noise.layers.pipeline import PipelineNoiseLayer
from keras_noise.ops import input_noise, random


@keras.saving.register_keras_serializable(package="keras_noise")
class Jitter(ValueRangeMixin, PipelineNoiseLayer):
    """Adds zero-mean noise of standard deviation `stddev` to the inputs.

    `layer.strength` is the standard deviation, in the units of the inputs.

    Args:
        stddev: the standard deviation of the noise, >= 0.
        distribution: "normal" (Gaussian) or "uniform" (uniform on
            `[-sqrt(3) * stddev, sqrt(3) * stddev]`, the same standard deviation).
        value_range: optional `(low, high)`; outputs are clipped to it. Required for integer
            inputs, which are rounded, clipped and returned in their dtype.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...) and `key_map` (dict elements: which
            keys hold the features and labels, see `keras_noise.layers.PipelineNoiseLayer`).

    Call arguments:
        inputs: a float or integer tensor of any shape, or a `tf.data` element `(x, y)`,
            `(x, y, sample_weight)` or dict (noise goes to the features only).
        training: see the training rule in `keras_noise.layers.base`.

    Returns:
        The inputs with noise added, same shape, dtype and structure.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> layer = kn.layers.Jitter(stddev=0.1, seed=1)
        >>> x = np.zeros((2, 3), "float32")
        >>> bool(np.all(layer(x, training=False) == x))
        True
        >>> bool(np.any(layer(x, training=True) != x))
        True

    References:
        Bishop, "Training with noise is equivalent to Tikhonov regularization", 1995.
    """

    strength_name = "stddev"

    def __init__(
        self,
        stddev: float,
        *,
        distribution: str = "normal",
        value_range: Sequence[float] | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(stddev, seed=seed, **kwargs)
        self.distribution = check_choice("distribution", distribution, ("normal", "uniform"))
        self.value_range = self.validate_value_range(value_range)

    def apply_noise(self, inputs):
        seed = self.seed_generator.next()

        def noise_fn(x):
            stddev = self.read_strength(self.strength, x.dtype)
            return input_noise.jitter(x, stddev, seed, distribution=self.distribution)

        return self.apply_in_value_range(inputs, noise_fn, self.value_range)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "distribution": self.distribution,
            "value_range": self.value_range,
        }


@keras.saving.register_keras_serializable(package="keras_noise")
class MultiplicativeNoise(ValueRangeMixin, PipelineNoiseLayer):
    """Speckle noise: multiplies the inputs by `1 + e`, `e ~ N(0, stddev^2)`.

    `layer.strength` is the standard deviation of the relative noise `e`.

    Args:
        stddev: the standard deviation of the multiplicative factor around 1, >= 0.
        value_range: optional `(low, high)`; outputs are clipped to it. Required for integer
            inputs, which are rounded, clipped and returned in their dtype.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...) and `key_map` (dict elements: which
            keys hold the features and labels, see `keras_noise.layers.PipelineNoiseLayer`).

    Call arguments:
        inputs: a float or integer tensor of any shape, or a `tf.data` element.
        training: see the training rule in `keras_noise.layers.base`.

    Returns:
        The noisy inputs, same shape, dtype and structure.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> layer = kn.layers.MultiplicativeNoise(stddev=0.2, seed=3)
        >>> y = layer(np.zeros((4, 4), "float32"), training=True)
        >>> float(np.abs(y).max())  # zeros stay zeros
        0.0
    """

    strength_name = "stddev"

    def __init__(
        self,
        stddev: float,
        *,
        value_range: Sequence[float] | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(stddev, seed=seed, **kwargs)
        self.value_range = self.validate_value_range(value_range)

    def apply_noise(self, inputs):
        seed = self.seed_generator.next()

        def noise_fn(x):
            stddev = self.read_strength(self.strength, x.dtype)
            return input_noise.multiplicative_noise(x, stddev, seed)

        return self.apply_in_value_range(inputs, noise_fn, self.value_range)

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range}


@keras.saving.register_keras_serializable(package="keras_noise")
class SaltAndPepper(ValueRangeMixin, PipelineNoiseLayer):
    """Sets a fraction `rate` of entries to the high (salt) or low (pepper) end of a value range.

    `layer.strength` is the rate, the probability that an entry (or a pixel, with
    `shared_axes=(-1,)`) is hit.

    Args:
        rate: the probability that an entry is hit, in [0, 1].
        value_range: the `(low, high)` range of the data; pepper is `low`, salt is `high`. None
            means (0, 1) for float inputs; integer inputs need an explicit range.
        salt_ratio: the probability that a hit entry becomes salt rather than pepper, in [0, 1].
        shared_axes: input axes along which one decision is shared, e.g. `(-1,)` to hit whole
            RGB pixels (all channels) rather than single channel values. None: per entry.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...) and `key_map` (dict elements: which
            keys hold the features and labels, see `keras_noise.layers.PipelineNoiseLayer`).

    Call arguments:
        inputs: a float or integer tensor, or a `tf.data` element.
        training: see the training rule in `keras_noise.layers.base`.

    Returns:
        The noisy inputs, same shape, dtype and structure.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> layer = kn.layers.SaltAndPepper(rate=0.5, value_range=(0, 255), seed=0)
        >>> y = np.asarray(layer(np.full((1000,), 128, "uint8"), training=True))
        >>> y.dtype.name, sorted(set(y.tolist()))
        ('uint8', [0, 128, 255])
    """

    strength_name = "rate"
    strength_bounds = {"low": 0.0, "high": 1.0}

    def __init__(
        self,
        rate: float,
        *,
        value_range: Sequence[float] | None = None,
        salt_ratio: float = 0.5,
        shared_axes: Sequence[int] | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(rate, seed=seed, **kwargs)
        self.value_range = self.validate_value_range(value_range)
        self.salt_ratio = check_float("salt_ratio", salt_ratio, low=0.0, high=1.0)
        self.shared_axes = check_axes("shared_axes", shared_axes)

    def build(self, input_shape):
        check_axes_in_rank("shared_axes", self.shared_axes, len(input_shape))
        super().build(input_shape)

    def apply_noise(self, inputs):
        seed = self.seed_generator.next()
        low, high = self.value_range or (0.0, 1.0)
        noise_shape = random.shared_noise_shape(inputs, self.shared_axes)

        def noise_fn(x):
            rate = self.read_strength(self.strength, tf.float32)
            return input_noise.salt_and_pepper(
                x,
                rate,
                seed,
                low=low,
                high=high,
                salt_ratio=self.salt_ratio,
                noise_shape=noise_shape,
            )

        return self.apply_in_value_range(inputs, noise_fn, self.value_range)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "salt_ratio": self.salt_ratio,
            "shared_axes": self.shared_axes,
        }
