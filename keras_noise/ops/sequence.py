"""The math of TemporalDropout: whole time steps dropped, filled by a constant or forward.

`mask_along_axis` writes a per-example mask along one axis; the SpecAugment bands of
`keras_noise.ops.spectral` use it too.
"""

from __future__ import annotations

import tensorflow as tf

from keras_noise.ops._shared import stream_uniform


def mask_along_axis(
    x: tf.Tensor, mask: tf.Tensor, axis: int, *, fill_value: float = 0.0
) -> tf.Tensor:
    """Writes `fill_value` where a `(batch, length)` mask is True, along `axis` of `x`.

    Args:
        x: a tensor whose axis 0 is the batch and whose `axis` has the mask's length.
        mask: a boolean tensor of shape `(batch, x.shape[axis])`.
        axis: the (non-negative) axis the mask runs along.
        fill_value: the value written, cast to `x.dtype`.

    Returns:
        The masked tensor, same shape and dtype as `x`.

    Examples:
        >>> x = tf.ones((1, 2, 3))
        >>> mask_along_axis(x, tf.constant([[False, True, False]]), 2).numpy().tolist()
        [[[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]]]
    """
    rank = len(x.shape)
    index = tuple(slice(None) if i in (0, axis) else tf.newaxis for i in range(rank))
    return tf.where(mask[index], tf.cast(fill_value, x.dtype), x)


def temporal_dropout(
    x: tf.Tensor, rate, seed: tf.Tensor, *, fill_value: float = 0.0, forward_fill: bool = False
) -> tf.Tensor:
    """Drops whole time steps (axis 1), each with probability `rate`.

    A dropped step is replaced by `fill_value` or, with `forward_fill=True`, by the last kept
    step before it (steps before an example's first kept step get `fill_value`).

    Args:
        x: a tensor `(batch, time, ...)`; all the entries of a step share one decision.
        rate: the probability that a step is dropped.
        seed: a seed tensor of shape `(2,)`.
        fill_value: the value written into dropped steps, cast to `x.dtype`.
        forward_fill: whether dropped steps repeat the last kept step.

    Returns:
        The tensor with dropped steps, same shape and dtype.

    Examples:
        >>> y = temporal_dropout(tf.ones((2, 5, 3)), 1.0, tf.constant([1, 2], tf.int64))
        >>> float(tf.reduce_max(y))
        0.0
    """
    dropped = stream_uniform(tf.shape(x)[:2], seed) < tf.cast(rate, tf.float32)
    if not forward_fill:
        return mask_along_axis(x, dropped, 1, fill_value=fill_value)
    source = last_kept_step(~dropped)
    carried = tf.gather(x, tf.maximum(source, 0), axis=1, batch_dims=1)
    return mask_along_axis(carried, source < 0, 1, fill_value=fill_value)


def last_kept_step(kept: tf.Tensor) -> tf.Tensor:
    """For each step, the index of the last kept step at or before it; -1 if there is none.

    A vectorized cumulative maximum of the kept indices: the running count of kept steps
    splits each row into segments that start at a kept step, and one segment-max gives each
    segment's start. No loop over time or examples.

    Args:
        kept: a boolean tensor `(batch, time)`.

    Returns:
        An int32 tensor `(batch, time)`.

    Examples:
        >>> last_kept_step(tf.constant([[False, True, False, True, False]])).numpy().tolist()
        [[-1, 1, 1, 3, 3]]
    """
    shape = tf.shape(kept)
    batch, length = shape[0], shape[1]
    positions = tf.range(length, dtype=tf.int32)
    count = tf.cumsum(tf.cast(kept, tf.int32), axis=1)  # segment of each step, 0 = before any
    segments = count + (length + 1) * tf.range(batch, dtype=tf.int32)[:, None]
    starts = tf.math.unsorted_segment_max(
        tf.where(kept, positions, -1), segments, num_segments=batch * (length + 1)
    )
    starts = tf.reshape(starts, tf.stack([batch, length + 1]))
    return tf.gather(starts, count, axis=1, batch_dims=1)
