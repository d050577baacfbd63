"""The Philox draws of `keras_noise.ops.random` are standard normal in every execution mode."""

import math

import numpy as np
import pytest
import tensorflow as tf

from keras_noise.ops.random import normal


def scaled_normal(shape, seed, stddev):
    return normal(shape, seed) * stddev


@pytest.mark.parametrize("mode", ["eager", "graph", "xla", "dynamic_shape"])
def test_normal_is_standard_normal(mode):
    # Box-Muller on Philox uniforms (eager, graph, dynamic shapes) or TF's Philox normal (XLA).
    shape, seed = (201, 199), tf.constant([3, 4], tf.int64)  # odd size: one value is dropped
    if mode == "eager":
        draw = scaled_normal(shape, seed, 2.0)
    elif mode == "dynamic_shape":
        draw = tf.function(
            lambda x: scaled_normal(tf.shape(x), seed, 2.0),
            input_signature=[tf.TensorSpec((None, 199))],
        )(tf.zeros(shape))
    else:
        draw = tf.function(lambda: scaled_normal(shape, seed, 2.0), jit_compile=mode == "xla")()
    assert draw.shape == shape and draw.dtype == tf.float32
    z = draw.numpy().ravel() / 2.0
    n = z.size  # 39999: the tolerances below are >= 6 standard errors
    assert abs(z.mean()) < 6 / math.sqrt(n)
    assert z.var() == pytest.approx(1.0, abs=6 * math.sqrt(2 / n))
    assert abs((z**3).mean()) < 6 * math.sqrt(15 / n)
    assert (z**4).mean() == pytest.approx(3.0, abs=6 * math.sqrt(96 / n))
    assert np.mean(np.abs(z) < 1) == pytest.approx(0.6827, abs=6 * math.sqrt(0.22 / n))


def test_normal_is_seeded_and_handles_tiny_shapes():
    seed = tf.constant([5, 6], tf.int64)
    np.testing.assert_array_equal(scaled_normal((7,), seed, 1.0), scaled_normal((7,), seed, 1.0))
    other = scaled_normal((7,), tf.constant([5, 7], tf.int64), 1.0)
    assert not np.array_equal(scaled_normal((7,), seed, 1.0), other)
    assert scaled_normal((), seed, 1.0).shape == ()
    assert scaled_normal((0, 3), seed, 1.0).shape == (0, 3)


def test_xla_detection_used_to_pick_the_draw():
    from keras_noise._keras_compat import in_xla_context

    seen = {}

    def probe(key):
        seen[key] = in_xla_context()
        return tf.constant(0)

    tf.function(lambda: probe("xla"), jit_compile=True)()
    tf.function(lambda: probe("graph"))()
    assert seen == {"xla": True, "graph": False}


@pytest.mark.parametrize(("jit_compile", "expect_kernel"), [(False, True), (True, False)])
def test_seed_scramble_kernel_only_outside_xla(jit_compile, expect_kernel):
    """Outside XLA one kernel scrambles the seed (cheap in tf.data); under XLA, draws fed by that
    kernel compile to a ~150x slower CPU path, so TensorFlow's fusable small ops are used."""
    from keras_noise.ops.random import uniform

    fn = tf.function(lambda: uniform((4,), tf.constant([1, 2], tf.int64)), jit_compile=jit_compile)
    ops = {node.op for node in fn.get_concrete_function().graph.as_graph_def().node}
    assert ("StatelessRandomGetKeyCounter" in ops) == expect_kernel


def test_seed_generator_gives_a_fresh_seed_per_call_and_restarts_from_its_seed():
    from keras_noise.ops.random import NoiseSeedGenerator

    generator = NoiseSeedGenerator(seed=3)
    eager = [generator.next().numpy().tolist() for _ in range(3)]
    traced = tf.function(generator.next)
    graph = [traced().numpy().tolist() for _ in range(3)]
    seeds = eager + graph
    assert len({tuple(seed) for seed in seeds}) == 6, f"repeated seeds: {seeds}"
    assert NoiseSeedGenerator(seed=3).next().numpy().tolist() == eager[0]
    assert NoiseSeedGenerator(seed=4).next().numpy().tolist() != eager[0]
