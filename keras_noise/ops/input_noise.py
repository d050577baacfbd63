"""The math of additive, multiplicative and salt-and-pepper input noise, as pure functions.

Each function takes a float tensor, a strength (float or scalar tensor) and a seed tensor of shape
`(2,)` (see `keras_noise.ops.random`), and returns a tensor of the same shape and dtype.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_noise.ops import random

_SQRT_3 = math.sqrt(3.0)


def jitter(x: tf.Tensor, stddev, seed: tf.Tensor, *, distribution: str = "normal") -> tf.Tensor:
    """Additive noise of standard deviation `stddev`: `x + stddev * e`.

    Args:
        x: a float tensor.
        stddev: the standard deviation of the noise, in the units of `x`.
        seed: a seed tensor of shape `(2,)`.
        distribution: "normal" for Gaussian noise, or "uniform" for noise uniform on
            `[-sqrt(3) * stddev, sqrt(3) * stddev]`, which has the same standard deviation.

    Returns:
        The noisy tensor, same shape and dtype as `x`.

    Examples:
        >>> x = tf.zeros((10000,))
        >>> y = jitter(x, 0.5, tf.constant([1, 2], tf.int64))
        >>> abs(float(tf.math.reduce_std(y)) - 0.5) < 0.02
        True
    """
    shape = tf.shape(x)
    if distribution == "normal":
        noise = random.normal(shape, seed, dtype=x.dtype)
    else:
        noise = random.uniform(shape, seed, dtype=x.dtype, minval=-_SQRT_3, maxval=_SQRT_3)
    return x + noise * tf.cast(stddev, x.dtype)


def multiplicative_noise(x: tf.Tensor, stddev, seed: tf.Tensor) -> tf.Tensor:
    """Speckle noise: `x * (1 + stddev * e)` with `e ~ N(0, 1)`; zeros stay zero.

    Args:
        x: a float tensor of any shape.
        stddev: the standard deviation of `e`, a float or scalar tensor >= 0.
        seed: a seed tensor of shape `(2,)`.

    Returns:
        The noisy tensor, same shape and dtype.

    Examples:
        >>> y = multiplicative_noise(tf.ones((10000,)), 0.2, tf.constant([1, 2], tf.int64))
        >>> abs(float(tf.reduce_mean(y)) - 1.0) < 0.01
        True
    """
    noise = random.normal(tf.shape(x), seed, dtype=x.dtype)
    return x * (1.0 + noise * tf.cast(stddev, x.dtype))


def salt_and_pepper(
    x: tf.Tensor,
    rate,
    seed: tf.Tensor,
    *,
    low: float,
    high: float,
    salt_ratio=0.5,
    noise_shape=None,
) -> tf.Tensor:
    """Sets a fraction `rate` of entries to `high` (salt) or `low` (pepper).

    Args:
        x: a float tensor.
        rate: the probability that an entry is hit.
        seed: a seed tensor of shape `(2,)`.
        low: the pepper value.
        high: the salt value.
        salt_ratio: the probability that a hit entry becomes salt rather than pepper.
        noise_shape: the shape of the hit decisions, broadcast to `x` (e.g. `(B, H, W, 1)` hits
            whole pixels across channels); None draws one decision per entry.

    Returns:
        The noisy tensor, same shape and dtype as `x`.

    Examples:
        >>> seed = tf.constant([1, 2], tf.int64)
        >>> y = salt_and_pepper(tf.fill((10000,), 0.5), 0.1, seed, low=0.0, high=1.0)
        >>> abs(float(tf.reduce_mean(tf.cast(y != 0.5, tf.float32))) - 0.1) < 0.02
        True
    """
    shape = tf.shape(x) if noise_shape is None else noise_shape
    draws = random.uniform(shape, seed)
    rate = tf.cast(rate, tf.float32)
    hit = draws < rate
    # A hit entry's draw is uniform on [0, rate): its position in that interval picks salt.
    salt = draws < rate * tf.cast(salt_ratio, tf.float32)
    values = tf.where(salt, tf.cast(high, x.dtype), tf.cast(low, x.dtype))
    return tf.where(hit, values, x)
