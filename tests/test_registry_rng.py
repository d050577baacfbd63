"""Every registered layer draws with Philox (or the counter hash) through its own seed generator,
never a global RNG.

Stateless random ops default to `auto_select`, which XLA lowers to a slow generator on CPU, and
stateful random ops use a global generator that `seed=` cannot control.
"""

import keras
import pytest
import tensorflow as tf
from registry import CASES, LayerCase, params
from tensorflow.python.framework import op_def_registry

PHILOX = 1
FMIX32_MULTIPLIER = 0x85EBCA6B
ALLOWED_STATEFUL = {"RngReadAndSkip"}  # the atomic per-call seed read of NoiseSeedGenerator
GLOBAL_RNG_OPS = {
    "RandomUniform",
    "RandomUniformInt",
    "RandomStandardNormal",
    "TruncatedNormal",
    "RandomGamma",
    "RandomPoisson",
    "RandomPoissonV2",
    "RandomShuffle",
    "Multinomial",
    "ParameterizedTruncatedNormal",
}


def _random_nodes(case, jit_compile=False):
    layer, x = case.layer(), case.inputs()
    fn = tf.function(lambda t: layer(t, training=True), jit_compile=jit_compile)
    spec = tf.nest.map_structure(lambda t: tf.TensorSpec(t.shape, t.dtype), x)  # batch: a dict
    graph_def = fn.get_concrete_function(spec).graph.as_graph_def()
    nodes = list(graph_def.node)
    for function in graph_def.library.function:
        nodes.extend(function.node_def)
    return {node.name: node for node in nodes}


def _const_value(nodes, name):
    node = nodes[name.split(":")[0].lstrip("^")]
    while node.op == "Identity":
        node = nodes[node.input[0].split(":")[0]]
    assert node.op == "Const", f"alg comes from a {node.op} node, not a constant"
    return int(tf.make_ndarray(node.attr["value"].tensor))


def _uses_counter_hash(nodes) -> bool:
    """Whether the graph computes `keras_noise.ops.counter_hash` (its fmix32 multiplier)."""
    constants = [
        tf.make_ndarray(node.attr["value"].tensor).ravel().tolist()
        for node in nodes.values()
        if node.op == "Const" and node.attr["dtype"].type == tf.uint32.as_datatype_enum
    ]
    return any(FMIX32_MULTIPLIER in values for values in constants)


def _alg_input(node):
    """The node's `alg` input (by the op's definition: not always the last), or None."""
    names = [arg.name for arg in op_def_registry.get(node.op).input_arg]
    return node.input[names.index("alg")] if "alg" in names else None


@params([c for c in CASES if c.stochastic])
@pytest.mark.parametrize("jit_compile", [False, True], ids=["graph", "xla"])
def test_every_draw_names_philox_and_no_global_rng_is_used(case, jit_compile):
    """Both code paths. Under XLA, and in the fused kernels of in-model noise
    (`keras_noise.ops._fused`), float draws come from the counter hash (no random op: found by its
    finalizer constant); every remaining random op must name Philox."""
    nodes = _random_nodes(case, jit_compile)
    random_ops = [n for n in nodes.values() if "Random" in n.op or n.op.startswith("Rng")]
    assert random_ops, "the training path must contain random ops"
    assert not [n.op for n in random_ops if n.op in GLOBAL_RNG_OPS]
    checked = 0
    for node in random_ops:
        alg = _alg_input(node)
        if node.op in ALLOWED_STATEFUL or alg is None:
            continue
        assert _const_value(nodes, alg) == PHILOX, f"{node.op} is not Philox"
        checked += 1
    hashed = _uses_counter_hash(nodes)
    assert checked or hashed, "no draw with an algorithm and no counter hash was found"
    assert any(n.op == "RngReadAndSkip" for n in random_ops), "seeds come from the atomic read"


def test_the_check_catches_keras_auto_select():
    case = LayerCase("keras_gaussian_noise", keras.layers.GaussianNoise, {"stddev": 0.1}, (3,))
    nodes = _random_nodes(case)
    algs = [
        _const_value(nodes, _alg_input(n))
        for n in nodes.values()
        if n.op.startswith("StatelessRandom") and _alg_input(n) is not None
    ]
    assert algs and all(alg != PHILOX for alg in algs)
