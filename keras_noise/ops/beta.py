"""Beta(alpha, alpha) draws that compile under XLA: the mixing weights of MixUp and CutMix.

`symmetric_beta` draws `X / (X + Y)` with `X, Y ~ Gamma(alpha)`. Outside XLA the Gamma variates
come from TensorFlow's Gamma kernel; under XLA, which has no Gamma kernel, from a vectorized
Marsaglia-Tsang rejection method. `beta_from_uniforms` is the same draw from uniforms the caller
drew itself (`UNIFORMS_PER_BETA` per variate), so that `keras_noise.ops.mixing` can draw all the
random numbers of a batch step in one Philox call.

Draws are stateless functions of the seed: the same seed gives the same result in eager calls,
graphs and `tf.data` maps. Inside an XLA-compiled function TensorFlow's random ops produce a
different (equally valid, equally reproducible) stream.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_noise._keras_compat import in_xla_context
from keras_noise.ops import random

# Marsaglia-Tsang candidates drawn per variate in one vectorized round; each is accepted with
# probability > 0.95 (the shape parameter here is >= 1), so a second round is rarely needed.
_CANDIDATES = 4
# Uniforms per Beta variate: its two Gamma variates each take a boost uniform and a round of
# candidates (two uniforms for a Box-Muller normal and one for the acceptance test each).
UNIFORMS_PER_BETA = 2 * (1 + 3 * _CANDIDATES)
# Smaller concentrations are raised to this one: Beta(alpha, alpha) draws are then 0 or 1 up to
# float32 precision, the alpha -> 0 limit, and a strength variable assigned 0 stays well defined.
MIN_ALPHA = 1e-6
# Extra rejection rounds draw with the seed's counter moved by multiples of this: far from the
# counters of later calls (a seed generator moves the counter by 1 per call).
_ROUND_OFFSET = 2**40


def _round_seed(seed: tf.Tensor, round_index) -> tf.Tensor:
    """The seed of an extra rejection round (Philox hashes a seed: nearby seeds are unrelated)."""
    offset = tf.cast(round_index, tf.int64) * _ROUND_OFFSET
    return seed + tf.stack([tf.constant(0, tf.int64), offset])


def _candidates(u: tf.Tensor, d: tf.Tensor, c: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """One Marsaglia-Tsang round from uniforms `u` of shape `(3, _CANDIDATES, *shape)`.

    Returns whether each variate accepted a candidate, and the log of the first accepted one.
    """
    # 1 - u is uniform on (0, 1]: its log is never -inf.
    z = tf.sqrt(-2.0 * tf.math.log1p(-u[0])) * tf.cos((2.0 * math.pi) * u[1])  # Box-Muller
    t = 1.0 + c * z
    v = t * t * t
    log_v = tf.math.log(tf.maximum(v, 1e-30))
    accepted = (v > 0.0) & (tf.math.log1p(-u[2]) < 0.5 * z * z + d - d * v + d * log_v)
    first = accepted & (tf.cumsum(tf.cast(accepted, tf.int32), axis=0) == 1)
    return tf.reduce_any(accepted, axis=0), tf.reduce_sum(tf.where(first, log_v, 0.0), axis=0)


def _log_gamma_rejection(uniforms: tf.Tensor, alpha: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """The log of Gamma(alpha, 1) draws, exact in distribution, with ops that XLA compiles.

    Gamma(alpha + 1) comes from Marsaglia and Tsang's rejection method (2000), run as vectorized
    rounds of `_CANDIDATES` candidates until every variate has accepted one (the first accepted
    candidate, as in the sequential method): the first round from `uniforms`, the rare further
    rounds in a `tf.while_loop` with their own draws. Then `Gamma(alpha) = Gamma(alpha + 1) *
    U ** (1 / alpha)` (their boost), taken in log space so that tiny alphas underflow nothing.

    Args:
        uniforms: uniforms on [0, 1) of shape `(1 + 3 * _CANDIDATES, *shape)`: the boost's, then
            the first round's.
        alpha: the shape parameter, a float32 scalar > 0.
        seed: the seed the further rounds derive theirs from.

    Returns:
        Float32 draws of shape `shape`.
    """
    d = alpha + (1.0 - 1.0 / 3.0)
    c = tf.math.rsqrt(9.0 * d)
    round_shape = tf.concat([[3, _CANDIDATES], tf.shape(uniforms)[1:]], axis=0)
    found, log_v = _candidates(tf.reshape(uniforms[1:], round_shape), d, c)

    def not_done(round_index, found, log_v):
        return tf.logical_not(tf.reduce_all(found))

    def next_round(round_index, found, log_v):
        u = random.uniform(round_shape, _round_seed(seed, round_index))
        round_found, round_log_v = _candidates(u, d, c)
        # Keep the static shapes of the loop variables (shape inference loses them in the body).
        log_v = tf.ensure_shape(tf.where(found, log_v, round_log_v), log_v.shape)
        found = tf.ensure_shape(found | round_found, found.shape)
        return round_index + 1, found, log_v

    _, _, log_v = tf.while_loop(not_done, next_round, (tf.constant(1, tf.int64), found, log_v))
    return tf.math.log(d) + log_v + tf.math.log1p(-uniforms[0]) / alpha


def _log_gamma_kernel(boosts: tf.Tensor, alpha: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """The log of Gamma(alpha, 1) draws from TensorFlow's Gamma kernel, with the same boost.

    Used outside XLA: the kernel draws Gamma(alpha + 1) exactly without a loop. A `tf.while_loop`
    makes every new `tf.data` iterator instantiate its body and condition functions, which cost
    about as much as a small-data epoch of MixUp itself.

    Args:
        boosts: the boost uniforms on [0, 1), one per draw, of the draws' shape.
        alpha: the shape parameter, a float32 scalar > 0.
        seed: the seed of the Gamma(alpha + 1) draws.

    Returns:
        Float32 draws of the shape of `boosts`.
    """
    boosted = random.gamma(tf.shape(boosts), alpha + 1.0, random.stream_seed(seed, 1))
    return tf.math.log(boosted) + tf.math.log1p(-boosts) / alpha


def beta_from_uniforms(uniforms: tf.Tensor, alpha, seed: tf.Tensor) -> tf.Tensor:
    """Beta(alpha, alpha) draws from uniforms the caller drew: `symmetric_beta` in parts.

    Args:
        uniforms: uniforms on [0, 1) of shape `(UNIFORMS_PER_BETA, *shape)`.
        alpha: the concentration, a float or float32 scalar tensor.
        seed: the seed of the draws the method needs beyond `uniforms` (the Gamma kernel's, or
            the rare further rejection rounds').

    Returns:
        A float32 tensor of `shape` with values in [0, 1].
    """
    alpha = tf.maximum(tf.cast(alpha, tf.float32), MIN_ALPHA)
    if in_xla_context():
        # Two Gamma variates (X, Y) per Beta variate, drawn together: rows 2k and 2k + 1 of
        # `uniforms` become row k of X's and of Y's.
        per_gamma = tf.concat([[UNIFORMS_PER_BETA // 2, 2], tf.shape(uniforms)[1:]], axis=0)
        log_gammas = _log_gamma_rejection(tf.reshape(uniforms, per_gamma), alpha, seed)
    else:
        # The same layout: rows 0 and 1 are the boosts of X and Y, the only uniforms used.
        log_gammas = _log_gamma_kernel(uniforms[:2], alpha, seed)
    return tf.sigmoid(log_gammas[0] - log_gammas[1])


def symmetric_beta(shape, alpha, seed: tf.Tensor) -> tf.Tensor:
    """Draws from Beta(alpha, alpha), float32, with ops that compile under XLA.

    `X / (X + Y)` with `X, Y ~ Gamma(alpha)`, computed as `sigmoid(log X - log Y)`; exact in
    distribution for every `alpha >= MIN_ALPHA` (smaller values, including 0, are raised to it).

    Args:
        shape: the shape of the draws (a list or a 1-D int tensor).
        alpha: the concentration, a float or float32 scalar tensor.
        seed: a seed tensor of shape `(2,)`.

    Returns:
        A float32 tensor of `shape` with values in [0, 1].

    Examples:
        >>> # Beta(1, 1) is the uniform distribution on [0, 1]
        >>> lam = symmetric_beta([20000], 1.0, tf.constant([1, 2], tf.int64))
        >>> abs(float(tf.reduce_mean(lam)) - 0.5) < 0.01
        True
    """
    uniforms = random.uniform(tf.concat([[UNIFORMS_PER_BETA], shape], axis=0), seed)
    return beta_from_uniforms(uniforms, alpha, seed)
