"""In-model noise math: dropout masks, stochastic depth, DropConnect, weight and activation noise.

Each function takes a tensor, a strength (a float or a scalar tensor, so a variable read in a traced
graph works) and a seed tensor of shape `(2,)` (see `keras_noise.ops.random`), and returns a tensor
of the same shape and dtype. Random draws and mask arithmetic run in float32 and the result is cast
once to the input's dtype, so float16 and bfloat16 inputs get the same masks and noise as float32
ones (and `arange`-like values are never formed in half precision).

`dropout` (and so `drop_path` and `drop_connect`) and `activation_noise` go through
`keras_noise.ops._fused`: on activations of 4,096 entries per example or more they run as one
compiled XLA kernel each way, even in a model that is not compiled, with the noise drawn by
`keras_noise.ops.counter_hash` and recomputed from the seed for the gradient. Their strength is not
differentiated.
"""

from __future__ import annotations

import tensorflow as tf

from keras_noise.ops import _fused, random


def _keep_scale(rate) -> tf.Tensor:
    """`1 / (1 - rate)` as float32, the factor that keeps the expected value unchanged."""
    return 1.0 / (1.0 - tf.cast(rate, tf.float32))


def _dropout_scale(source, shape, rate, seed):
    """Dropout's multiplier: 0 with probability `rate`, else `1 / (1 - rate)`."""
    keep = source.uniform(shape, seed) >= rate
    return tf.cast(keep, tf.float32) * _keep_scale(rate)


def _gaussian(source, shape, stddev, seed):
    return source.normal(shape, seed) * stddev


def _gaussian_factor(source, shape, stddev, seed):
    return 1.0 + source.normal(shape, seed) * stddev


def dropout(x: tf.Tensor, rate, seed: tf.Tensor, *, noise_shape=None) -> tf.Tensor:
    """Inverted dropout: zeroes entries with probability `rate` and scales the rest by 1/(1-rate).

    Args:
        x: a float tensor.
        rate: the drop probability, in [0, 1).
        seed: a seed tensor of shape `(2,)`.
        noise_shape: the shape of the keep/drop decisions, broadcast to `x` (e.g. `(B, 1, 1, C)`
            drops whole feature maps); None draws one decision per entry.

    Returns:
        The tensor with dropped entries, same shape and dtype as `x`; its expected value is `x`.

    Examples:
        >>> y = dropout(tf.ones((10000,)), 0.25, tf.constant([1, 2], tf.int64))
        >>> abs(float(tf.reduce_mean(tf.cast(y == 0.0, tf.float32))) - 0.25) < 0.03
        True
        >>> sorted({round(v, 4) for v in y.numpy().tolist()})
        [0.0, 1.3333]
    """
    return _fused.multiply(x, _dropout_scale, rate, seed, noise_shape)


def drop_path(x: tf.Tensor, rate, seed: tf.Tensor) -> tf.Tensor:
    """Stochastic depth: drops whole examples (axis 0) with probability `rate`, scales the rest.

    Applied to a residual branch, ``shortcut + drop_path(branch, ...)`` skips the branch for the
    dropped examples, which is what "drop path" and EfficientNet's ``drop_connect_rate`` mean.

    Args:
        x: a float tensor of rank >= 1 whose axis 0 indexes examples.
        rate: the probability that an example's branch is dropped, in [0, 1).
        seed: a seed tensor of shape `(2,)`.

    Returns:
        The tensor with some examples zeroed and the others scaled by 1/(1-rate).

    Examples:
        >>> y = drop_path(tf.ones((1000, 3, 2)), 0.5, tf.constant([3, 4], tf.int64))
        >>> per_example = tf.reshape(y, (1000, -1))
        >>> bool(tf.reduce_all(tf.reduce_min(per_example, 1) == tf.reduce_max(per_example, 1)))
        True
    """
    rank = len(x.shape)
    noise_shape = tf.concat([tf.shape(x)[:1], tf.ones([rank - 1], tf.int32)], axis=0)
    return dropout(x, rate, seed, noise_shape=noise_shape)


def drop_connect(kernel: tf.Tensor, rate, seed: tf.Tensor) -> tf.Tensor:
    """DropConnect on a weight tensor: each entry is dropped with probability `rate`, rest scaled.

    One mask for the whole tensor; a layer that uses the returned kernel for a batch shares the
    mask across the batch's examples.

    Args:
        kernel: a float weight tensor of any shape.
        rate: the probability that an entry is dropped, in [0, 1).
        seed: a seed tensor of shape `(2,)`.

    Returns:
        `kernel * mask / (1 - rate)`, same shape and dtype.

    Examples:
        >>> k = drop_connect(tf.ones((100, 100)), 0.1, tf.constant([5, 6], tf.int64))
        >>> abs(float(tf.reduce_mean(k)) - 1.0) < 0.05
        True
    """
    return dropout(kernel, rate, seed)


def weight_noise(kernel: tf.Tensor, stddev, seed: tf.Tensor, *, relative_to=None) -> tf.Tensor:
    """Zero-mean Gaussian noise on a weight tensor.

    Args:
        kernel: a float tensor (a layer's kernel).
        stddev: the noise's standard deviation, >= 0; its unit depends on `relative_to`.
        seed: a seed tensor of shape `(2,)`.
        relative_to: None for `kernel + stddev * e` (stddev in the kernel's units); "kernel" for
            `kernel + stddev * rms(kernel) * e` (one scale for the whole tensor, so the same
            `stddev` means the same signal-to-noise ratio in every layer; the scale is not
            differentiated); "weight" for `kernel * (1 + stddev * e)` (each weight's noise in
            proportion to its magnitude, multiplicative Gaussian noise). `e ~ N(0, 1)` per entry.

    Returns:
        The noisy kernel, same shape and dtype.

    Examples:
        >>> seed = tf.constant([7, 8], tf.int64)
        >>> noisy = weight_noise(tf.zeros((200, 200)), 0.1, seed)
        >>> abs(float(tf.math.reduce_std(noisy)) - 0.1) < 0.005
        True
        >>> noisy = weight_noise(tf.zeros((3,)), 0.1, seed, relative_to="weight")
        >>> float(tf.reduce_max(tf.abs(noisy)))
        0.0
    """
    noise = random.normal(tf.shape(kernel), seed) * tf.cast(stddev, tf.float32)
    value = tf.cast(kernel, tf.float32)
    if relative_to is None:
        noisy = value + noise
    elif relative_to == "kernel":
        noisy = value + tf.stop_gradient(tf.sqrt(tf.reduce_mean(tf.square(value)))) * noise
    elif relative_to == "weight":
        noisy = value * (1.0 + noise)
    else:
        raise ValueError(
            "Invalid value for `relative_to`: expected None, 'kernel' or 'weight'. "
            f"Received: relative_to={relative_to!r}"
        )
    return tf.cast(noisy, kernel.dtype)


def activation_noise(x: tf.Tensor, stddev, seed: tf.Tensor, *, mode: str = "additive") -> tf.Tensor:
    """Gaussian noise on activations, additive (`x + stddev * e`) or multiplicative.

    Args:
        x: a float tensor.
        stddev: the standard deviation of `e ~ N(0, 1) * stddev`, >= 0.
        seed: a seed tensor of shape `(2,)`.
        mode: "additive" for `x + stddev * e` (stddev in the activations' units) or
            "multiplicative" for `x * (1 + stddev * e)` (Gaussian dropout; with
            `stddev = sqrt(rate / (1 - rate))` it matches dropout's mean and variance).

    Returns:
        The noisy activations, same shape and dtype as `x`. The noise is drawn in float32 and cast
        once to `x.dtype`.

    Examples:
        >>> y = activation_noise(tf.ones((10000,)), 0.5, tf.constant([1, 2], tf.int64))
        >>> abs(float(tf.math.reduce_std(y)) - 0.5) < 0.02
        True
    """
    if mode == "additive":
        return _fused.add(x, _gaussian, stddev, seed)
    if mode == "multiplicative":
        return _fused.multiply(x, _gaussian_factor, stddev, seed)
    raise ValueError(
        "Invalid value for `mode`: expected 'additive' or 'multiplicative'. "
        f"Received: mode={mode!r}"
    )
