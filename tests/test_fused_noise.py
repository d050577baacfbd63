"""In-model elementwise noise runs as one fused kernel: same noise everywhere, exact gradients.

`keras_noise.ops._fused` computes dropout and activation noise with the counter hash eagerly, in a
compiled XLA kernel (graphs whose static non-batch dims hold `MIN_FUSED_SIZE` entries or more) and
inlined in XLA computations; small or dynamic activations in graphs use Philox. These tests pin
what a user sees: the three hash placements draw the same noise, the gradient is the noise the
forward pass used, and the strength stays a variable.
"""

import math

import numpy as np
import pytest
import tensorflow as tf
from registry import CASES

import keras_noise as kn
from keras_noise.ops import _fused

SEED = tf.constant([11, 3], tf.int64)
SHAPE = (8, 64, _fused.MIN_FUSED_SIZE // 64)  # the smallest example that uses the hash

OPS = {
    "dropout": lambda x, strength: kn.ops.dropout(x, strength, SEED),
    "drop_path": lambda x, strength: kn.ops.drop_path(x, strength, SEED),
    "additive": lambda x, strength: kn.ops.activation_noise(x, strength, SEED),
    "multiplicative": lambda x, strength: kn.ops.activation_noise(
        x, strength, SEED, mode="multiplicative"
    ),
}


def _inputs(shape=SHAPE):
    return tf.random.stateless_uniform(shape, (1, 2), minval=0.5, maxval=1.5)


def _graph_ops(fn, signature_shape=SHAPE, jit_compile=False):
    concrete = tf.function(fn, jit_compile=jit_compile, autograph=False).get_concrete_function(
        tf.TensorSpec(signature_shape, tf.float32), tf.TensorSpec((), tf.float32)
    )
    graph_def = concrete.graph.as_graph_def()
    nodes = list(graph_def.node)
    for function in graph_def.library.function:
        nodes.extend(function.node_def)
    return nodes, graph_def


@pytest.mark.parametrize("name", sorted(OPS))
def test_eager_compiled_kernel_and_xla_draw_the_same_noise(name):
    op, x, strength = OPS[name], _inputs(), tf.constant(0.3)
    eager = op(x, strength).numpy()
    graph = tf.function(op, autograph=False)(x, strength).numpy()
    xla = tf.function(op, jit_compile=True, autograph=False)(x, strength).numpy()
    assert not np.allclose(eager, x.numpy()), "the noise must change the inputs"
    # The integer hash is exact everywhere; XLA may fuse the normal's multiply-add.
    np.testing.assert_allclose(graph, eager, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(xla, eager, rtol=1e-6, atol=1e-6)


def test_a_graph_with_static_inner_dims_calls_one_compiled_kernel_without_philox():
    nodes, graph_def = _graph_ops(OPS["dropout"], (None, *SHAPE[1:]))
    compiled = [f.signature.name for f in graph_def.library.function if f.attr["_XlaMustCompile"].b]
    assert compiled, "the dropout must run as an XLA-compiled function"
    assert not [n.op for n in nodes if n.op.startswith("StatelessRandom")]


@pytest.mark.parametrize(
    "signature",
    [(None, None, SHAPE[2]), (None, SHAPE[1] - 1, SHAPE[2])],
    ids=["dynamic inner dims", "small examples"],
)
def test_other_graphs_draw_with_philox_and_compile_nothing(signature):
    nodes, graph_def = _graph_ops(OPS["dropout"], signature)
    assert not [f for f in graph_def.library.function if f.attr["_XlaMustCompile"].b]
    assert "StatelessRandomUniformV2" in {n.op for n in nodes}
    # and the noise is still dropout at the requested rate, with its gradient
    specs = [tf.TensorSpec(signature, tf.float32), tf.TensorSpec((), tf.float32)]

    @tf.function(input_signature=specs, autograph=False)
    def step(x, rate):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = kn.ops.dropout(x, rate, SEED)
        return y, tape.gradient(y, x)

    y, gradient = (t.numpy() for t in step(tf.ones((8, SHAPE[1] - 1, SHAPE[2])), 0.25))
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / 0.75], rtol=1e-6)
    assert abs(float(np.mean(y == 0.0)) - 0.25) < 0.02
    np.testing.assert_array_equal(gradient, y)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
def test_the_gradient_is_the_noise_of_the_forward_pass(name, mode):
    """d(sum y)/dx: the multiplier used on x (1 for additive noise), recomputed from the seed."""
    op, x, strength = OPS[name], _inputs(), tf.constant(0.3)

    def value_and_gradient(x, strength):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = op(x, strength)
        return y, tape.gradient(y, x)

    if mode != "eager":
        value_and_gradient = tf.function(
            value_and_gradient, jit_compile=mode == "xla", autograph=False
        )
    y, gradient = (t.numpy() for t in value_and_gradient(x, strength))
    expected = np.ones(SHAPE) if name == "additive" else y / x.numpy()
    np.testing.assert_allclose(gradient, expected, rtol=1e-5, atol=1e-6)


def test_the_compiled_kernel_is_not_retraced_when_the_strength_variable_changes():
    rate = tf.Variable(0.1)
    step = tf.function(lambda x: kn.ops.dropout(x, rate, SEED), autograph=False)
    x = tf.ones((8, _fused.MIN_FUSED_SIZE))
    low = float(np.mean(step(x).numpy() == 0.0))
    kernel = _fused._COMPILED[_fused._multiply]
    traces = kernel.experimental_get_tracing_count()
    rate.assign(0.6)
    high = float(np.mean(step(x).numpy() == 0.0))
    assert kernel.experimental_get_tracing_count() == traces
    assert abs(low - 0.1) < 0.01 and abs(high - 0.6) < 0.01


def test_half_precision_inputs_get_half_precision_outputs_and_gradients():
    x = tf.cast(_inputs(), tf.float16)

    @tf.function(autograph=False)
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = kn.ops.dropout(x, 0.5, SEED)
        return y, tape.gradient(y, x)

    y, gradient = step(x)
    assert y.dtype == gradient.dtype == tf.float16
    np.testing.assert_array_equal((y.numpy() == 0), (gradient.numpy() == 0))


def test_the_registry_runs_the_compiled_kernels_and_the_philox_path():
    """Every registry check (XLA, mixed precision, replicas, export...) covers both placements."""
    sizes = {case.name: math.prod(case.example_shape) for case in CASES if case.kind == "in_model"}
    for name in ("activation_noise_fused", "mc_dropout_fused"):
        assert sizes[name] >= _fused.MIN_FUSED_SIZE
    for name in ("activation_noise", "mc_dropout"):
        assert sizes[name] < _fused.MIN_FUSED_SIZE
