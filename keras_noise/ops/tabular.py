"""The math of FeatureMask: entries of tabular features replaced by a constant or by noise."""

from __future__ import annotations

import tensorflow as tf

from keras_noise.ops._shared import bernoulli_16bit, stream_normal


def feature_mask(
    x: tf.Tensor,
    rate,
    seed: tf.Tensor,
    *,
    fill_value=0.0,
    noise_stddev=None,
    noise_shape=None,
) -> tf.Tensor:
    """Replaces entries of `x` with probability `rate`, by a constant or by noise.

    The mask comes from `bernoulli_16bit` (`rate` at a resolution of 1/65536).

    Args:
        x: a tensor of any shape and numeric dtype (noise fill: float).
        rate: the probability that an entry is masked.
        seed: a seed tensor of shape `(2,)`.
        fill_value: the value written into masked entries: a scalar or anything broadcastable
            to `x`, e.g. one value per feature on the last axis; cast to `x.dtype`.
        noise_stddev: None for a constant fill; else masked entries get
            `fill_value + noise_stddev * n` with `n` standard normal, drawn per entry
            (`noise_stddev` a scalar or broadcastable to `x`, like `fill_value`).
        noise_shape: the shape of the mask, broadcastable to `x` (a 1 shares one draw along
            that axis), or None for one draw per entry.

    Returns:
        The masked tensor, same shape and dtype.

    Examples:
        >>> y = feature_mask(tf.ones((100, 100)), 0.3, tf.constant([1, 2], tf.int64))
        >>> abs(float(tf.reduce_mean(tf.cast(y == 0.0, tf.float32))) - 0.3) < 0.03
        True
        >>> y = feature_mask(tf.ones((4, 3)), 1.0, tf.constant([1, 2], tf.int64),
        ...                  fill_value=tf.constant([5.0, 6.0, 7.0]))
        >>> y.numpy()[0].tolist()
        [5.0, 6.0, 7.0]
    """
    mask_shape = tf.shape(x) if noise_shape is None else noise_shape
    if noise_stddev is None:
        masked = bernoulli_16bit(mask_shape, rate, seed)
        return tf.where(masked, tf.cast(fill_value, x.dtype), x)
    masked = bernoulli_16bit(mask_shape, rate, seed)
    noise = stream_normal(tf.shape(x), seed, stream=1) * tf.cast(noise_stddev, tf.float32)
    fill = tf.cast(noise + tf.cast(fill_value, tf.float32), x.dtype)
    return tf.where(masked, fill, x)
