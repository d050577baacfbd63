"""Building blocks shared by several op modules (private: the public ops are in `keras_noise.ops`).

Draws from one of a call's seed streams (`stream=k` draws from an independent stream of the
call's seed, `keras_noise.ops.random.stream_seed`: several draws from one seed without the ops of
`split_seed`), a 16-bit Bernoulli for large masks, uniform indices from uniform draws, and
per-example broadcasting of batch weights.
"""

from __future__ import annotations

import tensorflow as tf

from keras_noise.ops import random


def stream_uniform(shape, seed: tf.Tensor, *, stream: int = 0, minval=0.0, maxval=1.0) -> tf.Tensor:
    """Float32 Philox draws uniform in `[minval, maxval)`."""
    return random.uniform(shape, random.stream_seed(seed, stream), minval=minval, maxval=maxval)


def stream_uniform_int(shape, seed: tf.Tensor, maxval: int, *, stream: int = 0) -> tf.Tensor:
    """Int32 Philox draws uniform in `[0, maxval)`, unbiased."""
    return random.uniform(
        shape, random.stream_seed(seed, stream), dtype=tf.int32, minval=0, maxval=maxval
    )


def stream_normal(shape, seed: tf.Tensor, *, stream: int = 0) -> tf.Tensor:
    """Float32 standard normal draws: `keras_noise.ops.random.normal` on the stream's seed."""
    return random.normal(shape, random.stream_seed(seed, stream))


def uniform_index(draws, size):
    """Maps float32 draws in [0, 1) to integers uniform in [0, size)."""
    index = tf.cast(tf.floor(draws * tf.cast(size, tf.float32)), tf.int32)
    return tf.minimum(index, size - 1)  # guards float rounding up to `size`


def per_example(weights: tf.Tensor, rank: int) -> tf.Tensor:
    """Reshapes `(batch,)` weights to broadcast against a tensor of `rank` (batch first)."""
    return tf.reshape(weights, [-1] + [1] * (rank - 1))


def bernoulli_16bit(shape, probability, seed: tf.Tensor, *, stream: int = 0) -> tf.Tensor:
    """Boolean draws, True with `probability` rounded to a multiple of 1/65536.

    Each 32-bit Philox draw is split into two 16-bit uniform integers `u`, and a draw is True
    when `u < round(probability * 65536)`: half the random numbers of a float draw and no
    conversion to float, for masks with one decision per entry of a large tensor. The rounding
    moves the probability by at most 2**-17 (0.0000076); 0 and 1 stay exact.

    Args:
        shape: the shape of the result (a list or an int32 tensor).
        probability: a scalar float or float32 tensor in [0, 1].
        seed: a seed tensor of shape `(2,)`.
        stream: which of the seed's independent streams to draw from.

    Returns:
        A boolean tensor of `shape`.

    Examples:
        >>> draws = bernoulli_16bit((400, 500), 0.25, tf.constant([1, 2], tf.int64))
        >>> abs(float(tf.reduce_mean(tf.cast(draws, tf.float32))) - 0.25) < 0.005
        True
    """
    shape = tf.cast(shape, tf.int32)
    size = tf.reduce_prod(shape)
    words = random.uniform_bits(tf.reshape((size + 1) // 2, [1]), random.stream_seed(seed, stream))
    halves = tf.reshape(tf.bitcast(words, tf.uint16), [-1])[:size]
    threshold = tf.cast(tf.round(tf.cast(probability, tf.float32) * 65536.0), tf.int32)
    return tf.reshape(tf.cast(halves, tf.int32) < threshold, shape)
