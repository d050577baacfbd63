"""Statistical quality of the counter-hash draws that serve noise under XLA.

Every bound is a 5-sigma band of the statistic under the null hypothesis (a perfect generator),
so a correct generator fails a check with probability below 1e-6 for any seed; the seeds are
fixed, so the suite is deterministic.
"""

import functools
import math

import numpy as np
import pytest
import tensorflow as tf

from keras_noise.ops import counter_hash

N = 1 << 20
SEEDS = [(0, 0), (7, 1), (123456, 99), (2**31 - 1, 2**40 + 3)]


def _seed(key, counter):
    return tf.constant([key, counter], tf.int64)


@functools.lru_cache(maxsize=16)
def _uniform(key, counter):
    return counter_hash.uniform((N,), _seed(key, counter)).numpy().astype(np.float64)


def _corr_bound(n):
    return 5.0 / math.sqrt(n)


@pytest.mark.parametrize("seed", SEEDS)
def test_uniform_chi_square_over_1024_bins(seed):
    counts = np.bincount((_uniform(*seed) * 1024).astype(np.int64), minlength=1024)
    expected = N / 1024
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    df = 1023
    assert abs(chi2 - df) < 5 * math.sqrt(2 * df), chi2


@pytest.mark.parametrize("seed", SEEDS)
def test_each_bit_is_fair(seed):
    words = counter_hash.bits((N,), _seed(*seed)).numpy()
    ones = np.unpackbits(words.view(np.uint8)).reshape(-1, 32).mean(axis=0)
    assert np.all(np.abs(ones - 0.5) < 5 * 0.5 / math.sqrt(N)), ones


@pytest.mark.parametrize("seed", SEEDS)
def test_no_correlation_between_neighbouring_elements(seed):
    u = _uniform(*seed)
    for lag in (1, 2, 3, 64, 1024):
        r = np.corrcoef(u[:-lag], u[lag:])[0, 1]
        assert abs(r) < _corr_bound(N - lag), (lag, r)


def test_no_correlation_between_successive_calls_of_a_generator():
    # A generator's successive calls differ only in the counter word of the seed.
    calls = [_uniform(5, counter) for counter in range(4)]
    for a in range(4):
        for b in range(a + 1, 4):
            r = np.corrcoef(calls[a], calls[b])[0, 1]
            assert abs(r) < _corr_bound(N), (a, b, r)


def test_no_correlation_between_seeds_and_layer_streams():
    # Different keys (int seeds, or streams derived from them per layer) at the same counter.
    streams = [_uniform(key, 0) for key in (0, 1, 2, 1 << 30)]
    for a in range(len(streams)):
        for b in range(a + 1, len(streams)):
            r = np.corrcoef(streams[a], streams[b])[0, 1]
            assert abs(r) < _corr_bound(N), (a, b, r)


def test_words_of_one_call_are_distinct():
    # The index -> word map is a bijection for a fixed key, so no word repeats in a call of up
    # to 2**32 elements; a random map would repeat ~ n**2 / 2**33 = 2048 words here.
    words = counter_hash.bits((1 << 22,), _seed(3, 4)).numpy()
    assert np.unique(words).size == words.size


@pytest.mark.parametrize("other", [(3, 5), (4, 4), (3, 4 + (1 << 32))])
def test_calls_do_not_overlap(other):
    # Two streams that were shifted copies of each other would share ~N words; independent
    # ones share N**2 / 2**32 = 256 on average (Poisson: 5 sigma = 80).
    first = counter_hash.bits((N,), _seed(3, 4)).numpy()
    second = counter_hash.bits((N,), _seed(*other)).numpy()
    shared = np.intersect1d(first, second).size
    assert shared < 256 + 80, shared


@pytest.mark.parametrize("seed", SEEDS)
def test_normal_mean_variance_and_quantiles(seed):
    z = counter_hash.normal((N,), _seed(*seed)).numpy().astype(np.float64)
    assert abs(z.mean()) < 5 / math.sqrt(N)
    # The sample variance of N standard normals has standard deviation sqrt(2 / N).
    assert abs(z.var() - 1.0) < 5 * math.sqrt(2.0 / N)
    for q, expected in [(0.02275, -2.0), (0.15866, -1.0), (0.5, 0.0), (0.84134, 1.0)]:
        # Binomial band on the fraction of draws below the normal quantile.
        fraction = float((z < expected).mean())
        assert abs(fraction - q) < 5 * math.sqrt(q * (1 - q) / N), (q, fraction)
    assert np.all(np.isfinite(z)) and np.abs(z).max() <= 4.31


def test_same_seed_same_draws_and_dtype():
    seed = _seed(11, 12)
    a = counter_hash.normal((4, 5), seed, dtype=tf.float16)
    b = counter_hash.normal((4, 5), seed, dtype=tf.float16)
    assert a.dtype == tf.float16
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_draws_under_xla_equal_eager_draws():
    seed = _seed(21, 22)

    @tf.function(jit_compile=True)
    def compiled(seed):
        return counter_hash.normal((64, 33), seed), counter_hash.uniform((64, 33), seed)

    normal, uniform = compiled(seed)
    np.testing.assert_allclose(
        normal.numpy(), counter_hash.normal((64, 33), seed), rtol=1e-5, atol=1e-5
    )
    np.testing.assert_array_equal(uniform.numpy(), counter_hash.uniform((64, 33), seed).numpy())


def test_xla_graph_has_no_random_op():
    @tf.function(jit_compile=True)
    def compiled(seed):
        return counter_hash.normal((8,), seed)

    graph = compiled.get_concrete_function(tf.TensorSpec((2,), tf.int64)).graph
    random_ops = [op.type for op in graph.get_operations() if "Random" in op.type]
    assert random_ops == []


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_16_bit_uniforms_never_round_up_to_one(dtype):
    """A 24-bit draw cast to 16 bits rounds up to 1.0 about once in 2**12 (float16) draws."""
    u = counter_hash.uniform((1 << 20,), tf.constant([3, 4], tf.int64), dtype).numpy()
    assert u.dtype.name == dtype and float(u.max()) < 1.0 and float(u.min()) >= 0.0
    # Still uniform: the mean of 2**20 draws of a grid with 2**b points.
    assert abs(float(u.astype("float64").mean()) - 0.5) < 0.005
