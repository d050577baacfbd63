"""The one place where keras-noise reads Keras and TensorFlow internals: an upgrade breaks one file.

Keras 3 resolves a layer's `training` argument from its caller: an explicit argument, else the
value an outer layer passed down through the active call context. A layer called with no outer
layer at all (in a `tf.data` map, or directly) sees `training=None` and is the context's entry
layer; that is how preprocessing layers tell a `ds.map(layer)` call from a model's inference call.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras.src.backend.common import global_state


def is_outermost_call(layer: keras.layers.Layer) -> bool:
    """Whether `layer` is running with no enclosing Keras layer or model call.

    Only meaningful inside `layer.call`, where Keras has set up the call context.
    """
    context = global_state.get_global_attribute("current_call_ctx")
    return context is None or context.entry_layer is layer


def in_xla_context() -> bool:
    """Whether the graph being traced is compiled with XLA (`jit_compile=True`).

    Falls back to False (the non-XLA code path, which is also correct under XLA, only slower)
    if TensorFlow's internal helper moves.
    """
    try:
        from tensorflow.python.ops import control_flow_util

        graph = tf.compat.v1.get_default_graph()
        return bool(control_flow_util.GraphOrParentsInXlaContext(graph))
    except (ImportError, AttributeError):
        return False


def xla_philox_key_counter(seed: tf.Tensor):
    """TensorFlow's own Philox key/counter scramble of `seed`, for use under XLA, or None.

    Under XLA, draws fed by the one-kernel `StatelessRandomGetKeyCounter` compile to a path
    about 150x slower on CPU, while TensorFlow's small-op scramble fuses. None if TensorFlow
    moved the helper (callers then use the kernel: correct, only slower).
    """
    try:
        from tensorflow.python.ops import random_ops_util

        key, counter, _ = random_ops_util.get_key_counter_alg(seed, tf.random.Algorithm.PHILOX)
        return key, counter
    except (ImportError, AttributeError):
        return None
