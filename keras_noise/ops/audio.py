"""The math of AddNoiseSNR and SpeedPerturb: noise clips, noise at an SNR, and resampling.

Every function works on a batch of waveforms at once (axis 0 is the batch), in float32.
"""

from __future__ import annotations

import tensorflow as tf

from keras_noise.ops._shared import stream_normal, stream_uniform, uniform_index

_EPSILON = 1e-12


def noise_from_bank(bank: tf.Tensor, batch, length, seed: tf.Tensor) -> tf.Tensor:
    """Draws one noise segment of `length` samples per example from a bank of noise clips.

    Each example gets a clip chosen uniformly and a random start in it. A clip at least
    `length` long yields a window inside it (start uniform in `[0, clip_length - length]`);
    a shorter clip is looped (start uniform in `[0, clip_length)`, reading wraps around).

    Args:
        bank: a float tensor `(num_clips, clip_length)` or `(num_clips, clip_length, channels)`.
        batch: the number of examples.
        length: the number of samples per segment.
        seed: a seed tensor of shape `(2,)`.

    Returns:
        A tensor `(batch, length)` or `(batch, length, channels)`, in the bank's dtype.

    Examples:
        >>> bank = tf.constant([[1.0, 2.0, 3.0]])
        >>> noise_from_bank(bank, 2, 7, tf.constant([1, 2], tf.int64)).shape
        TensorShape([2, 7])
    """
    bank_shape = tf.shape(bank)
    num_clips, clip_length = bank_shape[0], bank_shape[1]
    batch, length = tf.cast(batch, tf.int32), tf.cast(length, tf.int32)
    draws = stream_uniform(tf.stack([batch, 2]), seed)
    clips = uniform_index(draws[:, 0], num_clips)
    starts = tf.where(clip_length >= length, clip_length - length + 1, clip_length)
    offsets = uniform_index(draws[:, 1], starts)
    positions = (offsets[:, None] + tf.range(length, dtype=tf.int32)[None, :]) % clip_length
    flat = tf.reshape(bank, tf.concat([[num_clips * clip_length], bank_shape[2:]], axis=0))
    return tf.gather(flat, clips[:, None] * clip_length + positions)


def add_noise_at_snr(x: tf.Tensor, snr_db, seed: tf.Tensor, *, noise=None) -> tf.Tensor:
    """Adds noise at a per-example signal-to-noise ratio, in decibels.

    The signal power `mean(x**2)` is computed per example (over all non-batch axes) in float32.
    The noise (white Gaussian, or the given `noise`) is rescaled so that its realized power is
    exactly `power / 10**(snr_db / 10)`; a silent example (power 0) gets no noise, and silent
    noise adds nothing: the output stays finite.

    Args:
        x: a float tensor whose axis 0 is the batch.
        snr_db: the SNR in dB, a scalar or a float tensor of shape `(batch,)`; `inf` adds no
            noise.
        seed: a seed tensor of shape `(2,)` (unused when `noise` is given).
        noise: None for white Gaussian noise, or a tensor broadcastable to `x` (e.g. segments
            from `noise_from_bank`).

    Returns:
        The noisy tensor, same shape and dtype as `x`.

    Examples:
        >>> x = tf.sin(tf.linspace(0.0, 100.0, 8000))[None]
        >>> y = add_noise_at_snr(x, 10.0, tf.constant([1, 2], tf.int64))
        >>> ratio = tf.reduce_mean(x**2) / tf.reduce_mean((y - x) ** 2)
        >>> round(float(10 * tf.math.log(ratio) / tf.math.log(10.0)), 2)
        10.0
    """
    signal = tf.cast(x, tf.float32)
    axes = list(range(1, len(x.shape)))
    power = tf.reduce_mean(tf.square(signal), axis=axes)
    if noise is None:
        noise = stream_normal(tf.shape(signal), seed)
    else:
        noise = tf.broadcast_to(tf.cast(noise, tf.float32), tf.shape(signal))
    noise_power = tf.reduce_mean(tf.square(noise), axis=axes)
    snr_db = tf.broadcast_to(tf.cast(snr_db, tf.float32), tf.shape(power))
    target_power = power * tf.pow(10.0, -snr_db / 10.0)
    scale = tf.sqrt(target_power / (noise_power + _EPSILON))
    scale = tf.reshape(scale, tf.concat([tf.shape(scale), tf.ones([len(axes)], tf.int32)], 0))
    return tf.cast(signal + noise * scale, x.dtype)


def resample_linear(x: tf.Tensor, factors: tf.Tensor) -> tf.Tensor:
    """Plays each example `factors` times faster, by linear interpolation; the length is kept.

    Output step `t` reads the input at the float position `t * factor`, interpolating between
    its two neighbours (a gather on computed positions). A factor above 1 shortens the signal and
    the freed tail is filled with zeros; a factor below 1 stretches it and the end is cropped. A
    factor of exactly 1 returns the input unchanged. There is no anti-aliasing filter.

    Args:
        x: a float tensor `(batch, time)` or `(batch, time, channels...)`.
        factors: a float tensor of shape `(batch,)`, the speed factors, > 0.

    Returns:
        The resampled tensor, same shape and dtype as `x`.

    Examples:
        >>> x = tf.constant([[0.0, 1.0, 2.0, 3.0, 4.0]])
        >>> resample_linear(x, tf.constant([2.0])).numpy().tolist()
        [[0.0, 2.0, 4.0, 0.0, 0.0]]
        >>> resample_linear(x, tf.constant([0.5])).numpy().tolist()
        [[0.0, 0.5, 1.0, 1.5, 2.0]]
    """
    length = tf.shape(x)[1]
    last = length - 1
    steps = tf.range(length, dtype=tf.float32)
    positions = steps[None, :] * tf.cast(factors, tf.float32)[:, None]  # (batch, time)
    floor = tf.floor(positions)
    fraction = positions - floor
    lower = tf.minimum(tf.cast(floor, tf.int32), last)
    upper = tf.minimum(lower + 1, last)
    signal = tf.cast(x, tf.float32)
    low_values = tf.gather(signal, lower, axis=1, batch_dims=1)
    high_values = tf.gather(signal, upper, axis=1, batch_dims=1)
    trailing = [tf.newaxis] * (len(x.shape) - 2)
    fraction = fraction[(Ellipsis, *trailing)]
    values = low_values + fraction * (high_values - low_values)
    inside = (positions <= tf.cast(last, tf.float32))[(Ellipsis, *trailing)]
    return tf.cast(tf.where(inside, values, 0.0), x.dtype)
