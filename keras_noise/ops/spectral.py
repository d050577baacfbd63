"""The math of TimeMask and FrequencyMask: SpecAugment bands along one axis of a spectrogram.

`band_mask` draws the per-example bands; `keras_noise.ops.sequence.mask_along_axis` writes them.
"""

from __future__ import annotations

import tensorflow as tf

from keras_noise.ops._shared import stream_uniform, uniform_index


def band_mask(
    batch,
    length,
    seed: tf.Tensor,
    *,
    max_width: int,
    num_bands: int = 1,
    max_fraction: float = 1.0,
    probability=1.0,
) -> tf.Tensor:
    """Per-example masks of `num_bands` contiguous bands along one axis (SpecAugment masks).

    Each band has a width drawn uniformly from `{0, ..., w}` with
    `w = min(max_width, floor(max_fraction * length))` and a start drawn uniformly among the
    positions where it fits; each band is applied with probability `probability`.

    Args:
        batch: the number of examples.
        length: the length of the masked axis.
        seed: a seed tensor of shape `(2,)`.
        max_width: the largest band width, in steps of the axis (frames or bins).
        num_bands: bands per example.
        max_fraction: the largest band width as a fraction of `length`.
        probability: the probability that each band is applied.

    Returns:
        A boolean tensor of shape `(batch, length)`, True inside a band.

    Examples:
        >>> mask = band_mask(3, 50, tf.constant([1, 2], tf.int64), max_width=10, num_bands=2)
        >>> mask.shape, bool(tf.reduce_all(tf.reduce_sum(tf.cast(mask, tf.int32), 1) <= 20))
        (TensorShape([3, 50]), True)
    """
    length = tf.cast(length, tf.int32)
    draws = stream_uniform(tf.stack([tf.cast(batch, tf.int32), num_bands, 3]), seed)
    cap = tf.cast(tf.floor(max_fraction * tf.cast(length, tf.float32)), tf.int32)
    widest = tf.minimum(tf.constant(max_width, tf.int32), cap)
    widths = uniform_index(draws[..., 0], widest + 1)
    room = length - widths + 1  # the number of valid starts, >= 1
    starts = uniform_index(draws[..., 1], room)
    widths = tf.where(draws[..., 2] < tf.cast(probability, tf.float32), widths, 0)
    positions = tf.range(length, dtype=tf.int32)
    inside = (positions >= starts[..., None]) & (positions < (starts + widths)[..., None])
    return tf.reduce_any(inside, axis=1)
