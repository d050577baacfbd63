"""Counter-based random draws for XLA: each element's bits are a keyed hash of its index.

Used for float draws inside XLA computations, and by the compiled kernels of dropout and
activation noise (`keras_noise.ops._fused`) everywhere.

Under `jit_compile=True` on CPU, TensorFlow's Philox draws compile to a loop that XLA cannot fuse
with the surrounding arithmetic: on this project's 2-core machine a Philox normal draw for 6.4M
activations took several times a plain elementwise multiply. A *counter-based hash* (Salmon et
al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011, is the classic account of the idea)
computes element ``i``'s random word as ``H_key(i)`` with a few integer multiplies, shifts and
xors. XLA fuses those into the elementwise op that consumes the noise, so the draw costs about as
much as reading the index.

The hash used here:

* **key**: the 64-bit seed pair ``[key, counter]`` of a `NoiseSeedGenerator` call is split into
  four 32-bit words and folded into two 32-bit round keys ``k0, k1`` by chains of the MurmurHash3
  32-bit finalizer (``fmix32``, Appleby 2011, public domain). Each chain is a bijection of every
  word with the others fixed, so two seeds that differ in any word get different round keys.
* **bits**: ``h = fmix32(fmix32(i * 0x9E3779B9 + k0) ^ k1)``. For a fixed key this is a bijection of
  the 32-bit index: the ``2**32`` elements of one call never repeat a word, and neighbouring indices
  are spread over the whole word by the odd multiplier before ``fmix32`` avalanches them.
* **uniform**: the top 24 bits, ``(h >> 8) * 2**-24``, every float32 multiple of ``2**-24`` in
  ``[0, 1)`` equally likely.
* **normal**: the inverse normal CDF, interpolated linearly between its values at the
  ``2**14 + 1`` knots ``k / 2**14``: the top 14 bits of ``h`` pick a segment (each of
  probability ``2**-14``) and the next 18 its position in it. Each end knot (where the inverse CDF
  is infinite) is set so that its segment's mean is the normal's mean beyond the next knot. The
  result has mean 0, variance ``1 + 1.3e-5``, and the normal's quantiles to within ``1e-4`` for
  ``|z| < 3``. Only the two outermost segments (probability ``2**-14`` each, beyond
  ``|z| = 3.84``) differ visibly: they are linear ramps to ``|z| = 4.31``, so the tails stop at
  ``|z| <= 4.31`` (a true normal goes beyond it with probability ``1.6e-5``). Why a table: in a
  jit-compiled train step, XLA's `erfinv` (a ``log1p``, a ``sqrt`` and two polynomials per
  element) made ActivationNoise cost 1.5x the step without noise, and even a lone ``log`` 1.2x,
  while this lookup (two gathers from a 64 KiB table and one multiply-add) costs what a uniform
  draw does (measured in `benchmarks/suites/in_model.py`'s model).

The tests in `tests/test_counter_hash.py` check uniformity (chi-square), the absence of
correlation between neighbouring elements, calls, seeds and streams, distinct words within a call,
no overlap between the words of different calls, and the normal's mean, variance and quantiles.
Calls are limited to fewer than ``2**32`` elements (the index is 32 bits).
"""

from __future__ import annotations

import functools
import statistics

import numpy as np
import tensorflow as tf

_GOLDEN = 0x9E3779B9  # odd: multiplying by it permutes the 32-bit words
_CHAIN_STARTS = (0x243F6A88, 0x85A308D3)  # two arbitrary distinct constants (digits of pi)
_NORMAL_BITS = 14  # the inverse normal CDF's table has 2**14 segments


def _fmix32(h: tf.Tensor) -> tf.Tensor:
    """MurmurHash3's 32-bit finalizer: a bijection of uint32 words with full avalanche."""
    h = tf.bitwise.bitwise_xor(h, tf.bitwise.right_shift(h, 16))
    h = h * tf.constant(0x85EBCA6B, tf.uint32)
    h = tf.bitwise.bitwise_xor(h, tf.bitwise.right_shift(h, 13))
    h = h * tf.constant(0xC2B2AE35, tf.uint32)
    return tf.bitwise.bitwise_xor(h, tf.bitwise.right_shift(h, 16))


def round_keys(seed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """The two uint32 round keys of an int64 seed of shape `(2,)`.

    Examples:
        >>> a = round_keys(tf.constant([1, 2], tf.int64))
        >>> b = round_keys(tf.constant([1, 3], tf.int64))
        >>> bool(a[0] != b[0]) and bool(a[1] != b[1])
        True
    """
    words = tf.reshape(tf.bitcast(tf.cast(seed, tf.int64), tf.uint32), (4,))
    keys = []
    for start, order in zip(_CHAIN_STARTS, ((3, 2, 1, 0), (0, 1, 2, 3)), strict=True):
        key = tf.constant(start, tf.uint32)
        for index in order:
            key = _fmix32(tf.bitwise.bitwise_xor(key, words[index]))
        keys.append(key)
    return keys[0], keys[1]


def bits(shape, seed: tf.Tensor) -> tf.Tensor:
    """Uniformly random uint32 words of `shape`, a keyed hash of each element's index.

    Args:
        shape: the output shape (a list or an int32 tensor), fewer than ``2**32`` elements.
        seed: an int64 seed of shape `(2,)`, as a `NoiseSeedGenerator` returns.

    Returns:
        A uint32 tensor of `shape`.

    Examples:
        >>> words = bits((2, 3), tf.constant([7, 0], tf.int64))
        >>> words.dtype, words.shape
        (tf.uint32, TensorShape([2, 3]))
        >>> bool(tf.reduce_all(words == bits((2, 3), tf.constant([7, 0], tf.int64))))
        True
    """
    k0, k1 = round_keys(seed)
    shape = tf.convert_to_tensor(shape, dtype=tf.int32)
    index = tf.cast(tf.range(tf.reduce_prod(shape)), tf.uint32)
    words = _fmix32(index * tf.constant(_GOLDEN, tf.uint32) + k0)
    words = _fmix32(tf.bitwise.bitwise_xor(words, k1))
    return tf.reshape(words, shape)


# Significant bits of each float type: a uniform on the grid of multiples of 2**-bits is exact
# in it, so a cast can never round a draw up to 1.0.
_SIGNIFICANT_BITS = {tf.float16: 11, tf.bfloat16: 8}


def uniform(shape, seed: tf.Tensor, dtype=tf.float32) -> tf.Tensor:
    """Uniform draws in ``[0, 1)`` on the grid of multiples of ``2**-b``, in `dtype`.

    ``b`` is 24 for float32 and wider types, and the type's significant bits for float16 (11)
    and bfloat16 (8): every grid point is exact there, so no draw rounds up to 1.0.

    Examples:
        >>> u = uniform((10000,), tf.constant([1, 2], tf.int64))
        >>> bool(tf.reduce_min(u) >= 0.0) and bool(tf.reduce_max(u) < 1.0)
        True
    """
    width = _SIGNIFICANT_BITS.get(tf.as_dtype(dtype), 24)
    top = tf.cast(tf.bitwise.right_shift(bits(shape, seed), 32 - width), tf.float32)
    return tf.cast(top * (1.0 / (1 << width)), dtype)


@functools.cache
def _inverse_normal_knots(bits: int = _NORMAL_BITS) -> np.ndarray:
    """The inverse normal CDF at ``k / 2**bits`` for ``k = 0..2**bits``, with finite end knots."""
    segments = 1 << bits
    standard = statistics.NormalDist()
    knots = np.empty(segments + 1)
    knots[1:-1] = [standard.inv_cdf(k / segments) for k in range(1, segments)]
    # The mean of the normal below knots[1] is -pdf(knots[1]) * segments; a linear segment's
    # mean is the mean of its ends.
    knots[0] = -2.0 * standard.pdf(knots[1]) * segments - knots[1]
    knots[-1] = -knots[0]
    return knots.astype(np.float32)


def normal(shape, seed: tf.Tensor, dtype=tf.float32) -> tf.Tensor:
    """Standard normal draws by the interpolated inverse CDF of the module docstring, in `dtype`.

    Examples:
        >>> z = normal((100000,), tf.constant([1, 2], tf.int64))
        >>> abs(float(tf.reduce_mean(z))) < 0.02, abs(float(tf.math.reduce_std(z)) - 1.0) < 0.02
        (True, True)
    """
    words = bits(shape, seed)
    segment = tf.cast(tf.bitwise.right_shift(words, 32 - _NORMAL_BITS), tf.int32)
    # The 18 bits below the segment's, as a float32 fraction in [0, 1) (exact: 18 < 24 bits).
    position = tf.cast(
        tf.bitwise.right_shift(tf.bitwise.left_shift(words, _NORMAL_BITS), _NORMAL_BITS), tf.float32
    ) * (1.0 / (1 << (32 - _NORMAL_BITS)))
    knots = tf.constant(_inverse_normal_knots())
    low = tf.gather(knots, segment)
    high = tf.gather(knots, segment + 1)
    return tf.cast(low + position * (high - low), dtype)
