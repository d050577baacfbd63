"""Every registered layer draws with Philox through its own seed generator, never a global RNG.

Stateless random ops default to `auto_select`, which XLA lowers to a slow generator on CPU, and
stateful random ops use a global generator that `seed=` cannot control.
"""

import keras
import tensorflow as tf
from registry import CASES, LayerCase, params

PHILOX = 1
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


def _random_nodes(case):
    layer, x = case.layer(), case.inputs()
    fn = tf.function(lambda t: layer(t, training=True))
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


@params([c for c in CASES if c.stochastic])
def test_every_draw_names_philox_and_no_global_rng_is_used(case):
    nodes = _random_nodes(case)
    random_ops = [n for n in nodes.values() if "Random" in n.op or n.op.startswith("Rng")]
    assert random_ops, "the training path must contain random ops"
    assert not [n.op for n in random_ops if n.op in GLOBAL_RNG_OPS]
    for node in random_ops:
        if node.op in ALLOWED_STATEFUL or "alg" not in node.input[-1]:
            continue
        assert _const_value(nodes, node.input[-1]) == PHILOX, f"{node.op} is not Philox"
    assert any(n.op == "RngReadAndSkip" for n in random_ops), "seeds come from the atomic read"


def test_the_check_catches_keras_auto_select():
    case = LayerCase("keras_gaussian_noise", keras.layers.GaussianNoise, {"stddev": 0.1}, (3,))
    nodes = _random_nodes(case)
    algs = [
        _const_value(nodes, n.input[-1])
        for n in nodes.values()
        if n.op.startswith("StatelessRandom") and n.input and "alg" in n.input[-1]
    ]
    assert algs and all(alg != PHILOX for alg in algs)
